"""Capacity-aware assignment of mentees to mentors, optimal and greedy, in bounded memory.

The objective is lexicographic and the same for both algorithms: first the
largest total score, then, among assignments with that total, the most
mentees matched. A pair whose score is negative is never chosen (dropping
it raises the total, which comes first); a pair scoring 0 is chosen when
capacity allows (it matches one more mentee at no cost to the total).

Scores are never held as a mentees x mentors matrix. A *source* gives the
scores of a block of mentees against every mentor (``source.scores(rows) ->
(total, allowed)``, :class:`~.scoring.PoolScorer` in a run, :class:`Dense`
for a matrix at hand). ``optimal`` then works in three phases:

1. **scoring**: block by block, keep each mentee's ``candidates`` best
   allowed mentors (and each mentor's best mentees, so a mentor nobody ranks
   high still has candidates), plus, per mentee, the best score it has
   outside its candidates: a bound for the pricing;
2. **solving**: a min-cost flow on the candidate graph with OR-tools'
   ``SimpleMinCostFlow``: every mentee supplies one unit, through one of
   its candidate arcs (capacity 1) to a mentor (capacity: the mentor's
   places) to the sink, or straight to the sink (left unmatched). Scores are
   made integers, ``q = round(score * scale)``, and an arc costs
   ``-(q * W + 1)`` with ``W`` larger than the number of mentees, so no
   change in the number matched can outweigh one unit of score: the minimum
   cost is exactly the lexicographic optimum;
3. **pricing**: node potentials (shortest distances in the optimal flow's
   residual graph, vectorised Bellman-Ford) price every allowed pair left
   out of the graph: reduced cost ``cost(u, v) + pi(u) - pi(v)``. A mentee
   whose bound already proves every left-out pair non-negative needs no
   rescoring; the others are scored again and priced pair by pair. Every
   negative pair joins the graph and the flow is solved again, until none
   is left: then the potentials are a dual solution for *every* allowed
   pair, which proves the assignment optimal (the :class:`Certificate`).

The optimum is exact for the scores rounded to ``1 / scale`` (``scale`` is
``10**6`` unless the scores are so large that int64 costs would overflow; the
result says which). Two totals closer than that are treated as equal, and
the float total of the result is within ``matched / (2 * scale)`` of the
float optimum.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

CANDIDATES = 12
"""Best allowed mentors kept per mentee in the scoring phase (pricing adds what they miss)."""
MENTOR_CANDIDATES = 64
"""Best mentees kept per mentor, besides the mentees' own candidates (at least the mentor's capacity is kept).
Deep enough that the first round's potentials usually clear the unmatched mentees by their bounds: with 4 (at
most 16) the pricing scored 1.3-1.6 passes of mentees again; with 32 (at most 64) a third of a pass at 50,000 x
10,000; with 64 (at most 128) none there, one flow round, for a graph of about 20 pairs per mentee
(docs/benchmarks.md)."""
MAX_MENTOR_CANDIDATES = 128
GREEDY_MENTOR_CANDIDATES = (4, 16)
"""The greedy's per-mentor candidates (least, most): it has no pricing to save, so it keeps its fewer."""
SCALE = 10**6
"""Score units per point: scores are rounded to 1e-6 before the flow (see the module docstring)."""
RESERVE = 100
"""Best usable pairs remembered per mentee (the first ``CANDIDATES`` start the graph): priced exactly without
scoring again, and the next one down is a tight bound on the rest of the row."""
ADD_PER_ROW = 32
"""At most this many violating pairs per mentee join the graph per pricing round (the most violating first)."""
DEEP_RESERVE = 128
"""A mentee rescored in the pricing keeps this many more of its best pairs outside the graph in the reserve, so
the next rounds price it from the reserve and a tight bound instead of scoring it again."""
COLUMN_SHARE = 0.2
"""Mentors with places left are priced column-wise when they are at most this share of the mentors."""

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``; phases: ``scoring`` and ``pricing`` (mentees), ``solving`` (rounds)."""


def _threads() -> int:
    try:
        return max(1, int(os.environ.get("MENTORFLOW_MATCHING_THREADS", "")))
    except ValueError:
        return min(4, os.cpu_count() or 1)


THREADS = _threads()
"""Blocks scored at the same time, in threads (numpy and scipy's sparse products release the GIL): the CPU count,
at most 4, or ``MENTORFLOW_MATCHING_THREADS``. Only for sources that say they are thread-safe."""


class Cancelled(Exception):
    """The run was cancelled (its cancel flag was set); nothing was assigned."""


class Source(Protocol):
    """Scores of blocks of mentees against every mentor."""

    rows_per_block: int

    @property
    def shape(self) -> tuple[int, int]: ...

    def scores(self, rows: np.ndarray, columns: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(total, allowed)``, each ``len(rows) x len(columns)`` (default: every mentor)."""
        ...


def _scored(source: Source, chunks: Sequence[np.ndarray], columns: np.ndarray | None = None
            ) -> Iterator[tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]]:
    """``(rows, source.scores(rows, columns))`` for each chunk, in order.

    With :data:`THREADS` > 1 and a source marked ``thread_safe``, the next
    few blocks are scored in threads while the caller works on the current
    one; at most ``THREADS`` blocks are in flight, so memory stays bounded.
    The first block is scored alone: it fills the per-mentor caches the
    others share. Results and their order are the same either way.
    """
    if THREADS <= 1 or len(chunks) <= 2 or not getattr(source, "thread_safe", False):
        for rows in chunks:
            yield rows, source.scores(rows, columns)
        return
    yield chunks[0], source.scores(chunks[0], columns)
    with ThreadPoolExecutor(THREADS, thread_name_prefix="matching-scores") as pool:
        pending: deque[tuple[np.ndarray, Future[tuple[np.ndarray, np.ndarray]]]] = deque()
        following = iter(chunks[1:])
        try:
            for rows in following:
                pending.append((rows, pool.submit(source.scores, rows, columns)))
                if len(pending) >= THREADS:
                    break
            while pending:
                rows, future = pending.popleft()
                after = next(following, None)
                if after is not None:
                    pending.append((after, pool.submit(source.scores, after, columns)))
                yield rows, future.result()
        finally:  # cancelled or failed: drop what has not started
            for _, future in pending:
                future.cancel()


def _chunks(rows: np.ndarray, step: int) -> list[np.ndarray]:
    return [rows[start:start + step] for start in range(0, len(rows), step)]


class Dense:
    """A :class:`Source` over matrices at hand (tests, the benchmark's comparisons, small pools)."""

    thread_safe = True

    def __init__(self, total: np.ndarray, allowed: np.ndarray, rows_per_block: int = 0) -> None:
        if total.shape != allowed.shape:
            raise ValueError("total and allowed do not fit together")
        self.total, self.allowed = total, allowed
        self.rows_per_block = rows_per_block or max(1, 2_000_000 // max(total.shape[1], 1))

    @property
    def shape(self) -> tuple[int, int]:
        rows, columns = self.total.shape
        return rows, columns

    def scores(self, rows: np.ndarray, columns: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if columns is None:
            return self.total[rows], self.allowed[rows]
        return self.total[np.ix_(rows, columns)], self.allowed[np.ix_(rows, columns)]


@dataclass(frozen=True)
class Certificate:
    """The proof that an optimal assignment is optimal over every allowed pair, not only the candidates."""

    rounds: int
    """Min-cost flow solves (1 + the pricing rounds that found violations)."""
    max_violation: int
    """The most negative reduced cost of any allowed pair after the last solve, as a positive number: 0."""
    candidate_pairs: int
    """Pairs in the final graph."""
    bounded_rows: int
    """Mentee-rounds certified by their bound without rescoring."""
    priced_rows: int
    """Mentee-rounds rescored and priced pair by pair."""
    scale: int

    def as_dict(self) -> dict[str, int]:
        return {"rounds": self.rounds, "max_violation": self.max_violation, "candidate_pairs": self.candidate_pairs,
                "bounded_rows": self.bounded_rows, "priced_rows": self.priced_rows, "scale": self.scale}


@dataclass(frozen=True)
class Assignment:
    """The chosen pairs ``(mentee index, mentor index)``, sorted, and how they were found."""

    pairs: list[tuple[int, int]]
    method: str
    exact: bool
    """Proven optimal (``certificate`` holds the proof); greedy is not."""
    certificate: Certificate | None = None
    scores: list[float] = field(default_factory=list)
    """The chosen pairs' scores, in the order of ``pairs``."""

    def total(self, scores: np.ndarray | None = None) -> float:
        """The sum of the chosen pairs' scores (exactly rounded)."""
        if scores is not None:
            return math.fsum(float(scores[i, j]) for i, j in self.pairs)
        return math.fsum(self.scores)


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled()


@dataclass
class _Pairs:
    """Pairs (sorted by mentee, then mentor) with their float scores."""

    rows: np.ndarray
    cols: np.ndarray
    score: np.ndarray

    @classmethod
    def empty(cls) -> _Pairs:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))

    @classmethod
    def of(cls, rows: np.ndarray, cols: np.ndarray, score: np.ndarray) -> _Pairs:
        """Sorted, a pair given twice kept once (its first occurrence)."""
        rows, cols = rows.astype(np.int64, copy=False), cols.astype(np.int64, copy=False)
        if not len(rows):
            return cls(rows, cols, score)
        # One int64 key and a stable sort (timsort): much faster than a two-key lexsort, and linear when the
        # input is already made of sorted runs, as when two sorted sets of pairs are merged (``add``).
        codes = rows * (int(cols.max()) + 1) + cols
        order = np.argsort(codes, kind="stable")
        codes = codes[order]
        keep = np.ones(len(codes), dtype=bool)
        keep[1:] = codes[1:] != codes[:-1]
        order = order[keep]
        return cls(rows[order], cols[order], score[order])

    def add(self, other: _Pairs) -> _Pairs:
        return _Pairs.of(np.concatenate([self.rows, other.rows]), np.concatenate([self.cols, other.cols]),
                         np.concatenate([self.score, other.score]))

    def take(self, keep: np.ndarray) -> _Pairs:
        return _Pairs(self.rows[keep], self.cols[keep], self.score[keep])

    def codes(self, n: int) -> np.ndarray:
        return self.rows * n + self.cols


@dataclass
class _Candidates:
    """What the scoring phase keeps: the graph, a reserve of further good pairs, and bounds on all the rest."""

    graph: _Pairs
    """The pairs the flow is solved on."""
    reserve: _Pairs
    """Each mentee's best pairs (more than the graph starts with): priced without rescoring."""
    rest: np.ndarray
    """Per mentee: an upper bound on every usable pair outside graph and reserve (-inf: none)."""
    col_rest: np.ndarray
    """Per mentor: an upper bound on every usable pair outside the graph's per-mentor best (-inf: none)."""


def _usable(total: np.ndarray, allowed: np.ndarray, open_mentor: np.ndarray) -> np.ndarray:
    # Negative pairs only lower the total; mentors without places take nobody.
    return allowed & np.isfinite(total) & (total >= 0) & open_mentor[None, :]


def _top_rows(masked: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the columns of the ``k`` largest values, and the (k+1)-th largest (a bound on the others)."""
    b, n = masked.shape
    if n <= k:
        return np.broadcast_to(np.arange(n), (b, n)), np.full(b, -np.inf)
    part = np.argpartition(-masked, k, axis=1)
    return part[:, :k], masked[np.arange(b), part[:, k]]


def _scan(source: Source, cap: np.ndarray, k: int, reserve: int, progress: Progress | None,
          cancelled: Callable[[], bool] | None, rows: np.ndarray | None = None,
          mentor_candidates: tuple[int, int] | None = None) -> _Candidates:
    """Phase 1: per mentee its best ``reserve`` usable pairs (``k`` of them start the graph), per mentor its best
    few mentees (they join the graph), and bounds on everything else."""
    m, n = source.shape
    rows = np.arange(m) if rows is None else rows
    open_mentor = cap > 0
    reserve = max(k, reserve)
    least, most = mentor_candidates or (MENTOR_CANDIDATES, MAX_MENTOR_CANDIDATES)
    per_mentor = np.clip(np.maximum(cap, least), 0, most)
    depth = max(int(per_mentor.max(initial=0)), reserve if rows is None else 0)
    top_m = depth + 1  # one more than kept: the column's bound
    col_score = np.full((top_m, n), -np.inf)
    col_row = np.full((top_m, n), -1, dtype=np.int64)
    col_min = np.full(n, -np.inf)  # per mentor the least of its kept best: only a pair above it can join them
    out_r, out_c, out_s = [], [], []
    rest = np.full(m, -np.inf)
    done = 0
    for index, (total, allowed) in _scored(source, _chunks(rows, source.rows_per_block)):
        _check(cancelled)
        masked = np.where(_usable(total, allowed, open_mentor), total, -np.inf)
        top, rest[index] = _top_rows(masked, reserve)
        s = np.take_along_axis(masked, top, axis=1)
        finite = np.isfinite(s)
        out_r.append(np.broadcast_to(index[:, None], s.shape)[finite])
        out_c.append(top[finite])
        out_s.append(s[finite])
        if n:
            # Merge this block's best mentees per mentor into the running best: a pair not above the column's
            # least kept one cannot join (and stays under the column's bound). Once a few blocks are in, that
            # is a small share of the block, merged sparsely instead of sorting whole columns again.
            r, c = np.nonzero(masked > col_min[None, :])
            if len(r) * 8 > masked.size:
                if len(index) > top_m:
                    part = np.argpartition(-masked, top_m - 1, axis=0)[:top_m]
                else:
                    part = np.broadcast_to(np.arange(len(index))[:, None], (len(index), n))
                both_s = np.concatenate([col_score, np.take_along_axis(masked, part, axis=0)])
                both_r = np.concatenate([col_row, index[part]])
                best = np.argpartition(-both_s, top_m - 1, axis=0)[:top_m]
                col_score = np.take_along_axis(both_s, best, axis=0)
                col_row = np.take_along_axis(both_r, best, axis=0)
                col_min = col_score.min(axis=0)
            elif len(r):
                _merge_columns(col_score, col_row, col_min, c, masked[r, c], index[r])
        done += len(index)
        if progress is not None:
            progress("scoring", done, len(rows))
    pool = _Pairs.of(np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_s)) if out_r else \
        _Pairs.empty()
    # The graph starts with each mentee's best k of its reserve ...
    rank = np.arange(len(pool.rows)) - np.searchsorted(pool.rows, pool.rows)
    order = np.lexsort((pool.cols, -pool.score, pool.rows))
    first = np.zeros(len(pool.rows), dtype=bool)
    first[order[rank < k]] = True
    graph = pool.take(first)
    col_rest = np.full(n, -np.inf)
    if n:
        # ... and each mentor's best mentees; the next one down bounds the rest of the column.
        order = np.argsort(-col_score, axis=0, kind="stable")
        chosen_s = np.take_along_axis(col_score, order, axis=0)
        chosen_r = np.take_along_axis(col_row, order, axis=0)
        level = np.arange(top_m)[:, None]
        grid = np.broadcast_to(np.arange(n), (top_m, n))
        keep = (level < per_mentor[None, :]) & np.isfinite(chosen_s)
        graph = graph.add(_Pairs.of(chosen_r[keep], grid[keep], chosen_s[keep]))
        # The columns' reserve joins the rows' (priced exactly); the next mentee down bounds the column.
        keep = (level < depth) & np.isfinite(chosen_s)
        pool = pool.add(_Pairs.of(chosen_r[keep], grid[keep], chosen_s[keep]))
        col_rest = chosen_s[depth]
    return _Candidates(graph, pool, rest, col_rest)


def _merge_columns(col_score: np.ndarray, col_row: np.ndarray, col_min: np.ndarray, cols: np.ndarray,
                   score: np.ndarray, rows: np.ndarray) -> None:
    """Merge a few new pairs into the per-mentor best (in place): per touched column, its best ``top_m`` of the
    kept ones and the new ones."""
    top_m = col_score.shape[0]
    touched = np.unique(cols)
    h = len(touched)
    at = np.concatenate([np.repeat(np.arange(h), top_m), np.searchsorted(touched, cols)])
    all_s = np.concatenate([col_score[:, touched].T.ravel(), score])
    all_r = np.concatenate([col_row[:, touched].T.ravel(), rows])
    order = np.lexsort((-all_s, at))
    rank = np.arange(len(order)) - np.searchsorted(at[order], at[order])
    keep = order[rank < top_m]  # every touched column had top_m entries: it keeps top_m, best first
    col_score[:, touched] = all_s[keep].reshape(h, top_m).T
    col_row[:, touched] = all_r[keep].reshape(h, top_m).T
    col_min[touched] = col_score[top_m - 1, touched]


def _scale(max_score: float, mentees: int, nodes: int) -> tuple[int, int]:
    """``(scale, W)``: score units per point and the weight of one unit against one more mentee matched."""
    weight = mentees + 2
    # OR-tools scales costs by about the number of nodes internally; keep a margin of 16 below int64.
    limit = (2**62) / (16 * weight * (nodes + 1))
    scale = SCALE
    while scale > 1 and max(max_score, 1.0) * scale > limit:
        scale //= 10
    if max(max_score, 1.0) * scale > limit:
        raise ValueError(f"scores up to {max_score:g} are too large to optimise exactly")
    return scale, weight


@dataclass
class _Flow:
    pairs_used: np.ndarray
    """Per candidate arc: used."""
    potential: np.ndarray
    """Per node (mentees, mentors, sink): shortest distance in the residual graph."""


def _solve(cand: _Pairs, q: np.ndarray, cap: np.ndarray, m: int, n: int, weight: int) -> _Flow:
    from ortools.graph.python import min_cost_flow

    sink = m + n
    e = len(cand.rows)
    tails = np.concatenate([cand.rows, m + np.arange(n), np.arange(m)]).astype(np.int64)
    heads = np.concatenate([m + cand.cols, np.full(n, sink), np.full(m, sink)]).astype(np.int64)
    caps = np.concatenate([np.ones(e), cap, np.ones(m)]).astype(np.int64)
    costs = np.concatenate([-(q * weight + 1), np.zeros(n + m)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(m + n + 1, dtype=np.int64)
    supplies[:m] = 1
    supplies[sink] = -m
    flow.set_nodes_supplies(np.arange(m + n + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"OR-tools min-cost flow returned {status}")  # cannot happen: the bypass is feasible
    used = np.asarray(flow.flows(arcs), dtype=np.int64)
    return _Flow(used[:e] > 0, _potentials(tails, heads, caps, costs, used, m + n + 1))


def _potentials(tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, costs: np.ndarray, used: np.ndarray,
                nodes: int) -> np.ndarray:
    """Shortest distances from a virtual root (0 to every node) in the residual graph: vectorised Bellman-Ford.

    An optimal flow's residual graph has no negative cycle, so this ends
    within ``nodes`` rounds (in practice a few dozen); then every residual
    arc has ``cost + d(tail) - d(head) >= 0``.
    """
    forward, backward = used < caps, used > 0
    rt = np.concatenate([tails[forward], heads[backward]])
    rh = np.concatenate([heads[forward], tails[backward]])
    rc = np.concatenate([costs[forward], -costs[backward]])
    distance = np.zeros(nodes, dtype=np.int64)
    for _ in range(nodes + 1):
        relaxed = distance.copy()
        np.minimum.at(relaxed, rh, distance[rt] + rc)
        if np.array_equal(relaxed, distance):
            return distance
        distance = relaxed
    raise RuntimeError("the min-cost flow is not optimal: its residual graph has a negative cycle")


def optimal(total: np.ndarray, allowed: np.ndarray, capacity: np.ndarray, *, candidates: int = CANDIDATES,
            progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> Assignment:
    """The lexicographically best assignment (total, then number matched) of a score matrix at hand."""
    return solve(Dense(total, allowed), capacity, candidates=candidates, progress=progress, cancelled=cancelled)


def solve(source: Source, capacity: np.ndarray, *, candidates: int = CANDIDATES, reserve: int = RESERVE,
          progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> Assignment:
    """The lexicographically best assignment over every allowed pair of ``source``, with its certificate."""
    m, n = source.shape
    cap = np.maximum(np.asarray(capacity, dtype=np.int64), 0)
    if cap.shape != (n,):
        raise ValueError("capacity does not fit the mentors")
    k = max(1, min(candidates, n))
    cand = _scan(source, cap, k, reserve, progress, cancelled)
    if m == 0 or n == 0 or not (cap > 0).any():
        return Assignment([], "min-cost-flow", True, Certificate(0, 0, 0, m, 0, SCALE))
    finite = [x[np.isfinite(x)] for x in (cand.rest, cand.col_rest)]
    max_score = float(max([cand.reserve.score.max(initial=0.0), cand.graph.score.max(initial=0.0)]
                          + [x.max(initial=0.0) for x in finite]))
    scale, weight = _scale(max_score, m, m + n + 1)
    cap_used = np.minimum(cap, m)
    rounds = bounded = priced = 0
    while True:
        _check(cancelled)
        rounds += 1
        if progress is not None:
            progress("solving", rounds - 1, rounds)
        graph = cand.graph
        flow = _solve(graph, np.rint(graph.score * scale).astype(np.int64), cap_used, m, n, weight)
        if progress is not None:
            progress("solving", rounds, rounds)
        _check(cancelled)
        d = flow.potential
        # The reserve first: exact reduced costs, no scoring needed.
        outside = ~_member(cand.reserve.codes(n), graph.codes(n))
        spare = cand.reserve.take(outside)
        reduced = (d[spare.rows] - d[m + spare.cols]) - (np.rint(spare.score * scale).astype(np.int64) * weight + 1)
        added = [spare.take(reduced < 0)]
        # Mentors with places left (price 0) defeat the row bounds of every mentee who is not matched: price
        # their columns exactly instead, when they are few.
        load = np.bincount(graph.cols[flow.pairs_used], minlength=n)
        columns = np.flatnonzero((cap_used > 0) & (load < cap_used) & np.isfinite(cand.col_rest))
        if len(columns) > n * COLUMN_SHARE:
            columns = columns[:0]
        if len(columns):
            added.append(_price_columns(source, cand, columns, d, cap, m, scale, weight, progress, cancelled))
        suspect = _suspects(cand, d, cap, m, scale, weight, columns)
        bounded += m - len(suspect)
        priced += len(suspect)
        if progress is not None:
            progress("pricing", 0, len(suspect))
        added.append(_price(source, cand, suspect, d, cap, m, scale, weight, progress, cancelled))
        new = sum(len(x.rows) for x in added)
        if not new:
            break
        for extra in added:
            cand.graph = cand.graph.add(extra)
    chosen = cand.graph.take(flow.pairs_used)
    certificate = Certificate(rounds, 0, len(cand.graph.rows), bounded, priced, scale)
    return Assignment(list(zip(chosen.rows.tolist(), chosen.cols.tolist(), strict=True)), "min-cost-flow", True,
                      certificate, chosen.score.tolist())


def _member(needles: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted haystack (pair codes of a sorted ``_Pairs``), without sorting again."""
    if not len(sorted_codes):
        return np.zeros(len(needles), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_codes, needles), len(sorted_codes) - 1)
    return sorted_codes[at] == needles


def _suspects(cand: _Candidates, d: np.ndarray, cap: np.ndarray, m: int, scale: int, weight: int,
              priced_columns: np.ndarray) -> np.ndarray:
    """Mentees that may have a violating pair outside graph and reserve, by the row and column bounds.

    Such a pair (u, v) scores at most ``min(rest(u), col_rest(v))``, so it
    violates only if ``min(R(u), C(v)) * W + 1 > d(u) - d(v)``. Per mentee
    that is two range-maximum questions over the mentors sorted by ``C``:
    those with ``C >= R`` (need the largest ``d(v)``) and those with ``C < R``
    (need the largest ``C * W + 1 + d(v)``). All in int64.
    """
    n = len(cap)
    rows = np.flatnonzero(np.isfinite(cand.rest))
    screened = (cap > 0) & np.isfinite(cand.col_rest)
    screened[priced_columns] = False
    mentors = np.flatnonzero(screened)
    if not len(rows) or not len(mentors):
        return np.zeros(0, dtype=np.int64)
    big = np.iinfo(np.int64).min // 4
    r_q = np.rint(cand.rest[rows] * scale).astype(np.int64)
    c_q = np.rint(cand.col_rest[mentors] * scale).astype(np.int64)
    d_v = d[m + mentors]
    order = np.argsort(-c_q, kind="stable")
    c_sorted, d_sorted = c_q[order], d_v[order]
    prefix_d = np.maximum.accumulate(d_sorted)  # mentors 0..i: C >= c_sorted[i]
    value = c_sorted * weight + 1 + d_sorted
    suffix_value = np.maximum.accumulate(value[::-1])[::-1]
    # Mentors with C >= R are the first ``count`` in descending order.
    count = np.searchsorted(-c_sorted, -r_q, side="right")
    best_d = np.where(count > 0, prefix_d[np.maximum(count - 1, 0)], big)
    best_value = np.where(count < len(mentors), suffix_value[np.minimum(count, len(mentors) - 1)], big)
    d_u = d[rows]
    hit = ((count > 0) & (r_q * weight + 1 > d_u - best_d)) | ((count < len(mentors)) & (best_value > d_u))
    del n
    return rows[hit]


def _price_columns(source: Source, cand: _Candidates, columns: np.ndarray, d: np.ndarray, cap: np.ndarray, m: int,
                   scale: int, weight: int, progress: Progress | None, cancelled: Callable[[], bool] | None
                   ) -> _Pairs:
    """Price every mentee against a few mentors (those the bounds cannot clear); return the violators."""
    n = len(cap)
    codes = np.sort(cand.graph.codes(n))
    found = []
    step = max(1, source.rows_per_block * n // max(len(columns), 1))
    for index, (total, allowed) in _scored(source, _chunks(np.arange(m), step), columns):
        _check(cancelled)
        usable = _usable(total, allowed, np.ones(len(columns), dtype=bool))
        pair_codes = index[:, None] * n + columns[None, :]
        at = np.minimum(np.searchsorted(codes, pair_codes), max(len(codes) - 1, 0))
        if len(codes):
            usable &= codes[at] != pair_codes
        q = np.rint(np.where(usable, total, 0.0) * scale).astype(np.int64)
        reduced = (d[index][:, None] - d[m + columns][None, :]) - (q * weight + 1)
        r, c = np.nonzero(usable & (reduced < 0))
        found.append(_Pairs.of(index[r], columns[c], total[r, c]))
        if progress is not None:
            progress("pricing", int(index[-1]) + 1, m)
    out = _Pairs.empty()
    for pairs in found:
        out = out.add(pairs) if len(pairs.rows) else out
    return out


def _price(source: Source, cand: _Candidates, suspect: np.ndarray, d: np.ndarray, cap: np.ndarray, m: int,
           scale: int, weight: int, progress: Progress | None, cancelled: Callable[[], bool] | None) -> _Pairs:
    """Phase 3 for the mentees the bounds cannot clear: rescore, price every pair, return the violators."""
    n = len(cap)
    open_mentor = cap > 0
    mentor_d = d[m:m + n]
    graph = cand.graph
    starts = np.searchsorted(graph.rows, suspect)
    ends = np.searchsorted(graph.rows, suspect, side="right")
    added_r, added_c, added_s = [], [], []
    deep_r, deep_c, deep_s = [], [], []
    step = source.rows_per_block
    for start, (index, (total, allowed)) in zip(range(0, len(suspect), step),
                                                _scored(source, _chunks(suspect, step)), strict=True):
        _check(cancelled)
        usable = _usable(total, allowed, open_mentor)
        # Pairs already in the graph are priced by the solver itself (their cells, found without a row loop).
        lo, hi = starts[start:start + step], ends[start:start + step]
        counts = hi - lo
        at = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        usable[np.repeat(np.arange(len(index)), counts), graph.cols[at]] = False
        q = np.rint(np.where(usable, total, 0.0) * scale).astype(np.int64)
        reduced = (d[index][:, None] - mentor_d[None, :]) - (q * weight + 1)
        violating = usable & (reduced < 0)
        # Per row its ADD_PER_ROW most violating pairs: all of them in the (many) rows with fewer, and a partial
        # sort only of the rows with more (sorting every row cost more than scoring it).
        many = np.flatnonzero(np.count_nonzero(violating, axis=1) > ADD_PER_ROW)
        violating[many] = False
        r, c = np.nonzero(violating)
        if len(many):
            priced = np.where(usable[many], reduced[many], 0)  # only usable pairs can violate
            worst = np.argpartition(priced, ADD_PER_ROW - 1, axis=1)[:, :ADD_PER_ROW]
            rr, cc = np.nonzero(np.take_along_axis(priced, worst, axis=1) < 0)
            r, c = np.concatenate([r, many[rr]]), np.concatenate([c, worst[rr, cc]])
        added_r.append(index[r])
        added_c.append(c)
        added_s.append(total[r, c])
        usable[r, c] = False
        # Keep the row's next best pairs (outside the graph) in the reserve: later rounds price them exactly
        # without scoring the row again, and the next one down is the row's exact bound from now on.
        masked = np.where(usable, total, -np.inf)
        top, cand.rest[index] = _top_rows(masked, DEEP_RESERVE)
        s = np.take_along_axis(masked, top, axis=1)
        finite = np.isfinite(s)
        deep_r.append(np.broadcast_to(index[:, None], s.shape)[finite])
        deep_c.append(top[finite])
        deep_s.append(s[finite])
        if progress is not None:
            progress("pricing", min(start + step, len(suspect)), len(suspect))
    if deep_r:
        cand.reserve = cand.reserve.add(_Pairs.of(np.concatenate(deep_r), np.concatenate(deep_c),
                                                  np.concatenate(deep_s)))
    if not added_r:
        return _Pairs.empty()
    return _Pairs.of(np.concatenate(added_r), np.concatenate(added_c), np.concatenate(added_s))


def greedy(total: np.ndarray, allowed: np.ndarray, capacity: np.ndarray) -> Assignment:
    """Greedy on a score matrix at hand (see :func:`greedy_solve`)."""
    return greedy_solve(Dense(total, allowed), capacity)


def _greedy_pairs(rows: np.ndarray, cols: np.ndarray, score: np.ndarray, free: np.ndarray, left: np.ndarray
                  ) -> list[tuple[int, int, float]]:
    """Best pair first; among equal scores the pair whose mentor, then mentee, has fewer options (more matched)."""
    mentor_options = np.bincount(cols, minlength=len(left))
    mentee_options = np.bincount(rows, minlength=len(free))
    order = np.lexsort((cols, rows, mentee_options[rows], mentor_options[cols], -score))
    chosen = []
    for i, j, s in zip(rows[order].tolist(), cols[order].tolist(), score[order].tolist(), strict=True):
        if free[i] and left[j] > 0:
            free[i] = False
            left[j] -= 1
            chosen.append((i, j, s))
    return chosen


def greedy_solve(source: Source, capacity: np.ndarray, *, candidates: int = CANDIDATES,
                 progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> Assignment:
    """Best remaining pair first, with the same objective as :func:`solve` (no negative pairs, ties matched most).

    It runs on each mentee's best candidates; mentees left without a mentor
    are then scored again against the mentors with places left, until no
    pair can be added. Fast, not optimal.
    """
    m, n = source.shape
    cap = np.maximum(np.asarray(capacity, dtype=np.int64), 0)
    free = np.ones(m, dtype=bool)
    left = cap.copy()
    chosen: list[tuple[int, int, float]] = []
    rows: np.ndarray | None = None
    while True:
        cand = _scan(source, left, max(1, min(candidates, n)), 0, progress, cancelled, rows,
                     GREEDY_MENTOR_CANDIDATES)
        got = _greedy_pairs(cand.graph.rows, cand.graph.cols, cand.graph.score, free, left)
        chosen += got
        rows = np.flatnonzero(free & np.isfinite(cand.rest)) if rows is None else \
            rows[free[rows] & np.isfinite(cand.rest[rows])]
        if not got or not len(rows) or not (left > 0).any():
            break
    chosen.sort()
    return Assignment([(i, j) for i, j, _ in chosen], "greedy", False, None, [s for _, _, s in chosen])
