"""A programme's Moodle settings (``programme.settings.moodle``), with defaults and a JSON Schema."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from mentorflow.errors import Problem

if TYPE_CHECKING:
    from mentorflow.workflow.model import Workflow

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "mentor_role": {"type": "boolean",
                        "description": "Mirror each relationship's mentor as Moodle's user-context Mentor role over "
                                       "the mentee, so the mentor sees the mentee in Moodle's Mentees block."},
        "unassign_on_close": {"type": "boolean",
                              "description": "Take the Mentor role back when the relationship closes (default true)."},
    },
}
DEFAULTS: dict[str, Any] = {"mentor_role": False, "unassign_on_close": True}


def moodle_settings(workflow: Workflow) -> dict[str, Any]:
    return {**DEFAULTS, **((workflow.programme.get("settings") or {}).get("moodle") or {})}


def check(document: dict[str, Any]) -> Iterable[Problem]:
    value = ((document.get("programme") or {}).get("settings") or {}).get("moodle")
    if value is None:
        return []
    return [Problem("/programme/settings/moodle" + "".join(f"/{p}" for p in error.absolute_path), error.message)
            for error in Draft202012Validator(SCHEMA).iter_errors(value)]
