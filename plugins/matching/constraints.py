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

from .features import SetIndex, as_set
from .scorers import field_names, fields_of, has_lists, overlap_values, same_codes, set_counts, sides_schema
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

    def mentor_index(table: Any) -> tuple[SetIndex, SetIndex, dict[str, int], np.ndarray]:
        lines = [_line(v) for v in table.values(name)]
        managers: dict[str, int] = {}
        codes = [managers.setdefault(line[1], len(managers)) if len(line) > 1 else -1 for line in lines]
        return (SetIndex([frozenset(line[:1]) for line in lines]), SetIndex([frozenset(line[1:]) for line in lines]),
                managers, np.asarray(codes, dtype=np.int64))

    selves, uppers, managers, manager_codes = ctx.mentor_feature(("reporting_line", name), mentor_index)
    columns = ctx.columns
    # The mentor is somewhere above the mentee, or the mentee above the mentor.
    above_mentee = selves.counts([frozenset(line[1:]) for line in mentee_lines], columns)[0]
    above_mentor = uppers.counts([frozenset(line[:1]) for line in mentee_lines], columns)[0]
    allowed = (above_mentee == 0) & (above_mentor == 0)
    if params.get("forbid_same_manager"):
        a = np.asarray([managers.get(line[1], -2) if len(line) > 1 else -1 for line in mentee_lines], dtype=np.int64)
        b = manager_codes if columns is None else manager_codes[columns]
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
    if has_lists(ctx, mentee, mentor):
        return overlap_values(ctx, mentee, mentor, "any") > 0
    return same_codes(ctx, mentee, mentor)


@constraint("different_value", params=sides_schema(), fields=fields_of())
def different_value(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """The two must differ in a field (a department, an employer); lists must share no item."""
    mentee, mentor = field_names(params)
    inter = set_counts(ctx, [as_set(v) for v in ctx.mentees.values(mentee)], mentor)[0]
    return inter == 0


@constraint("max_timezone_distance", params=sides_schema("utc_offset", {
    "max_hours": {"type": "number", "minimum": 0, "maximum": 12}}), fields=fields_of("utc_offset"))
def max_timezone_distance(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """At most ``max_hours`` (default 3) between the two time zones (``utc_offset``); unknown zones pass."""
    mentee, mentor = field_names(params, "utc_offset")
    a, b = ctx.mentees.numbers(mentee), ctx.mentor_numbers(mentor)
    distance = np.abs(a[:, None] - b[None, :]) % 24
    distance = np.minimum(distance, 24 - distance)
    return ~(distance > float(params.get("max_hours", 3)))  # NaN compares False: unknown passes


BUILT_IN: tuple[ConstraintSpec, ...] = (shared_language, not_same_reporting_line, same_value, different_value,
                                        max_timezone_distance)
