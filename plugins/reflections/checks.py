"""Load-time checks of a workflow for the reflections plugin, and form checks beyond JSON Schema.

- ``programme.settings.reflections`` must match :data:`SETTINGS_SCHEMA`
  (pointers like ``/programme/settings/reflections/pulse/every``);
- a transition recording reflections or pulse answers has a form and is
  fired by the mentor or the mentee only (a reflection has an author);
- a pulse form has a ``satisfaction`` field;
- progress entries in a reflection name each goal at most once.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry

from mentorflow import Problem
from mentorflow.durations import parse_duration
from mentorflow.i18n import _
from mentorflow.snapshots import MEMBER_ROLES
from mentorflow.validation import pointer, schema_problems
from mentorflow.workflow.model import Workflow

from .pulse import PULSE_EFFECT
from .schedule import RECORD_EFFECT

SETTINGS_POINTER = ["programme", "settings", "reflections"]
POSITIVE_DURATION = {
    "type": "string",
    "pattern": r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$",
    "description": "an ISO 8601 duration such as P30D",
}
SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "pulse": {
            "type": "object",
            "additionalProperties": False,
            "required": ["first", "every"],
            "properties": {
                "first": POSITIVE_DURATION,
                "every": POSITIVE_DURATION,
                "who": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(MEMBER_ROLES)}},
            },
        },
    },
}


@cache
def _settings_validator() -> Draft202012Validator:
    return Draft202012Validator(SETTINGS_SCHEMA, registry=Registry())


def settings_problems(document: dict[str, Any]) -> list[Problem]:
    """Problems of ``programme.settings.reflections``, with pointers into the workflow document."""
    settings = ((document.get("programme") or {}).get("settings") or {})
    if "reflections" not in settings:
        return []
    value = settings["reflections"]
    problems = [Problem(pointer([*SETTINGS_POINTER]) + p.pointer, p.message)
                for p in schema_problems(_settings_validator(), value)]
    if problems:
        return problems
    for key in ("first", "every"):
        text = (value.get("pulse") or {}).get(key)
        if text is not None and parse_duration(text).total_seconds() <= 0:
            problems.append(Problem(pointer([*SETTINGS_POINTER, "pulse", key]), _("must be longer than zero")))
    return problems


def _uses(transition: dict[str, Any], effect: str) -> int | None:
    for index, call in enumerate(transition.get("effects") or ()):
        if isinstance(call, dict) and call.get("name") == effect:
            return index
    return None


def transition_problems(document: dict[str, Any]) -> list[Problem]:
    """Transitions using this plugin's effects must carry a suitable form and be fired by the pair."""
    problems: list[Problem] = []
    forms = document.get("forms") or {}
    for i, transition in enumerate(document.get("transitions") or ()):
        for effect in (RECORD_EFFECT, PULSE_EFFECT):
            at = _uses(transition, effect)
            if at is None:
                continue
            if not transition.get("form"):
                problems.append(Problem(pointer(["transitions", i, "effects", at]), _(
                    "effect {effect} needs the transition to have a form").format(effect=effect)))
            others = sorted(set(transition.get("roles") or ()) - set(MEMBER_ROLES))
            if others:
                problems.append(Problem(pointer(["transitions", i, "roles"]), _(
                    "effect {effect} records what a member of the relationship wrote; remove {roles}").format(
                        effect=effect, roles=", ".join(others))))
            form = forms.get(transition.get("form")) or {}
            fields = ((form.get("schema") or {}).get("properties") or {})
            if effect == PULSE_EFFECT and transition.get("form") in forms and "satisfaction" not in fields:
                problems.append(Problem(pointer(["forms", transition["form"], "schema", "properties"]), _(
                    "the pulse form needs a 'satisfaction' field (1-5)")))
    return problems


def check_workflow(workflow: Workflow, document: dict[str, Any]) -> list[Problem]:
    """Every problem this plugin finds in a workflow document."""
    return settings_problems(document) + transition_problems(document)


def reflection_forms(workflow: Workflow) -> set[str]:
    """Forms submitted with a transition that records reflections."""
    return {t.form for t in workflow.transitions.values()
            if t.form and any(e.name == RECORD_EFFECT for e in t.effects)}


def form_problems(workflow: Workflow, form: str, data: dict[str, Any]) -> Iterable[Problem]:
    """Cross-field rules of a reflection: each goal appears at most once under ``progress``."""
    if form not in reflection_forms(workflow):
        return []
    problems, seen = [], set()
    for index, entry in enumerate(data.get("progress") or ()):
        goal = entry.get("goal_id") if isinstance(entry, dict) else None
        if goal is None:
            continue
        key = str(goal)
        if key in seen:
            problems.append(Problem(pointer(["progress", index, "goal_id"]), _(
                "goal {goal} already has a progress entry in this reflection").format(goal=goal)))
        seen.add(key)
    return problems
