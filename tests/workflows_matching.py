"""The matching plugin's additions to the default workflow: ``programme.settings.matching``.

Matching adds no transitions, forms, effects or guards: relationships are
created by :meth:`Engine.start_relationship` (audited as ``start``) when a
proposal is approved or a request accepted. What a programme adds is its
matching configuration: the profile schema, weighted criteria, hard
constraints and the mode.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.lifecycle import plain

PROFILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["languages"],
    "properties": {
        "field_of_study": {"type": "string", "maxLength": 100},
        "industry": {"type": "string", "maxLength": 100},
        "profession": {"type": "string", "maxLength": 100},
        "skills_offered": {"type": "array", "items": {"type": "string", "maxLength": 60}, "maxItems": 30,
                           "uniqueItems": True},
        "skills_sought": {"type": "array", "items": {"type": "string", "maxLength": 60}, "maxItems": 30,
                          "uniqueItems": True},
        "languages": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]{2}$"}, "minItems": 1,
                      "uniqueItems": True},
        "location": {"type": "string", "maxLength": 100},
        "utc_offset": {"type": "number", "minimum": -12, "maximum": 14},
        "availability": {"type": "array", "items": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                         "uniqueItems": True},
        "career_stage": {"enum": ["student", "junior", "mid", "senior", "executive"]},
        "interests": {"type": "string", "maxLength": 2000},
        "reporting_line": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
        "capacity": {"type": "integer", "minimum": 0, "maximum": 10},
    },
}

MATCHING: dict[str, Any] = {
    "mode": "coordinator-assigned",
    "profile_schema": PROFILE_SCHEMA,
    "criteria": [
        {"name": "skills_overlap", "weight": 3},
        {"name": "same_value", "key": "same_industry", "weight": 1, "params": {"field": "industry"}},
        {"name": "shared_language", "weight": 1},
        {"name": "timezone_distance", "weight": 1, "params": {"max_hours": 8}},
        {"name": "seniority_gap", "weight": 1,
         "params": {"field": "career_stage", "levels": ["student", "junior", "mid", "senior", "executive"],
                    "ideal": 2, "tolerance": 2}},
        {"name": "text_similarity", "key": "interests", "weight": 0.5},
        {"name": "overlap", "key": "availability", "weight": 1, "params": {"field": "availability"}},
        {"name": "mentee_preference", "weight": 2},
    ],
    "constraints": [{"name": "shared_language"}, {"name": "not_same_reporting_line"}],
    "request_expiry": "P14D",
    "suggestions": 3,
}


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with the matching settings above (coordinator-assigned mode).

    Given the shipped default, it starts from the plain lifecycle the matching tests were written against
    (see :func:`tests.lifecycle.plain`).
    """
    out = copy.deepcopy(plain(document))
    out["programme"].setdefault("settings", {})["matching"] = copy.deepcopy(MATCHING)
    return out


def with_matching(document: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """``extend(document)`` with some matching settings replaced (``mode="automatic"``, ...)."""
    out = extend(document)
    out["programme"]["settings"]["matching"].update(copy.deepcopy(overrides))
    return out


class Cohort:
    """A published matching programme with a coordinator, and helpers adding people with profiles."""

    def __init__(self, factory: Any, document: dict[str, Any] | None = None, key: str = "matching") -> None:
        from mentorflow.testing import default_workflow

        self.factory = factory
        self.engine = factory.engine
        self.key = factory.programme(key, document if document is not None else extend(default_workflow()))
        self.coordinator = factory.person("Coordinator", role="coordinator", programme=self.key)

    def person(self, role: str, name: str, **profile: Any) -> int:
        """A mentor or mentee with a profile (``languages`` defaults to English)."""
        from mentorflow.plugins.matching import api

        person = self.factory.person(name, role=role, programme=self.key)
        api.set_profile(self.engine, self.key, person, role, {"languages": ["en"], **profile}, self.coordinator)
        return person

    def mentor(self, name: str, **profile: Any) -> int:
        return self.person("mentor", name, **profile)

    def mentee(self, name: str, **profile: Any) -> int:
        return self.person("mentee", name, **profile)
