"""Scoring a pool: every (mentee, mentor) pair's criteria contributions, total and eligibility, in blocks.

Contributions are ``weight * value``; a pair's score is their sum, added
left to right in criteria order (the order the breakdown lists them), so
``sum(contributions) == score`` holds exactly in floating point.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from mentorflow.errors import PluginError

from .settings import MatchingSettings
from .specs import ConstraintSpec, ProfileTable, ScorerSpec, ScoringContext

Progress = Callable[[int, int], None]
"""``progress(done, total)`` in mentees scored."""

BLOCK_CELLS = 1_000_000
"""Pairs scored per block: bounds the scorers' temporary arrays and paces the progress bar."""


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
        return [{"key": c.key, "criterion": c.name, "weight": c.weight, "value": float(v[i, j]),
                 "contribution": float(p[i, j])} for c, v, p in zip(self.criteria, self.values, self.parts,
                                                                    strict=True)]

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


def score_pool(settings: MatchingSettings, scorers: Mapping[str, ScorerSpec],
               constraints: Mapping[str, ConstraintSpec], mentees: ProfileTable, mentors: ProfileTable, *,
               excluded: Collection[tuple[int, int]] = (), preferences: Mapping[int, Sequence[int]] | None = None,
               now: datetime | None = None, progress: Progress | None = None,
               apply_min_score: bool = True) -> ScoreMatrix:
    """Score every pair and decide which are allowed (constraints, exclusions, nobody with themself, min_score)."""
    m, n = len(mentees), len(mentors)
    criteria = settings.criteria
    parts = [np.zeros((m, n)) for _ in criteria]
    values = [np.zeros((m, n)) for _ in criteria]
    total = np.zeros((m, n))
    allowed = np.ones((m, n), dtype=bool)
    step = max(1, BLOCK_CELLS // max(n, 1))
    for start in range(0, m, step):
        block = slice(start, min(m, start + step))
        ctx = ScoringContext(mentees.take(block), mentors, settings.raw, preferences or {}, now)
        if n:
            running = np.zeros(ctx.shape)
            for k, criterion in enumerate(criteria):
                value = np.nan_to_num(_call(scorers[criterion.name], "scorer", ctx, criterion.params).astype(
                    np.float64), nan=0.0, posinf=0.0, neginf=0.0)
                values[k][block] = value
                parts[k][block] = criterion.weight * value
                running = running + parts[k][block]  # left to right, the order breakdowns are summed in
            total[block] = running
            for call in settings.constraints:
                allowed[block] &= _call(constraints[call.name], "constraint", ctx, call.params).astype(bool)
        if progress is not None:
            progress(block.stop, m)
    allowed &= mentees.ids[:, None] != mentors.ids[None, :]
    if excluded and m and n:
        rows, cols = _positions(excluded, mentees, mentors)
        allowed[rows, cols] = False
    if apply_min_score:
        allowed &= total >= settings.min_score
    return ScoreMatrix(mentees, mentors, criteria, parts, values, total, allowed)


def _positions(pairs: Collection[tuple[int, int]], mentees: ProfileTable, mentors: ProfileTable
               ) -> tuple[np.ndarray, np.ndarray]:
    row = {int(p): i for i, p in enumerate(mentees.ids)}
    col = {int(p): j for j, p in enumerate(mentors.ids)}
    hits = [(row[a], col[b]) for a, b in pairs if a in row and b in col]
    if not hits:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    array = np.asarray(hits, dtype=np.int64)
    return array[:, 0], array[:, 1]
