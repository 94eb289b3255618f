"""A programme's LTI settings (``programme.settings.lti`` in its workflow), with defaults and a JSON Schema."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from mentorflow.errors import Problem
from mentorflow.i18n import _
from mentorflow.members import format_of

if TYPE_CHECKING:
    from mentorflow.engine import Engine
    from mentorflow.workflow.model import Workflow

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "learner_role": {"enum": ["mentee", "mentor", "peer", "choose"],
                         "description": "What an LTI Learner becomes when the programme has not enrolled them yet: "
                                        "a mentee, a mentor, a circle's peer, or their own choice (mentor or "
                                        "mentee) on a sign-up page."},
        "grade": {"enum": ["none", "completion", "progress"],
                  "description": "What goes to the course gradebook: nothing, completion when a relationship "
                                 "closes, or progress through the stages after every change."},
        "grade_roles": {"type": "array", "items": {"enum": ["mentee", "mentor"]}, "uniqueItems": True,
                        "description": "Whose grades are published (default: the mentee's)."},
        "score_maximum": {"type": "number", "exclusiveMinimum": 0, "maximum": 10000},
        "person_roles": {"type": "array", "items": {"enum": ["institution", "system"]}, "uniqueItems": True,
                         "description": "Which roles outside the course also map through the deployment's role map: "
                                        "institution roles (institution/person#Instructor ...) and system roles "
                                        "(system/person#Administrator ...). Default: none, only course (context) "
                                        "roles give programme roles."},
        "line_item_label": {"type": "object", "required": ["en"], "additionalProperties": {"type": "string"},
                            "description": "The gradebook column's name ({\"en\": ..., \"da\": ...})."},
    },
}
DEFAULTS: dict[str, Any] = {"learner_role": "mentee", "grade": "none", "grade_roles": ["mentee"],
                            "score_maximum": 100, "line_item_label": None, "person_roles": []}


def lti_settings(workflow: Workflow) -> dict[str, Any]:
    """``settings.lti`` of a workflow over the defaults."""
    raw = (workflow.programme.get("settings") or {}).get("lti") or {}
    # A circle has no mentees: its Learners become peers unless the programme says otherwise.
    default_learner = "mentee" if "mentee" in workflow.format.member_roles else "peer"
    return {**DEFAULTS, "learner_role": default_learner, **raw}


def programme_lti_settings(engine: Engine, key: str) -> dict[str, Any]:
    return lti_settings(engine.current_workflow(key)[1])


def check(document: dict[str, Any]) -> Iterable[Problem]:
    """Problems with ``/programme/settings/lti`` (for ``mentorflow_check_workflow``)."""
    value = ((document.get("programme") or {}).get("settings") or {}).get("lti")
    if value is None:
        return []
    problems = [Problem("/programme/settings/lti" + "".join(f"/{p}" for p in error.absolute_path), error.message)
                for error in Draft202012Validator(SCHEMA).iter_errors(value)]
    role = value.get("learner_role") if isinstance(value, dict) else None
    if problems or not isinstance(role, str):
        return problems
    try:
        roles = format_of(document.get("programme")).member_roles
    except (AttributeError, TypeError, ValueError):
        return problems  # a broken format is reported at /programme/format by its own check
    wanted = {"mentor", "mentee"} if role == "choose" else {role}
    if not wanted <= set(roles):
        problems.append(Problem("/programme/settings/lti/learner_role", _(
            "this programme's format has no {role} role: choose one of {roles}").format(
            role=" or ".join(sorted(wanted - set(roles))), roles=", ".join(roles))))
    return problems
