"""The built-in criteria. Each returns values in 0..1 for every (mentee, mentor) pair of a block.

A programme weights them in ``settings.matching.criteria``; a criterion's
contribution to a pair's score is ``weight * value``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .features import SetIndex, as_set, normalise, safe_ratio, tokens
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


def pairwise(a: np.ndarray, b: np.ndarray, value: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """``value(a, b)`` (an outer function of two number vectors), computed once per distinct pair of values.

    Time zones, career stages and years take few distinct values: the
    function runs on the small table of those, and one lookup spreads it
    over the block (the same numbers, a fraction of the passes).
    """
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    if len(ua) * len(ub) * 4 > len(a) * len(b):
        return value(a, b)
    return value(ua, ub)[ia.reshape(-1)[:, None], ib.reshape(-1)[None, :]]


def mentor_sets(ctx: ScoringContext, mentor_field: str, reader: Any = as_set) -> SetIndex:
    """The mentors' sets of a field, indexed once per run."""
    return ctx.mentor_feature(("sets", mentor_field, reader),
                              lambda table: SetIndex([reader(v) for v in table.values(mentor_field)]))


def set_counts(ctx: ScoringContext, mentee_sets: list[frozenset[str]], mentor_field: str, reader: Any = as_set
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(shared items per pair, mentee set sizes, mentor set sizes)`` for the block."""
    return mentor_sets(ctx, mentor_field, reader).counts(mentee_sets, ctx.columns)


def mentor_codes(ctx: ScoringContext, mentor_field: str) -> tuple[dict[str, int], np.ndarray]:
    """A dictionary of the mentors' scalar values and their codes (-1: missing or a list), once per run."""

    def compute(table: Any) -> tuple[dict[str, int], np.ndarray]:
        dictionary: dict[str, int] = {}
        out = [-1 if v is None or isinstance(v, list | dict) else dictionary.setdefault(normalise(v), len(dictionary))
               for v in table.values(mentor_field)]
        return dictionary, np.asarray(out, dtype=np.int64)

    dictionary, values = ctx.mentor_feature(("codes", mentor_field), compute)
    return dictionary, values if ctx.columns is None else values[ctx.columns]


def same_codes(ctx: ScoringContext, mentee_field: str, mentor_field: str) -> np.ndarray:
    """True where the mentee's scalar value equals the mentor's (missing never equals)."""
    dictionary, right = mentor_codes(ctx, mentor_field)
    left = np.asarray([-1 if v is None or isinstance(v, list | dict) else dictionary.get(normalise(v), -2)
                       for v in ctx.mentees.values(mentee_field)], dtype=np.int64)
    return (left[:, None] == right[None, :]) & (left[:, None] >= 0)


def has_lists(ctx: ScoringContext, mentee_field: str, mentor_field: str) -> bool:
    """Whether either side holds a list in the field (then "same value" means "a shared item")."""
    mentors = ctx.mentor_feature(("lists", mentor_field),
                                 lambda table: any(isinstance(v, list) for v in table.values(mentor_field)))
    return mentors or any(isinstance(v, list) for v in ctx.mentees.values(mentee_field))


def overlap_values(ctx: ScoringContext, mentee_field: str, mentor_field: str, measure: str,
                   reader: Any = as_set) -> np.ndarray:
    """Set overlap of two fields for every pair: coverage of the mentee's set, Jaccard, or any shared item."""
    left = [reader(v) for v in ctx.mentees.values(mentee_field)]
    inter, left_size, right_size = set_counts(ctx, left, mentor_field, reader)
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
    if has_lists(ctx, mentee, mentor):
        return overlap_values(ctx, mentee, mentor, "any")
    return same_codes(ctx, mentee, mentor).astype(np.float64)


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
    limit = float(params.get("max_hours", 12))

    def value(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        distance = np.abs(a[:, None] - b[None, :]) % 24
        distance = np.minimum(distance, 24 - distance)  # -11 and +13 are two hours apart
        return np.nan_to_num(1 - np.minimum(distance, limit) / limit, nan=0.0)

    return pairwise(ctx.mentees.numbers(mentee), ctx.mentor_numbers(mentor), value)


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

        b = ctx.mentor_feature(("levels", mentor, tuple(levels)), lambda table: level_of(table.values(mentor)))
        a, b = level_of(ctx.mentees.values(mentee)), b if ctx.columns is None else b[ctx.columns]
        ideal, tolerance = float(params.get("ideal", 1)), float(params.get("tolerance", 2))
    else:
        a, b = ctx.mentees.numbers(mentee), ctx.mentor_numbers(mentor)
        ideal, tolerance = float(params.get("ideal", 5)), float(params.get("tolerance", 5))
    min_gap = float(params.get("min_gap", 0))

    def value(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        gap = b[None, :] - a[:, None]
        out = np.where(gap < min_gap, 0.0, np.clip(1 - np.abs(gap - ideal) / tolerance, 0, 1))
        return np.nan_to_num(out, nan=0.0)

    return pairwise(a, b, value)


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
