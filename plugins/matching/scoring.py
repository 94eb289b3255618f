"""Scoring a pool: every (mentee, mentor) pair's criteria contributions, total and eligibility, in blocks.

Contributions are ``weight * value``; a pair's score is their sum, added
left to right in criteria order (the order the breakdown lists them), so
``sum(contributions) == score`` holds exactly in floating point.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from mentorflow.errors import PluginError

from .scorers import BUILT_IN as BUILT_IN_SCORER_SPECS
from .settings import MatchingSettings
from .specs import ConstraintSpec, ProfileTable, ScorerSpec, ScoringContext

BUILT_IN_SCORERS = frozenset(id(spec) for spec in BUILT_IN_SCORER_SPECS)
"""The built-in scorers (by identity): they return fresh, finite arrays, so their checks and copies are skipped."""

Progress = Callable[[int, int], None]
"""``progress(done, total)`` in mentees scored."""

BLOCK_CELLS = 2_000_000
"""Pairs scored per block: bounds the scorers' temporary arrays (a few float64 arrays of 16 MB each) and paces the
progress bar. Larger blocks barely help: per-mentor features are cached, so a block's cost is its pairs."""


@dataclass
class ScoreMatrix:
    """Scores of every pair of a pool. Row ``i`` is ``mentees.ids[i]``, column ``j`` is ``mentors.ids[j]``."""

    mentees: ProfileTable
    mentors: ProfileTable
    criteria: Sequence[Any]
    """The :class:`~.settings.Criterion` objects, in breakdown order."""
    parts: list[np.ndarray]
    """Per criterion, the contribution (weight * value) of every pair."""
    values: list[np.ndarray]
    total: np.ndarray
    allowed: np.ndarray

    def breakdown(self, i: int, j: int) -> list[dict[str, Any]]:
        """Which criteria contributed how much to pair (i, j), in order; contributions add up to its score."""
        return _breakdown(self.criteria, self.values, self.parts, i, j)

    def score(self, i: int, j: int) -> float:
        return float(self.total[i, j])

    def index_of_mentee(self) -> dict[int, int]:
        return {int(p): i for i, p in enumerate(self.mentees.ids)}

    def index_of_mentor(self) -> dict[int, int]:
        return {int(p): j for j, p in enumerate(self.mentors.ids)}


def _call(spec: ScorerSpec | ConstraintSpec, kind: str, ctx: ScoringContext, params: Mapping[str, Any]) -> np.ndarray:
    try:
        result = np.asarray(spec.function(ctx, params))
    except Exception as error:
        raise PluginError(spec.plugin or spec.name, f"{kind} {spec.name}", error) from error
    if result.shape != ctx.shape:
        raise PluginError(spec.plugin or spec.name, f"{kind} {spec.name}", ValueError(
            f"returned an array of shape {result.shape}, expected {ctx.shape}"))
    return result


@dataclass
class Block:
    """Scores of a block of pairs: rows ``rows`` of the mentees against columns ``columns`` of the mentors."""

    rows: np.ndarray
    columns: np.ndarray | None
    """Mentor columns (None: every mentor)."""
    values: list[np.ndarray]
    parts: list[np.ndarray]
    total: np.ndarray
    allowed: np.ndarray


class PoolScorer:
    """Scores blocks of a pool on demand, so a run never holds a mentees x mentors matrix.

    Per-mentor features (indicator matrices, codes, numbers) are computed
    once and shared by every block through the scoring context's cache.
    """

    def __init__(self, settings: MatchingSettings, scorers: Mapping[str, ScorerSpec],
                 constraints: Mapping[str, ConstraintSpec], mentees: ProfileTable, mentors: ProfileTable, *,
                 excluded: Collection[tuple[int, int]] = (), preferences: Mapping[int, Sequence[int]] | None = None,
                 now: datetime | None = None, apply_min_score: bool = True, block_cells: int = BLOCK_CELLS) -> None:
        self.settings, self.scorers, self.constraints = settings, scorers, constraints
        self.mentees, self.mentors = mentees, mentors
        self.preferences, self.now, self.apply_min_score = preferences or {}, now, apply_min_score
        self.criteria = settings.criteria
        self.cache: dict[Any, Any] = {}
        self.rows_per_block = max(1, block_cells // max(len(mentors), 1))
        row = {int(p): i for i, p in enumerate(mentees.ids)}
        col = {int(p): j for j, p in enumerate(mentors.ids)}
        self.excluded: dict[int, list[int]] = {}
        for a, b in excluded:
            if a in row and b in col:
                self.excluded.setdefault(row[a], []).append(col[b])
        self.mentor_row = np.asarray([row.get(int(p), -1) for p in mentors.ids], dtype=np.int64)
        from .constraints import BUILT_IN as BUILT_IN_CONSTRAINTS
        from .scorers import BUILT_IN as BUILT_IN_SCORERS

        # Blocks may be scored in threads only when every function is ours: a plugin's may keep state.
        self.thread_safe = all(scorers[c.name] in BUILT_IN_SCORERS for c in self.criteria) and all(
            constraints[c.name] in BUILT_IN_CONSTRAINTS for c in settings.constraints)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.mentees), len(self.mentors)

    def block(self, rows: np.ndarray | slice, columns: np.ndarray | None = None, *, detail: bool = True) -> Block:
        """Score ``rows`` (indices or a slice of mentees) against ``columns`` (indices of mentors; None: all).

        ``detail=False`` keeps only totals and allowed (no per-criterion arrays): what the solver needs.
        """
        index = np.arange(len(self.mentees))[rows] if isinstance(rows, slice) else np.asarray(rows, dtype=np.int64)
        mentors = self.mentors if columns is None else self.mentors.take(columns)
        ctx = ScoringContext(self.mentees.take(index), mentors, self.settings.raw, self.preferences, self.now,
                             self.mentors if columns is not None else None, columns, self.cache)
        b, n = ctx.shape
        values, parts = [], []
        running = np.zeros((b, n))
        allowed = np.ones((b, n), dtype=bool)
        if b and n:
            for criterion in self.criteria:
                spec = self.scorers[criterion.name]
                ours = id(spec) in BUILT_IN_SCORERS
                value = np.asarray(_call(spec, "scorer", ctx, criterion.params), dtype=np.float64)
                # The built-in scorers return finite values by construction: one pass over the block saved each.
                if not ours and not np.isfinite(value).all():
                    value = np.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0)
                if detail:
                    part = criterion.weight * value
                    values.append(value)
                    parts.append(part)
                    running += part  # left to right, the order breakdowns are summed in
                elif criterion.weight == 1:
                    running += value  # the same sum (1 * value == value), one temporary array less
                else:  # a built-in's array is its own to overwrite; a plugin's might be kept by the plugin
                    running += np.multiply(value, criterion.weight, out=value if ours else None)
            for call in self.settings.constraints:
                allowed &= np.asarray(_call(self.constraints[call.name], "constraint", ctx, call.params), dtype=bool)
            # Nobody with themself: the mentor's own mentee row, if any, in this block.
            own = self.mentor_row if columns is None else self.mentor_row[columns]
            allowed &= own[None, :] != index[:, None]
            if self.excluded:
                where = {int(j): k for k, j in enumerate(columns)} if columns is not None else None
                for r, i in enumerate(index.tolist()):
                    for j in self.excluded.get(i, ()):
                        k = j if where is None else where.get(j)
                        if k is not None:
                            allowed[r, k] = False
            if self.apply_min_score:
                allowed &= running >= self.settings.min_score
        else:
            values = [np.zeros((b, n)) for _ in self.criteria]
            parts = [np.zeros((b, n)) for _ in self.criteria]
        return Block(index, columns, values, parts, running, allowed)

    def blocks(self, rows: np.ndarray | None = None) -> Iterator[Block]:
        """Every row of ``rows`` (default: all mentees) against every mentor, block by block."""
        rows = np.arange(len(self.mentees)) if rows is None else np.asarray(rows, dtype=np.int64)
        for start in range(0, len(rows), self.rows_per_block):
            yield self.block(rows[start:start + self.rows_per_block])

    def scores(self, rows: np.ndarray, columns: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(total, allowed)`` of ``rows`` against ``columns`` (None: every mentor): what the solver asks for."""
        block = self.block(rows, columns, detail=False)
        return block.total, block.allowed

    def pairs(self, pairs: Sequence[tuple[int, int]]) -> tuple[list[float], list[list[dict[str, Any]]]]:
        """Scores and breakdowns of the given pairs, scored as small blocks (rows against only their mentors)."""
        scores: list[float] = []
        breakdowns: list[list[dict[str, Any]]] = []
        step = 512  # a step x step block per chunk, of which the diagonal is used
        for start in range(0, len(pairs), step):
            chunk = pairs[start:start + step]
            rows = np.asarray([i for i, _ in chunk], dtype=np.int64)
            cols = np.asarray([j for _, j in chunk], dtype=np.int64)
            block = self.block(rows, cols)
            diagonal = np.arange(len(chunk))
            scores += block.total[diagonal, diagonal].tolist()
            for k in range(len(chunk)):
                breakdowns.append(_breakdown(self.criteria, block.values, block.parts, k, k))
        return scores, breakdowns


def _breakdown(criteria: Sequence[Any], values: Sequence[np.ndarray], parts: Sequence[np.ndarray], i: int, j: int
               ) -> list[dict[str, Any]]:
    return [{"key": c.key, "criterion": c.name, "weight": c.weight, "value": float(v[i, j]),
             "contribution": float(p[i, j])} for c, v, p in zip(criteria, values, parts, strict=True)]


def score_pool(settings: MatchingSettings, scorers: Mapping[str, ScorerSpec],
               constraints: Mapping[str, ConstraintSpec], mentees: ProfileTable, mentors: ProfileTable, *,
               excluded: Collection[tuple[int, int]] = (), preferences: Mapping[int, Sequence[int]] | None = None,
               now: datetime | None = None, progress: Progress | None = None,
               apply_min_score: bool = True) -> ScoreMatrix:
    """Score every pair into one matrix, and decide which are allowed (constraints, exclusions, nobody with
    themself, min_score). For small pools (a mentee's suggestions, one pair); runs use :class:`PoolScorer`."""
    m, n = len(mentees), len(mentors)
    source = PoolScorer(settings, scorers, constraints, mentees, mentors, excluded=excluded, preferences=preferences,
                        now=now, apply_min_score=apply_min_score)
    parts = [np.zeros((m, n)) for _ in settings.criteria]
    values = [np.zeros((m, n)) for _ in settings.criteria]
    total = np.zeros((m, n))
    allowed = np.ones((m, n), dtype=bool)
    for block in source.blocks():
        for k in range(len(settings.criteria)):
            values[k][block.rows] = block.values[k]
            parts[k][block.rows] = block.parts[k]
        total[block.rows] = block.total
        allowed[block.rows] = block.allowed
        if progress is not None:
            progress(int(block.rows[-1]) + 1, m)
    return ScoreMatrix(mentees, mentors, settings.criteria, parts, values, total, allowed)
