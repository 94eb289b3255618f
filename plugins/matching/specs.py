"""What scorers and constraints are, and what they are given: profiles of mentees and mentors as tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

ScoreFunction = Callable[["ScoringContext", Mapping[str, Any]], Any]
"""``(ctx, params) -> array (len(ctx.mentees), len(ctx.mentors))`` of numbers (scorer) or booleans (constraint)."""


@dataclass(frozen=True, slots=True)
class ProfileTable:
    """People of one side with their profiles, in a fixed order (row ``i`` is ``ids[i]``)."""

    ids: np.ndarray
    profiles: Sequence[Mapping[str, Any]]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of(cls, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> ProfileTable:
        """A table from ``(person_id, profile)`` pairs."""
        return cls(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)), [r[1] for r in rows])

    def values(self, name: str) -> list[Any]:
        """The field ``name`` of every profile (``None`` where missing)."""
        return [p.get(name) for p in self.profiles]

    def numbers(self, name: str) -> np.ndarray:
        """The field as floats; NaN where missing or not a number."""
        out = np.full(len(self.profiles), np.nan)
        for i, p in enumerate(self.profiles):
            v = p.get(name)
            if isinstance(v, int | float) and not isinstance(v, bool):
                out[i] = float(v)
        return out

    def take(self, index: slice | np.ndarray) -> ProfileTable:
        """The rows selected by ``index`` (a slice or an integer array)."""
        if isinstance(index, slice):
            return ProfileTable(self.ids[index], self.profiles[index])
        return ProfileTable(self.ids[index], [self.profiles[int(i)] for i in index])


@dataclass(frozen=True, slots=True)
class ScoringContext:
    """What a scorer or constraint sees: a block of mentees against the candidate mentors (all, or some columns)."""

    mentees: ProfileTable
    mentors: ProfileTable
    settings: Mapping[str, Any] = field(default_factory=dict)
    """The programme's ``settings.matching`` (defaults filled in)."""
    preferences: Mapping[int, Sequence[int]] = field(default_factory=dict)
    """Mentee id -> the mentor ids the mentee picked, most wanted first."""
    now: datetime | None = None
    all_mentors: ProfileTable | None = None
    """Every mentor of the run, when ``mentors`` is a selection of its ``columns`` (None: ``mentors`` is all)."""
    columns: np.ndarray | None = None
    cache: dict[Any, Any] | None = None
    """Shared by every block of one run: per-mentor features are computed once, not once per block."""

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.mentees), len(self.mentors)

    def mentor_feature(self, key: Any, compute: Callable[[ProfileTable], Any]) -> Any:
        """``compute(every mentor)``, once per run (cached under ``key``); callers select ``columns`` themselves."""
        table = self.all_mentors if self.all_mentors is not None else self.mentors
        if self.cache is None:
            return compute(table)
        if key not in self.cache:
            self.cache[key] = compute(table)
        return self.cache[key]

    def mentor_numbers(self, name: str) -> np.ndarray:
        """The mentors' field ``name`` as floats (NaN where missing), for the columns of this block."""
        values = self.mentor_feature(("numbers", name), lambda table: table.numbers(name))
        return values if self.columns is None else values[self.columns]


@dataclass(frozen=True)
class ScorerSpec:
    """A criterion: its name, its vectorised function and a JSON Schema for its params."""

    name: str
    function: ScoreFunction
    params_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "additionalProperties": False})
    description: str = ""
    fields: Callable[[Mapping[str, Any]], list[tuple[str, str]]] | None = None
    """Optional: the profile fields the params refer to, as ``(param name, field)``, so the
    workflow check can say when a field is not in the programme's profile schema."""
    plugin: str = ""


@dataclass(frozen=True)
class ConstraintSpec:
    """A hard constraint: like a scorer, but returns True where a pair is allowed."""

    name: str
    function: ScoreFunction
    params_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "additionalProperties": False})
    description: str = ""
    fields: Callable[[Mapping[str, Any]], list[tuple[str, str]]] | None = None
    plugin: str = ""


def scorer(name: str, *, params: Mapping[str, Any] | None = None, description: str = "",
           fields: Callable[[Mapping[str, Any]], list[tuple[str, str]]] | None = None,
           ) -> Callable[[ScoreFunction], ScorerSpec]:
    """Decorator turning ``function(ctx, params) -> ndarray`` into a :class:`ScorerSpec`."""

    def wrap(function: ScoreFunction) -> ScorerSpec:
        schema = dict(params) if params is not None else {"type": "object", "additionalProperties": False}
        return ScorerSpec(name, function, schema, description or (function.__doc__ or "").strip(), fields)

    return wrap


PairFunction = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], float]
"""``(mentee profile, mentor profile, params) -> value`` of one pair."""


def pair_scorer(name: str, *, params: Mapping[str, Any] | None = None, description: str = "",
                fields: Callable[[Mapping[str, Any]], list[tuple[str, str]]] | None = None,
                score_block: ScoreFunction | None = None) -> Callable[[PairFunction], ScorerSpec]:
    """Decorator turning a per-pair ``function(mentee, mentor, params) -> number`` into a :class:`ScorerSpec`.

    The simple interface for a plugin: one pair at a time, profiles as
    dicts. It is called for every pair of every block, so it is slow at
    scale; give ``score_block(ctx, params) -> ndarray`` (the vectorised
    fast path, same values) and that is used instead.
    """

    def wrap(function: PairFunction) -> ScorerSpec:
        def by_pair(ctx: ScoringContext, values: Mapping[str, Any]) -> np.ndarray:
            out = np.zeros(ctx.shape)
            for i, mentee in enumerate(ctx.mentees.profiles):
                for j, mentor in enumerate(ctx.mentors.profiles):
                    out[i, j] = float(function(mentee, mentor, values))
            return out

        schema = dict(params) if params is not None else {"type": "object", "additionalProperties": False}
        return ScorerSpec(name, score_block or by_pair, schema, description or (function.__doc__ or "").strip(),
                          fields)

    return wrap


def constraint(name: str, *, params: Mapping[str, Any] | None = None, description: str = "",
               fields: Callable[[Mapping[str, Any]], list[tuple[str, str]]] | None = None,
               ) -> Callable[[ScoreFunction], ConstraintSpec]:
    """Decorator turning ``function(ctx, params) -> bool ndarray`` into a :class:`ConstraintSpec`."""

    def wrap(function: ScoreFunction) -> ConstraintSpec:
        schema = dict(params) if params is not None else {"type": "object", "additionalProperties": False}
        return ConstraintSpec(name, function, schema, description or (function.__doc__ or "").strip(), fields)

    return wrap
