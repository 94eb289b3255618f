"""Capacity-aware assignment of mentees to mentors on a score matrix: optimal and greedy.

Both take ``total`` (mentees x mentors scores), ``allowed`` (the pairs the
constraints permit) and ``capacity`` (per mentor), and return pairs of
indices such that every pair is allowed, each mentee has at most one mentor
and each mentor at most ``capacity`` mentees.

``optimal`` maximises the total score. Mentors are expanded into one
unit per place of capacity, and the expanded problem is solved exactly
either densely with :func:`scipy.optimize.linear_sum_assignment` or, when
the constraints leave few pairs allowed, on the sparse graph of allowed
pairs with :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`.
Only when the dense matrix exceeds ``cell_budget`` and the allowed pairs
exceed ``edge_budget`` is the sparse graph restricted to each mentee's
``candidates`` best mentors plus the greedy solution's pairs: no longer
provably optimal, but never worse than greedy (``Assignment.exact`` says
which).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

CELL_BUDGET = 60_000_000
"""Largest expanded dense matrix (mentees x capacity units) solved densely: 480 MB of float64."""
SPARSE_SHARE = 0.25
"""Below this share of allowed pairs the sparse solver is used (when exact)."""
EDGE_BUDGET = 4_000_000
CANDIDATES = 50


@dataclass(frozen=True, slots=True)
class Assignment:
    """The chosen pairs ``(mentee index, mentor index)``, sorted, and how they were found."""

    pairs: list[tuple[int, int]]
    method: str
    exact: bool

    def total(self, scores: np.ndarray) -> float:
        """The sum of the chosen pairs' scores (exactly rounded)."""
        return math.fsum(float(scores[i, j]) for i, j in self.pairs)


def _prepare(total: np.ndarray, allowed: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if total.shape != allowed.shape or capacity.shape != (total.shape[1],):
        raise ValueError("total, allowed and capacity do not fit together")
    allowed = allowed & np.isfinite(total)
    # Nobody can use more capacity than they have allowed mentees.
    capacity = np.minimum(np.maximum(capacity.astype(np.int64), 0), allowed.sum(axis=0))
    return allowed, capacity


def greedy(total: np.ndarray, allowed: np.ndarray, capacity: np.ndarray) -> Assignment:
    """Best remaining allowed pair first until mentees or capacity run out (ties: lower indices first)."""
    allowed, capacity = _prepare(total, allowed, capacity)
    m, n = total.shape
    flat = np.flatnonzero(allowed.ravel())
    order = flat[np.argsort(-total.ravel()[flat], kind="stable")]
    free_mentee = np.ones(m, dtype=bool)
    left = capacity.copy()
    pairs: list[tuple[int, int]] = []
    remaining_mentees, remaining_slots = m, int(left.sum())
    chunk = 4096
    for start in range(0, len(order), chunk):
        if remaining_mentees == 0 or remaining_slots == 0:
            break
        part = order[start:start + chunk]
        rows, cols = np.divmod(part, n)
        # Drop, with numpy, the pairs already impossible; check the rest one by one (they may clash in the chunk).
        keep = free_mentee[rows] & (left[cols] > 0)
        for i, j in zip(rows[keep].tolist(), cols[keep].tolist(), strict=True):
            if free_mentee[i] and left[j] > 0:
                free_mentee[i] = False
                left[j] -= 1
                pairs.append((i, j))
                remaining_mentees -= 1
                remaining_slots -= 1
    return Assignment(sorted(pairs), "greedy", False)


def optimal(total: np.ndarray, allowed: np.ndarray, capacity: np.ndarray, *, method: str = "auto",
            cell_budget: int = CELL_BUDGET, edge_budget: int = EDGE_BUDGET, candidates: int = CANDIDATES
            ) -> Assignment:
    """The assignment with the largest total score (see the module docstring for how)."""
    allowed, capacity = _prepare(total, allowed, capacity)
    rows = np.flatnonzero(allowed[:, capacity > 0].any(axis=1))
    cols = np.flatnonzero(capacity > 0)
    if len(rows) == 0 or len(cols) == 0:
        return Assignment([], "empty", True)
    everyone = len(rows) == total.shape[0] and len(cols) == total.shape[1]
    sub_allowed = allowed if everyone else allowed[np.ix_(rows, cols)]
    sub_total = total if everyone else total[np.ix_(rows, cols)]
    # Allowed pairs score at least min_score >= 0; a forbidden pair is worth 0 and dropped afterwards, so the
    # optimum of the relaxed problem is an optimum of the constrained one.
    value = np.where(sub_allowed, np.maximum(sub_total, 0.0), 0.0)
    cap = capacity[cols]
    slots = int(cap.sum())
    allowed_count = int(sub_allowed.sum())
    if method == "auto":
        # Measured (bench/matching.py, 5,000 x 1,000): the sparse solver wins when the constraints leave few
        # pairs (5 % allowed: 0.6 s against 4 s), dense LSA from about a quarter of the pairs allowed on.
        sparse_exact = allowed_count * float(cap.mean()) <= edge_budget
        sparse_wins = sparse_exact and allowed_count < SPARSE_SHARE * sub_allowed.size
        method = "sparse" if sparse_wins or len(rows) * slots > cell_budget else "dense"
    if method == "dense":
        slot_mentor = np.repeat(np.arange(len(cols)), cap)
        r, c = linear_sum_assignment(value[:, slot_mentor], maximize=True)
        chosen = [(int(i), int(slot_mentor[s])) for i, s in zip(r, c, strict=True)]
        label, exact = "dense-lsa", True
    else:
        chosen, exact = _sparse(value, sub_allowed, cap, edge_budget, candidates)
        label = "sparse-lsa" if exact else f"sparse-lsa(top {candidates} + greedy)"
    pairs = [(i, j) for i, j in chosen if sub_allowed[i, j]]
    pairs = _fill(value, sub_allowed, cap, pairs)
    return Assignment(sorted((int(rows[i]), int(cols[j])) for i, j in pairs), label, exact)


def _sparse(value: np.ndarray, allowed: np.ndarray, cap: np.ndarray, edge_budget: int, candidates: int
            ) -> tuple[list[tuple[int, int]], bool]:
    m, n = value.shape
    exact = int(allowed.sum()) * float(cap.mean()) <= edge_budget
    if exact:
        ei, ej = np.nonzero(allowed)
    else:
        k = min(candidates, n)
        masked = np.where(allowed, value, -np.inf)
        top = np.argpartition(-masked, k - 1, axis=1)[:, :k]
        ti = np.repeat(np.arange(m), k)
        tj = top.ravel()
        keep = allowed[ti, tj]
        base = greedy(value, allowed, cap).pairs  # the greedy pairs keep the result at least as good as greedy
        gi = np.array([p[0] for p in base], dtype=np.int64)
        gj = np.array([p[1] for p in base], dtype=np.int64)
        codes = np.unique(np.concatenate([ti[keep] * n + tj[keep], gi * n + gj]))
        ei, ej = np.divmod(codes, n)
    # Rows: capacity units of mentors; columns: mentees, then one "stay empty" column per unit.
    first_slot = np.concatenate([[0], np.cumsum(cap)[:-1]])
    reps = cap[ej]
    slot = np.repeat(first_slot[ej], reps) + (np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps))
    mentee = np.repeat(ei, reps)
    slots = int(cap.sum())
    ceiling = float(value.max(initial=0.0)) + 1.0  # costs must be positive: 0 means "no edge"
    weights = np.concatenate([ceiling - value[mentee, np.repeat(ej, reps)], np.full(slots, ceiling)])
    row = np.concatenate([slot, np.arange(slots)])
    col = np.concatenate([mentee, m + np.arange(slots)])
    graph = sparse.csr_matrix((weights, (row, col)), shape=(slots, m + slots))
    r, c = min_weight_full_bipartite_matching(graph)
    slot_mentor = np.repeat(np.arange(n), cap)
    return [(int(ci), int(slot_mentor[ri])) for ri, ci in zip(r, c, strict=True) if ci < m], exact


def _fill(value: np.ndarray, allowed: np.ndarray, cap: np.ndarray, pairs: list[tuple[int, int]]
          ) -> list[tuple[int, int]]:
    """Give still-unmatched mentees any allowed mentor with capacity left (adds score, never removes it)."""
    free = np.ones(value.shape[0], dtype=bool)
    left = cap.copy()
    for i, j in pairs:
        free[i] = False
        left[j] -= 1
    if not free.any() or not (left > 0).any():
        return pairs
    rows, cols = np.flatnonzero(free), np.flatnonzero(left > 0)
    extra = greedy(value[np.ix_(rows, cols)], allowed[np.ix_(rows, cols)], left[cols])
    return pairs + [(int(rows[i]), int(cols[j])) for i, j in extra.pairs]
