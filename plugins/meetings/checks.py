"""Load-time checks of a workflow for the meetings plugin.

- a transition logging or rating meetings has a form with the fields the
  effect reads, and is fired by the mentor or the mentee only;
- such a form that carries private notes or a rating must be marked
  ``"private": true``: the engine's audit timeline shows a form's data per
  form, so otherwise the partner would read the author's private notes
  there.
"""

from __future__ import annotations

from typing import Any

from mentorflow import Problem
from mentorflow.i18n import _
from mentorflow.snapshots import MEMBER_ROLES
from mentorflow.validation import pointer
from mentorflow.workflow.model import Workflow

from .effects import LOG_EFFECT, RATE_EFFECT

NEEDED_FIELDS = {LOG_EFFECT: ("date", "duration_minutes", "format"), RATE_EFFECT: ("meeting_id",)}
PERSONAL_FIELDS = ("private_notes", "rating")


def _effect_index(transition: dict[str, Any], name: str) -> int | None:
    for index, call in enumerate(transition.get("effects") or ()):
        if isinstance(call, dict) and call.get("name") == name:
            return index
    return None


def check_workflow(workflow: Workflow, document: dict[str, Any]) -> list[Problem]:
    """Every problem this plugin finds in a workflow document."""
    problems: list[Problem] = []
    forms = document.get("forms") or {}
    flagged: set[str] = set()
    for i, transition in enumerate(document.get("transitions") or ()):
        for name, needed in NEEDED_FIELDS.items():
            at = _effect_index(transition, name)
            if at is None:
                continue
            form_name = transition.get("form")
            if not form_name:
                problems.append(Problem(pointer(["transitions", i, "effects", at]), _(
                    "effect {effect} needs the transition to have a form").format(effect=name)))
                continue
            others = sorted(set(transition.get("roles") or ()) - set(MEMBER_ROLES))
            if others:
                problems.append(Problem(pointer(["transitions", i, "roles"]), _(
                    "effect {effect} records the members' own meetings; remove {roles}").format(
                        effect=name, roles=", ".join(others))))
            form = forms.get(form_name)
            if not isinstance(form, dict):
                continue  # the core reports a missing form
            fields = (form.get("schema") or {}).get("properties") or {}
            missing = [f for f in needed if f not in fields]
            if missing:
                problems.append(Problem(pointer(["forms", form_name, "schema", "properties"]), _(
                    "effect {effect} needs the field(s) {fields}").format(effect=name, fields=", ".join(missing))))
            if form_name not in flagged and any(f in fields for f in PERSONAL_FIELDS) and not form.get("private"):
                flagged.add(form_name)
                problems.append(Problem(pointer(["forms", form_name, "private"]), _(
                    "this form holds private notes or a rating; set \"private\": true so no one but the author "
                    "sees them in the timeline")))
    return problems
