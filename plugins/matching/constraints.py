"""The built-in hard constraints. Each returns True where a (mentee, mentor) pair is allowed.

A programme lists them in ``settings.matching.constraints``. Besides these,
every run applies the fixed rules: nobody mentors themself, excluded pairs
(a coordinator's exclusions and every pair that has had a relationship in
the programme) are never proposed, and mentors with no capacity left are
not candidates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .features import as_set, codes, overlap_counts
from .scorers import field_names, fields_of, overlap_values, sides_schema
from .specs import ConstraintSpec, ScoringContext, constraint


@constraint("shared_language", params=sides_schema("languages"), fields=fields_of("languages"))
def shared_language(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """The two must share at least one language (``languages``); a missing list shares nothing."""
    mentee, mentor = field_names(params, "languages")
    return overlap_values(ctx, mentee, mentor, "any") > 0


@constraint("not_same_reporting_line", params={
    "type": "object", "additionalProperties": False,
    "properties": {
        "field": {"type": "string", "minLength": 1, "maxLength": 100,
                  "description": "A list field: the person's own id, then their manager's, and so on upwards."},
        "forbid_same_manager": {"type": "boolean", "default": False,
                                "description": "Also forbid two people with the same direct manager."},
    },
}, fields=fields_of("reporting_line"))
def not_same_reporting_line(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """Neither may report to the other, directly or further up (``reporting_line``: [self, manager, ...])."""
    name = params.get("field", "reporting_line")
    mentee_lines = [_line(v) for v in ctx.mentees.values(name)]
    mentor_lines = [_line(v) for v in ctx.mentors.values(name)]
    # The mentor is somewhere above the mentee, or the mentee above the mentor.
    above_mentee = overlap_counts([frozenset(line[1:]) for line in mentee_lines],
                                  [frozenset(line[:1]) for line in mentor_lines])[0]
    above_mentor = overlap_counts([frozenset(line[:1]) for line in mentee_lines],
                                  [frozenset(line[1:]) for line in mentor_lines])[0]
    allowed = (above_mentee == 0) & (above_mentor == 0)
    if params.get("forbid_same_manager"):
        a, b = codes([line[1] if len(line) > 1 else None for line in mentee_lines],
                     [line[1] if len(line) > 1 else None for line in mentor_lines])
        allowed &= ~((a[:, None] == b[None, :]) & (a[:, None] >= 0))
    return allowed


def _line(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v).strip().casefold() for v in value if isinstance(v, str | int) and not isinstance(v, bool)]


@constraint("same_value", params=sides_schema(), fields=fields_of())
def same_value(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """Both must have the same value (a location, a campus); lists must share an item. Missing never matches."""
    mentee, mentor = field_names(params)
    left, right = ctx.mentees.values(mentee), ctx.mentors.values(mentor)
    if any(isinstance(v, list) for v in left) or any(isinstance(v, list) for v in right):
        return overlap_values(ctx, mentee, mentor, "any") > 0
    a, b = codes(left, right)
    return (a[:, None] == b[None, :]) & (a[:, None] >= 0)


@constraint("different_value", params=sides_schema(), fields=fields_of())
def different_value(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """The two must differ in a field (a department, an employer); lists must share no item."""
    mentee, mentor = field_names(params)
    left = [as_set(v) for v in ctx.mentees.values(mentee)]
    right = [as_set(v) for v in ctx.mentors.values(mentor)]
    inter = overlap_counts(left, right)[0]
    return inter == 0


@constraint("max_timezone_distance", params=sides_schema("utc_offset", {
    "max_hours": {"type": "number", "minimum": 0, "maximum": 12}}), fields=fields_of("utc_offset"))
def max_timezone_distance(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """At most ``max_hours`` (default 3) between the two time zones (``utc_offset``); unknown zones pass."""
    mentee, mentor = field_names(params, "utc_offset")
    a, b = ctx.mentees.numbers(mentee), ctx.mentors.numbers(mentor)
    distance = np.abs(a[:, None] - b[None, :]) % 24
    distance = np.minimum(distance, 24 - distance)
    return ~(distance > float(params.get("max_hours", 3)))  # NaN compares False: unknown passes


BUILT_IN: tuple[ConstraintSpec, ...] = (shared_language, not_same_reporting_line, same_value, different_value,
                                        max_timezone_distance)
