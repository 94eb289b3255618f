"""The built-in criteria. Each returns values in 0..1 for every (mentee, mentor) pair of a block.

A programme weights them in ``settings.matching.criteria``; a criterion's
contribution to a pair's score is ``weight * value``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .features import as_set, codes, overlap_counts, safe_ratio, tokens
from .specs import ScorerSpec, ScoringContext, scorer

FIELD = {"type": "string", "minLength": 1, "maxLength": 100, "description": "A property of the profile schema."}


def sides_schema(default: str | None = None, extra: Mapping[str, Any] | None = None,
                 mentee_default: str | None = None, mentor_default: str | None = None) -> dict[str, Any]:
    """Params naming one profile field for both sides (``field``) or one per side."""
    schema: dict[str, Any] = {
        "type": "object", "additionalProperties": False,
        "properties": {"field": FIELD, "mentee_field": FIELD, "mentor_field": FIELD, **(extra or {})},
    }
    if default is None and mentee_default is None:
        # Nothing to fall back on: the programme must say which field(s).
        schema["anyOf"] = [{"required": ["field"]}, {"required": ["mentee_field", "mentor_field"]}]
    return schema


def field_names(params: Mapping[str, Any], default: str | None = None, mentee_default: str | None = None,
                mentor_default: str | None = None) -> tuple[str, str]:
    """``(mentee field, mentor field)`` from params, falling back to the defaults."""
    both = params.get("field")
    mentee = params.get("mentee_field") or both or mentee_default or default
    mentor = params.get("mentor_field") or both or mentor_default or default
    return str(mentee), str(mentor)


def fields_of(default: str | None = None, mentee_default: str | None = None, mentor_default: str | None = None
              ) -> Callable[[Mapping[str, Any]], list[tuple[str, str]]]:
    """The ``fields`` callback of a spec: ``(param that names it or "", field)`` for each side."""

    def fields(params: Mapping[str, Any]) -> list[tuple[str, str]]:
        mentee, mentor = field_names(params, default, mentee_default, mentor_default)
        out = []
        for side, value in (("mentee_field", mentee), ("mentor_field", mentor)):
            out.append((side if side in params else "field" if "field" in params else "", value))
        return out

    return fields


def overlap_values(ctx: ScoringContext, mentee_field: str, mentor_field: str, measure: str,
                   reader: Any = as_set) -> np.ndarray:
    """Set overlap of two fields for every pair: coverage of the mentee's set, Jaccard, or any shared item."""
    left = [reader(v) for v in ctx.mentees.values(mentee_field)]
    right = [reader(v) for v in ctx.mentors.values(mentor_field)]
    inter, left_size, right_size = overlap_counts(left, right)
    if measure == "any":
        return (inter > 0).astype(np.float64)
    if measure == "coverage":
        return safe_ratio(inter, left_size[:, None])
    return safe_ratio(inter, left_size[:, None] + right_size[None, :] - inter)


MEASURE = {"enum": ["coverage", "jaccard", "any"],
           "description": "coverage: share of the mentee's items the mentor has; jaccard: shared / all; "
                          "any: 1 when at least one item is shared."}


@scorer("overlap", params=sides_schema(extra={"measure": MEASURE}), fields=fields_of())
def overlap(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """Overlap of two list fields (skills, availability slots, interests as tags)."""
    mentee, mentor = field_names(params)
    return overlap_values(ctx, mentee, mentor, params.get("measure", "jaccard"))


@scorer("skills_overlap", params=sides_schema(None, {"measure": MEASURE}, "skills_sought", "skills_offered"),
        fields=fields_of(None, "skills_sought", "skills_offered"))
def skills_overlap(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """Share of the skills the mentee seeks that the mentor offers (``skills_sought`` / ``skills_offered``)."""
    mentee, mentor = field_names(params, None, "skills_sought", "skills_offered")
    return overlap_values(ctx, mentee, mentor, params.get("measure", "coverage"))


@scorer("same_value", params=sides_schema(), fields=fields_of())
def same_value(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """1 when both have the same value (field of study, industry, location); lists: any shared item."""
    mentee, mentor = field_names(params)
    left, right = ctx.mentees.values(mentee), ctx.mentors.values(mentor)
    if any(isinstance(v, list) for v in left) or any(isinstance(v, list) for v in right):
        return overlap_values(ctx, mentee, mentor, "any")
    a, b = codes(left, right)
    return ((a[:, None] == b[None, :]) & (a[:, None] >= 0)).astype(np.float64)


@scorer("shared_language", params=sides_schema("languages"), fields=fields_of("languages"))
def shared_language(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """1 when the two share at least one language (``languages``)."""
    mentee, mentor = field_names(params, "languages")
    return overlap_values(ctx, mentee, mentor, "any")


@scorer("timezone_distance", params=sides_schema("utc_offset", {
    "max_hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 12, "default": 12,
                  "description": "Distance (hours) at which the value reaches 0."}}), fields=fields_of("utc_offset"))
def timezone_distance(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """1 for the same time zone, falling linearly to 0 at ``max_hours`` apart (``utc_offset`` in hours)."""
    mentee, mentor = field_names(params, "utc_offset")
    a, b = ctx.mentees.numbers(mentee), ctx.mentors.numbers(mentor)
    limit = float(params.get("max_hours", 12))
    distance = np.abs(a[:, None] - b[None, :]) % 24
    distance = np.minimum(distance, 24 - distance)  # -11 and +13 are two hours apart
    value = 1 - np.minimum(distance, limit) / limit
    return np.nan_to_num(value, nan=0.0)


@scorer("seniority_gap", params=sides_schema("years_experience", {
    "levels": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True,
               "description": "Ordered values of a text field (career stages), most junior first."},
    "ideal": {"type": "number", "minimum": 0, "description": "The gap (mentor minus mentee) worth 1."},
    "tolerance": {"type": "number", "exclusiveMinimum": 0, "description": "How far from ideal the value reaches 0."},
    "min_gap": {"type": "number", "description": "Below this gap the value is 0 (default 0: the mentor is not "
                                                 "junior to the mentee)."},
}), fields=fields_of("years_experience"))
def seniority_gap(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """How close the mentor's seniority lead is to the ideal gap (years, or steps of ordered ``levels``)."""
    mentee, mentor = field_names(params, "years_experience")
    levels = params.get("levels")
    if levels:
        rank = {str(level).casefold(): float(i) for i, level in enumerate(levels)}

        def level_of(values: list[Any]) -> np.ndarray:
            return np.array([rank.get(v.casefold(), np.nan) if isinstance(v, str) else np.nan for v in values])

        a, b = level_of(ctx.mentees.values(mentee)), level_of(ctx.mentors.values(mentor))
        ideal, tolerance = float(params.get("ideal", 1)), float(params.get("tolerance", 2))
    else:
        a, b = ctx.mentees.numbers(mentee), ctx.mentors.numbers(mentor)
        ideal, tolerance = float(params.get("ideal", 5)), float(params.get("tolerance", 5))
    gap = b[None, :] - a[:, None]
    value = np.clip(1 - np.abs(gap - ideal) / tolerance, 0, 1)
    value = np.where(gap < float(params.get("min_gap", 0)), 0.0, value)
    return np.nan_to_num(value, nan=0.0)


@scorer("text_similarity", params=sides_schema("interests"), fields=fields_of("interests"))
def text_similarity(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """Shared words of two free texts (``interests``), as a Jaccard index of their word sets."""
    mentee, mentor = field_names(params, "interests")
    return overlap_values(ctx, mentee, mentor, "jaccard", reader=tokens)


@scorer("mentee_preference", params={"type": "object", "additionalProperties": False, "properties": {}})
def mentee_preference(ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    """The mentee's own picks among their suggestions: 1 for the first pick, less for later ones, 0 otherwise."""
    out = np.zeros(ctx.shape)
    if not ctx.preferences:
        return out
    column = {int(m): j for j, m in enumerate(ctx.mentors.ids)}
    for i, mentee in enumerate(ctx.mentees.ids):
        picks = ctx.preferences.get(int(mentee)) or ()
        for rank, mentor in enumerate(picks):
            j = column.get(int(mentor))
            if j is not None:
                out[i, j] = 1 - rank / len(picks)
    return out


BUILT_IN: tuple[ScorerSpec, ...] = (overlap, skills_overlap, same_value, shared_language, timezone_distance,
                                    seniority_gap, text_similarity, mentee_preference)
