"""Programme settings of the goals plugin, ``programme.settings.goals``::

    "goals": {
      "competences": [{"id": "communication", "label": {"en": "Communication", "da": "Kommunikation"}}],
      "scale": {"min": 1, "max": 5}
    }

``competences`` are what the mentee rates in a self-assessment; ``scale``
defaults to 1-5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry

from mentorflow import Problem
from mentorflow.i18n import _, labels_schema, localized
from mentorflow.validation import pointer, schema_problems

SETTINGS_POINTER = ["programme", "settings", "goals"]
DEFAULT_SCALE = (1, 5)
_LABELS = labels_schema(max_length=200)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "competences": {
            "type": "array", "maxItems": 50,
            "items": {
                "type": "object", "required": ["id", "label"], "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,63}$",
                           "description": "a lowercase letter, then lowercase letters, digits, - or _"},
                    "label": _LABELS,
                },
            },
        },
        "scale": {
            "type": "object", "required": ["min", "max"], "additionalProperties": False,
            "properties": {"min": {"type": "integer", "minimum": 0, "maximum": 100},
                           "max": {"type": "integer", "minimum": 1, "maximum": 100}},
        },
    },
}


@dataclass(frozen=True, slots=True)
class Competence:
    id: str
    label: Mapping[str, str]

    def title(self, locale: str | None = None) -> str:
        return localized(self.label, locale)


@dataclass(frozen=True, slots=True)
class GoalSettings:
    """The validated settings with defaults filled in."""

    competences: tuple[Competence, ...]
    scale_min: int
    scale_max: int

    def competence(self, competence_id: str) -> Competence | None:
        return next((c for c in self.competences if c.id == competence_id), None)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(SCHEMA, registry=Registry())


def goal_settings(programme: Mapping[str, Any]) -> GoalSettings:
    """The goals settings of a (validated) programme."""
    raw = ((programme.get("settings") or {}).get("goals")) or {}
    scale = raw.get("scale") or {}
    return GoalSettings(
        competences=tuple(Competence(c["id"], c["label"]) for c in raw.get("competences") or ()),
        scale_min=scale.get("min", DEFAULT_SCALE[0]), scale_max=scale.get("max", DEFAULT_SCALE[1]))


def settings_problems(document: Mapping[str, Any]) -> list[Problem]:
    """Problems of ``programme.settings.goals``, with pointers into the workflow document."""
    programme = document.get("programme")
    settings = programme.get("settings") if isinstance(programme, dict) else None
    if not isinstance(settings, dict) or "goals" not in settings:
        return []
    value = settings["goals"]
    problems = [Problem(pointer(SETTINGS_POINTER) + p.pointer, p.message)
                for p in schema_problems(_validator(), value)]
    if problems:
        return problems
    seen: dict[str, int] = {}
    for index, competence in enumerate(value.get("competences") or ()):
        if competence["id"] in seen:
            problems.append(Problem(pointer([*SETTINGS_POINTER, "competences", index, "id"]), _(
                "competence '{id}' is listed twice (first at index {first})").format(
                    id=competence["id"], first=seen[competence["id"]])))
        seen.setdefault(competence["id"], index)
    scale = value.get("scale")
    if scale is not None and scale["max"] <= scale["min"]:
        problems.append(Problem(pointer([*SETTINGS_POINTER, "scale", "max"]), _(
            "must be greater than the scale's minimum ({min})").format(min=scale["min"])))
    return problems
