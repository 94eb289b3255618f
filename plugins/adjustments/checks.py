"""Semantic workflow checks of the adjustments plugin: its settings and the transitions using its effects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mentorflow.durations import parse_duration
from mentorflow.errors import Problem
from mentorflow.i18n import _
from mentorflow.plugins.adjustments import settings
from mentorflow.snapshots import MEMBER_ROLES
from mentorflow.validation import schema_problems
from mentorflow.workflow.model import Workflow

PROPOSE, ACCEPT, REJECT = "adjustments.propose", "adjustments.accept", "adjustments.reject"
PARTICIPANTS = frozenset(MEMBER_ROLES)
# effect -> form fields a transition carrying it must collect
NEEDED_FIELDS: Mapping[str, tuple[str, ...]] = {PROPOSE: ("items",), REJECT: ("reason",)}


def effect_names(transition: Mapping[str, Any]) -> set[str]:
    return {e.get("name") for e in transition.get("effects", ()) if isinstance(e, dict)}


def answerable_states(workflow: Workflow) -> frozenset[str]:
    """States in which a pending proposal can still be accepted."""
    return frozenset(s for t in workflow.transitions.values() if any(e.name == ACCEPT for e in t.effects)
                     for s in t.sources)


def check(workflow: Workflow, document: dict[str, Any]) -> Iterator[Problem]:
    yield from _settings_problems(workflow.programme)
    forms = document.get("forms", {})
    answerable = answerable_states(workflow)
    for i, tr in enumerate(document.get("transitions", [])):
        names = effect_names(tr)
        ours = names & {PROPOSE, ACCEPT, REJECT}
        if not ours:
            continue
        at = f"/transitions/{i}"
        extra_roles = set(tr.get("roles", ())) - PARTICIPANTS
        if extra_roles:
            yield Problem(f"{at}/roles", _("only the mentor and the mentee propose and answer adjustments; "
                                           "remove {roles}").format(roles=", ".join(sorted(extra_roles))))
        for effect in sorted(ours & set(NEEDED_FIELDS)):
            form = forms.get(tr.get("form")) if tr.get("form") else None
            fields = ((form or {}).get("schema") or {}).get("properties") or {}
            missing = [f for f in NEEDED_FIELDS[effect] if f not in fields]
            if form is None or missing:
                yield Problem(f"{at}/form", _("transition '{id}' uses effect '{effect}' but has no form with "
                                              "the field(s) {fields}").format(
                    id=tr.get("id"), effect=effect, fields=", ".join(missing or NEEDED_FIELDS[effect])))
            elif effect == PROPOSE and form.get("private"):
                yield Problem(f"{at}/form", _("an adjustment proposal is answered by the other side, so its form "
                                              "cannot be private"))
        target = tr.get("to")
        if PROPOSE in names and isinstance(target, str) and target != "@history" and target not in answerable:
            yield Problem(f"{at}/to", _("no transition with effect '{effect}' leaves state '{state}': the proposal "
                                        "could never be accepted").format(effect=ACCEPT, state=target))


def _settings_problems(programme: Mapping[str, Any]) -> Iterator[Problem]:
    value = (programme.get("settings") or {}).get("adjustments")
    if value is None:
        return
    base = "/programme/settings/adjustments"
    problems = schema_problems(settings.VALIDATOR, value)
    for p in problems:
        yield Problem(base + p.pointer, p.message)
    cadence_range = value.get("cadence_range") if not problems else None
    if cadence_range and "min" in cadence_range and "max" in cadence_range and \
            parse_duration(cadence_range["min"]) > parse_duration(cadence_range["max"]):
        yield Problem(f"{base}/cadence_range/min", _("is longer than the maximum {max}").format(
            max=cadence_range["max"]))
