"""Semantic workflow checks of the closure plugin: settings, closed-is-read-only, and its effects' needs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mentorflow.errors import Problem
from mentorflow.i18n import _
from mentorflow.plugins.closure import settings
from mentorflow.plugins.closure.endings import CONVERSATION, END_EARLY
from mentorflow.plugins.closure.extensions import DECIDE, REQUEST
from mentorflow.plugins.closure.forms import RECORD
from mentorflow.plugins.closure.reassign import REASSIGN
from mentorflow.plugins.closure.rematch import ENQUEUE
from mentorflow.plugins.closure.reopen import REOPEN
from mentorflow.snapshots import MEMBER_ROLES
from mentorflow.validation import schema_problems
from mentorflow.workflow.model import Workflow

BASE = "/programme/settings/closure"
_MEMBERS = frozenset(MEMBER_ROLES)
# effect -> (form fields it needs: all of the first tuple, at least one of the second; roles allowed to carry it)
NEEDS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]] = {
    REQUEST: (("reason",), ("new_end_date", "period"), _MEMBERS),
    DECIDE: ((), (), frozenset({"coordinator"})),
    END_EARLY: (("reason",), (), _MEMBERS | {"coordinator"}),
    CONVERSATION: (("notes",), (), _MEMBERS | {"coordinator"}),
    RECORD: (("goals", "satisfaction"), (), _MEMBERS),
    REASSIGN: (("mentor_id",), (), frozenset({"coordinator"})),
    REOPEN: ((), (), frozenset({"coordinator"})),
    ENQUEUE: ((), (), frozenset({"mentee", "coordinator", "system"})),
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check(workflow: Workflow, document: dict[str, Any]) -> Iterator[Problem]:
    yield from _settings_problems(workflow.programme)
    terminal = workflow.terminal_states
    forms = document.get("forms", {})
    closure = settings.closure_settings(workflow.programme)
    for i, tr in enumerate(document.get("transitions", [])):
        at = f"/transitions/{i}"
        names = {e.get("name") for e in tr.get("effects", ())}
        guards = {g.get("name") for g in tr.get("guards", ())}
        sources = set(_as_list(tr.get("from"))) - {"*"}
        target = tr.get("to")
        leaves = target is not None and (target == "@history" or any(target != s for s in sources))
        for state in sorted(sources & terminal):
            if leaves and REOPEN not in names:
                yield Problem(at, _("transition '{id}' leaves the terminal state '{state}' without the effect "
                                    "'{effect}': closed relationships are read-only").format(
                    id=tr.get("id"), state=state, effect=REOPEN))
        if REOPEN in names:
            if not sources or not sources <= terminal:
                yield Problem(f"{at}/from", _("effect '{effect}' reopens closed relationships: leave from terminal "
                                              "states only").format(effect=REOPEN))
            if target is None or target == "@history" or target in terminal:
                yield Problem(f"{at}/to", _("effect '{effect}' needs a state that is not terminal to reopen "
                                            "into").format(effect=REOPEN))
        if ENQUEUE in names and not (sources and sources <= terminal):
            yield Problem(f"{at}/from", _("effect '{effect}' is for closed relationships: leave from terminal "
                                          "states only").format(effect=ENQUEUE))
        for effect in sorted(names & set(NEEDS)):
            yield from _effect_problems(effect, tr, at, forms)
        if END_EARLY in names and not closure.get("reasons"):
            yield Problem(BASE if closure else "/programme/settings",
                          _("transition '{id}' ends relationships early: list the programme's neutral reasons under "
                            "settings.closure.reasons").format(id=tr.get("id")))
        if "closure.within_reopen_window" in guards and not closure.get("reopen_window"):
            yield Problem(BASE if closure else "/programme/settings",
                          _("transition '{id}' checks the reopen window: set settings.closure.reopen_window").format(
                              id=tr.get("id")))


def _effect_problems(effect: str, tr: Mapping[str, Any], at: str, forms: Mapping[str, Any]) -> Iterator[Problem]:
    required, one_of, roles = NEEDS[effect]
    extra = set(tr.get("roles", ())) - roles
    if extra:
        yield Problem(f"{at}/roles", _("effect '{effect}' may only be fired by the {allowed}; remove {roles}").format(
            effect=effect, allowed=", ".join(sorted(roles)), roles=", ".join(sorted(extra))))
    if not required and not one_of:
        return
    form = forms.get(tr.get("form")) if tr.get("form") else None
    fields = set(((form or {}).get("schema") or {}).get("properties") or {})
    missing = [f for f in required if f not in fields]
    if one_of and not fields & set(one_of):
        missing.append(_(" or ").join(one_of))
    if form is None or missing:
        yield Problem(f"{at}/form", _("transition '{id}' uses effect '{effect}' but has no form with the field(s) "
                                      "{fields}").format(id=tr.get("id"), effect=effect,
                                                         fields=", ".join(missing or required or one_of)))


def _settings_problems(programme: Mapping[str, Any]) -> Iterator[Problem]:
    value = (programme.get("settings") or {}).get("closure")
    if value is None:
        return
    problems = schema_problems(settings.VALIDATOR, value)
    for p in problems:
        yield Problem(BASE + p.pointer, p.message)
    if problems:
        return
    seen: set[str] = set()
    for i, reason in enumerate(value.get("reasons", ())):
        if reason["id"] in seen:
            yield Problem(f"{BASE}/reasons/{i}/id", _("reason '{id}' is listed twice").format(id=reason["id"]))
        seen.add(reason["id"])
