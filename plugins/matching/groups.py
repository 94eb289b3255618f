"""Forming groups, circles and co-mentoring teams: members placed into the groups of anchors, in bounded memory.

One shape covers the three formats that are not pairs. An **anchor** leads groups (a group's mentor, a circle's
facilitator, or a co-mentoring mentee, who is the one the group is for) and a **member** joins them (a group's
mentees, a circle's peers, a co-mentoring mentee's mentors). Each anchor has a number of groups (its capacity,
counted in groups), each group has ``min..max`` members (the format's bounds for the members' role), and each
member joins at most ``member_capacity`` groups, never two of the same anchor.

A group's score is the sum of three parts, and every part is attributed to one member, so the per-member
explanations add up to the group's score:

- **fit**: the programme's criteria scored member <-> anchor (the same scores as pairs);
- **cohesion** (optional, ``settings.matching.groups.cohesion``): criteria scored member <-> member, each pair's
  score split half and half between the two;
- **diversity** (optional, ``settings.matching.groups.diversity``): ``weight * (distinct values - 1)`` of a
  profile field (a mix of faculties), member ``i`` credited ``weight * (1 / n(value of i) - 1 / size)``.

The objective is lexicographic, as for pairs: the largest total score, then the most members placed.

How it is found, and what is exact:

1. **flow**: a min-cost flow (OR-tools) places members into anchors with capacity ``groups * max``, on the fit
   alone, with integer costs ``-(q * W + 1)`` (the pairs' rounding and weight, :mod:`.assignment`). Without
   cohesion and diversity and with every anchor's load inside the bounds, this is the exact lexicographic
   optimum over the usable pairs (``exact=True``): the fit decomposes over member-anchor pairs.
2. **bounds**: a group may not start with fewer than ``min`` members. An anchor whose load no set of groups can
   hold is decided once: kept open (its flow gets a lower bound of ``h * min``) when it holds at least half the
   minimum, closed otherwise, and the flow is solved again, until every load fits. A decided anchor that
   cannot be filled is closed. This is a heuristic (the "zero or at least min" choice is what makes grouping
   NP-hard); its result is feasible, not proven optimal.
3. **local search** (only with cohesion or diversity): members move to another group of an anchor they may join,
   or join a group with room while unplaced, when the move raises (total, placed); passes repeat until none
   helps or ``PASSES`` are done.

Every formation carries an **upper bound** on the optimum: the first flow's total (a relaxation: no minimum,
no cohesion, no diversity), plus for cohesion each member's best ``max - 1`` cohesion scores halved, plus for
diversity ``weight * (min(max, values) - 1)`` per possible group. The gap ``(bound - total) / bound`` is
reported; :func:`exact_formation` (a MILP, HiGHS through SciPy) gives the true optimum of small instances, which
the tests and the benchmark compare against.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .assignment import SCALE, Cancelled, Source, _chunks, _scale, _scored

Progress = Callable[[str, int, int], None]
Cohesion = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``cohesion(rows, columns) -> float array`` of member <-> member scores (weights applied), rows x columns."""

KEEP_PER_MEMBER = 64
"""Best usable anchors kept per member from the scoring (all of them when there are fewer)."""
PASSES = 6
"""Local-search passes over the members at most."""
BLOCK_MEMBERS = 512
"""Members whose cohesion rows are scored at once in a local-search pass (a block x members array)."""
DENSE_COHESION = 25_000_000
"""Up to this many member pairs (5,000 members; 200 MB) the cohesion is scored once and kept, instead of
scored again on every pass: the passes then cost only their arithmetic."""


def _kept(cohesion: Cohesion, m: int) -> Cohesion:
    """``cohesion`` scored once into a matrix, read by every pass and by the explanations."""
    matrix = np.empty((m, m))
    for rows in _chunks(np.arange(m), BLOCK_MEMBERS):
        matrix[rows] = cohesion(rows, np.arange(m))

    def kept(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        return matrix[np.ix_(r, c)]

    return kept


@dataclass(frozen=True)
class Diversity:
    """``weight * (distinct values - 1)`` per group of a field's values (``codes``: one int per member, -1 none).

    A member without a value counts as one more value, "unknown" (so a group's value never depends on who
    filled in the field)."""

    codes: np.ndarray
    weight: float

    @property
    def values(self) -> np.ndarray:
        """The codes with "unknown" (-1) as a value of its own, all >= 0."""
        codes = np.asarray(self.codes, dtype=np.int64)
        return np.where(codes < 0, int(codes.max(initial=-1)) + 1, codes)


@dataclass
class Group:
    """One formed group: its anchor (index), its members (indices) and each member's parts of the score."""

    anchor: int
    members: list[int]
    fit: list[float] = field(default_factory=list)
    cohesion: list[float] = field(default_factory=list)
    diversity: list[float] = field(default_factory=list)

    def member_scores(self) -> list[float]:
        return [math.fsum(parts) for parts in zip(self.fit, self.cohesion, self.diversity, strict=True)]

    @property
    def score(self) -> float:
        return math.fsum(self.fit + self.cohesion + self.diversity)


@dataclass
class Formation:
    """The groups formed, how, and how far from the optimum they can be at most."""

    groups: list[Group]
    method: str
    exact: bool
    """Proven optimal: the decomposable case (fit only, every load within the bounds)."""
    bound: float
    """An upper bound on the optimal total (see the module docstring)."""
    stats: dict[str, float | int] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return math.fsum(g.score for g in self.groups)

    @property
    def placed(self) -> int:
        return sum(len(g.members) for g in self.groups)

    @property
    def gap(self) -> float:
        """``(bound - total) / bound``: 0 when proven optimal, an upper limit on the true gap otherwise."""
        return 0.0 if self.exact or self.bound <= 0 else max(0.0, (self.bound - self.total) / self.bound)


@dataclass
class Problem:
    """A formation problem: usable member-anchor pairs (sparse), capacities and bounds."""

    members: int
    anchors: int
    rows: np.ndarray
    """Member index of each usable pair."""
    cols: np.ndarray
    """Anchor index of each usable pair."""
    score: np.ndarray
    groups: np.ndarray
    """Groups per anchor."""
    member_capacity: np.ndarray
    low: int
    high: int

    def fit_of(self) -> dict[tuple[int, int], float]:
        return {(int(i), int(a)): float(s) for i, a, s in zip(self.rows, self.cols, self.score, strict=True)}


def gather(source: Source, members_are_rows: bool, keep: int = KEEP_PER_MEMBER,
           progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The usable pairs ``(member, anchor, score)`` of ``source``, at most ``keep`` best per source row.

    Usable as for pairs: allowed, finite and not negative (a negative fit only lowers the total).
    """
    m, n = source.shape
    out_r, out_c, out_s = [], [], []
    for index, (total, allowed) in _scored(source, _chunks(np.arange(m), source.rows_per_block)):
        if cancelled is not None and cancelled():
            raise Cancelled()
        masked = np.where(allowed & np.isfinite(total) & (total >= 0), total, -np.inf)
        if n > keep:
            top = np.argpartition(-masked, keep - 1, axis=1)[:, :keep]
        else:
            top = np.broadcast_to(np.arange(n), (len(index), n))
        s = np.take_along_axis(masked, top, axis=1)
        ok = np.isfinite(s)
        out_r.append(np.broadcast_to(index[:, None], s.shape)[ok])
        out_c.append(top[ok])
        out_s.append(s[ok])
        if progress is not None:
            progress("scoring", int(index[-1]) + 1, m)
    rows = np.concatenate(out_r) if out_r else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(out_c) if out_c else np.zeros(0, dtype=np.int64)
    score = np.concatenate(out_s) if out_s else np.zeros(0)
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    return (rows, cols, score) if members_are_rows else (cols, rows, score)


def fits(load: int, groups: int, low: int, high: int) -> bool:
    """Whether ``load`` members can be split into at most ``groups`` groups of ``low..high`` (0 always can)."""
    if load == 0:
        return True
    h = -(-load // high)
    return h <= groups and h * low <= load


def _flow(p: Problem, upper: np.ndarray, lower: np.ndarray, scale: int, weight: int) -> np.ndarray | None:
    """Units per usable pair of the lexicographic min-cost flow with per-anchor load bounds; None: infeasible."""
    from ortools.graph.python import min_cost_flow

    m, a = p.members, p.anchors
    sink = m + a
    e = len(p.rows)
    q = np.rint(p.score * scale).astype(np.int64)
    tails = np.concatenate([p.rows, np.arange(m), m + np.arange(a)]).astype(np.int64)
    heads = np.concatenate([m + p.cols, np.full(m, sink), np.full(a, sink)]).astype(np.int64)
    caps = np.concatenate([np.ones(e, dtype=np.int64), p.member_capacity, upper - lower]).astype(np.int64)
    costs = np.concatenate([-(q * weight + 1), np.zeros(m + a, dtype=np.int64)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(m + a + 1, dtype=np.int64)
    supplies[:m] = p.member_capacity
    supplies[m:m + a] = -lower  # a lower bound on anchor -> sink: the anchor must receive it
    supplies[sink] = -(int(p.member_capacity.sum()) - int(lower.sum()))
    flow.set_nodes_supplies(np.arange(m + a + 1), supplies)
    if flow.solve() != flow.OPTIMAL:
        return None
    return np.asarray(flow.flows(arcs), dtype=np.int64)[:e]


def form(p: Problem, *, cohesion: Cohesion | None = None, diversity: Diversity | None = None,
         progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> Formation:
    """Groups for problem ``p`` (see the module docstring for the method and what is exact)."""
    m, a = p.members, p.anchors
    units = int(p.member_capacity.sum())
    max_score = float(p.score.max(initial=0.0))
    scale, weight = _scale(max_score, units, m + a + 1) if units else (SCALE, 1)
    upper = (p.groups * p.high).astype(np.int64)
    lower = np.zeros(a, dtype=np.int64)
    decided = np.zeros(a, dtype=bool)
    rounds = 0
    used = None
    relaxed_total = 0.0
    while True:
        if cancelled is not None and cancelled():
            raise Cancelled()
        rounds += 1
        if progress is not None:
            progress("solving", rounds - 1, rounds)
        used = _flow(p, upper, lower, scale, weight)
        if used is None:  # the last lower bounds cannot all be met: close those anchors
            newest = decided & (lower > 0)
            upper[newest], lower[newest] = 0, 0
            continue
        if rounds == 1:
            relaxed_total = math.fsum(p.score[used > 0].tolist())
        load = np.bincount(p.cols[used > 0], minlength=a)
        bad = [j for j in range(a) if not fits(int(load[j]), int(p.groups[j]), p.low, p.high)]
        if not bad:
            break
        for j in bad:
            if decided[j]:
                upper[j], lower[j] = 0, 0  # decided open, still does not fit: close
                continue
            decided[j] = True
            h = min(int(p.groups[j]), max(1, -(-int(load[j]) // p.high)))
            if 2 * int(load[j]) >= p.low and h * p.low <= units:
                lower[j], upper[j] = h * p.low, h * p.high
            else:
                upper[j], lower[j] = 0, 0
        lower[~decided] = 0
    assert used is not None
    if progress is not None:
        progress("solving", rounds, rounds)
    chosen = used > 0
    groups = _split(p, p.rows[chosen], p.cols[chosen])
    fit = p.fit_of()
    exact = cohesion is None and diversity is None and not decided.any()
    stats: dict[str, float | int] = {"rounds": rounds, "closed": int((decided & (upper == 0)).sum()),
                                     "forced_open": int((lower > 0).sum()), "moves": 0}
    if cohesion is not None and m * m <= DENSE_COHESION:
        cohesion = _kept(cohesion, m)
    if cohesion is not None or diversity is not None:
        stats["moves"] = _improve(p, groups, fit, cohesion, diversity, cancelled)
    bound = relaxed_total + _extra_bound(p, cohesion, diversity)
    formed = [_explain(g, fit, cohesion, diversity) for g in groups if g.members]
    method = "group-flow" + ("+local-search" if cohesion is not None or diversity is not None else "")
    return Formation(sorted(formed, key=lambda g: (g.anchor, g.members)), method, exact, bound, stats)


def _split(p: Problem, rows: np.ndarray, cols: np.ndarray) -> list[Group]:
    """Each anchor's members in as few groups as hold them, of balanced sizes (all within ``low..high``)."""
    by_anchor: dict[int, list[int]] = {}
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        by_anchor.setdefault(j, []).append(i)
    groups = []
    for j, people in sorted(by_anchor.items()):
        h = -(-len(people) // p.high)
        for k in range(h):
            groups.append(Group(j, sorted(people[k::h])))
    return groups


def _cohesion_rows(cohesion: Cohesion, rows: np.ndarray, m: int) -> np.ndarray:
    block = np.asarray(cohesion(rows, np.arange(m)), dtype=np.float64)
    block[np.arange(len(rows)), rows] = 0.0  # nobody coheres with themself
    return np.maximum(block, 0.0)


def _improve(p: Problem, groups: list[Group], fit: dict[tuple[int, int], float], cohesion: Cohesion | None,
             diversity: Diversity | None, cancelled: Callable[[], bool] | None) -> int:
    """Local search: move members between groups (and place unplaced ones) while (total, placed) rises.

    Only members who join one group at most move (a group's mentees, a circle's peers): a member in several
    groups (a co-mentor) keeps the flow's placement.
    """
    m, a = p.members, p.anchors
    g_count = len(groups)
    if not g_count:
        return 0
    where = np.full(m, -1, dtype=np.int64)
    for k, g in enumerate(groups):
        where[g.members] = k
    movable = p.member_capacity == 1
    size = np.asarray([len(g.members) for g in groups], dtype=np.int64)
    anchor_of = np.asarray([g.anchor for g in groups], dtype=np.int64)
    order = np.argsort(p.rows, kind="stable")
    pair_rows, pair_cols, pair_score = p.rows[order], p.cols[order], p.score[order]
    codes = diversity.values if diversity is not None else None
    counts = np.zeros((g_count, int(codes.max(initial=0)) + 1 if codes is not None else 1), dtype=np.int64)
    if codes is not None:
        for k, g in enumerate(groups):
            np.add.at(counts[k], codes[g.members], 1)
    div_w = diversity.weight if diversity is not None else 0.0
    moves = 0
    for _pass in range(PASSES):
        moved = 0
        for rows in _chunks(np.arange(m), BLOCK_MEMBERS):
            if cancelled is not None and cancelled():
                raise Cancelled()
            lo, hi = np.searchsorted(pair_rows, [rows[0], rows[-1] + 1])
            fit_rows = np.full((len(rows), a), -np.inf)  # the block's fit with every anchor (-inf: not allowed)
            fit_rows[pair_rows[lo:hi] - rows[0], pair_cols[lo:hi]] = pair_score[lo:hi]
            placed = where >= 0
            member_of = np.zeros((m, g_count))
            member_of[np.flatnonzero(placed), where[placed]] = 1.0
            c = _cohesion_rows(cohesion, rows, m) if cohesion is not None else None
            gsum = c @ member_of if c is not None else np.zeros((len(rows), g_count))
            for r, i in enumerate(rows.tolist()):
                if not movable[i]:
                    continue
                here = int(where[i])
                if here >= 0 and size[here] <= p.low:
                    continue  # leaving would drop the group below its minimum
                gain = fit_rows[r, anchor_of] + gsum[r]
                if codes is not None:
                    gain += div_w * (counts[:, codes[i]] == 0)
                gain[size >= p.high] = -np.inf
                if here >= 0:
                    gain[here] = -np.inf
                    loss = fit_rows[r, anchor_of[here]] + gsum[r, here]
                    if codes is not None and counts[here, codes[i]] == 1:
                        loss += div_w
                    threshold = 1e-9
                else:
                    loss, threshold = 0.0, -1e-12  # unplaced: joining places one more, a gain of 0 is enough
                best = int(np.argmax(gain))
                if not np.isfinite(gain[best]) or float(gain[best]) - loss <= threshold:
                    continue
                if c is not None:
                    gsum[:, best] += c[:, i]
                    if here >= 0:
                        gsum[:, here] -= c[:, i]
                if here >= 0:
                    groups[here].members.remove(i)
                    size[here] -= 1
                    if codes is not None:
                        counts[here, codes[i]] -= 1
                groups[best].members.append(i)
                size[best] += 1
                if codes is not None:
                    counts[best, codes[i]] += 1
                where[i] = best
                moved += 1
        moves += moved
        if not moved:
            break
    for g in groups:
        g.members.sort()
    return moves


def _extra_bound(p: Problem, cohesion: Cohesion | None, diversity: Diversity | None) -> float:
    extra = 0.0
    if cohesion is not None and p.high > 1:
        for rows in _chunks(np.arange(p.members), BLOCK_MEMBERS):
            c = _cohesion_rows(cohesion, rows, p.members)
            k = min(p.high - 1, p.members - 1)
            if k > 0:
                top = -np.partition(-c, k - 1, axis=1)[:, :k]
                extra += 0.5 * float(top.sum())
    if diversity is not None:
        values = len(set(diversity.values.tolist()))
        extra += diversity.weight * max(0, min(p.high, values) - 1) * int(p.groups.sum())
    return extra


def _explain(g: Group, fit: dict[tuple[int, int], float], cohesion: Cohesion | None,
             diversity: Diversity | None) -> Group:
    """Each member's fit, cohesion share and diversity share (they add up to the group's score)."""
    people = np.asarray(g.members, dtype=np.int64)
    g.fit = [fit[(i, g.anchor)] for i in g.members]
    if cohesion is not None and len(people) > 1:
        c = np.maximum(np.asarray(cohesion(people, people), dtype=np.float64), 0.0)
        np.fill_diagonal(c, 0.0)
        g.cohesion = (0.5 * c.sum(axis=1)).tolist()
    else:
        g.cohesion = [0.0] * len(people)
    if diversity is not None and len(people):
        values = diversity.values[people]
        n = {v: int((values == v).sum()) for v in set(values.tolist())}
        g.diversity = [diversity.weight * (1.0 / n[v] - 1.0 / len(people)) for v in values.tolist()]
    else:
        g.diversity = [0.0] * len(people)
    return g


def group_value(p: Problem, anchor: int, members: Sequence[int], cohesion_matrix: np.ndarray | None,
                diversity: Diversity | None) -> float:
    """A group's score computed from scratch (tests and the exact comparison)."""
    fit = p.fit_of()
    total = math.fsum(fit[(i, anchor)] for i in members)
    if cohesion_matrix is not None:
        total += math.fsum(float(cohesion_matrix[i, j]) for x, i in enumerate(members) for j in members[x + 1:])
    if diversity is not None and members:
        total += diversity.weight * (len({int(diversity.values[i]) for i in members}) - 1)
    return total


def exact_formation(p: Problem, cohesion_matrix: np.ndarray | None = None, diversity: Diversity | None = None,
                    time_limit: float = 60.0) -> tuple[float, int]:
    """The exact lexicographic optimum ``(total, placed)`` of a small problem: a MILP solved by HiGHS (SciPy).

    Variables: ``x[i, g]`` member ``i`` in group slot ``g`` (an anchor's k-th group), ``y[g]`` the slot is used,
    ``z[i, j, g]`` both in it (cohesion, ``z <= x``), ``w[g, v]`` value ``v`` present (diversity, ``w <= sum x``,
    ``w <= y``). Solved twice: the best total, then the most placed at that total.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    fit = p.fit_of()
    slots = [(j, k) for j in range(p.anchors) for k in range(int(p.groups[j]))]
    x = [(i, s) for s, (j, _k) in enumerate(slots) for i in range(p.members) if (i, j) in fit]
    xi = {key: n for n, key in enumerate(x)}
    n_x, n_y = len(x), len(slots)
    z: list[tuple[int, int, int]] = []
    if cohesion_matrix is not None:
        for s in range(n_y):
            inside = [i for i in range(p.members) if (i, s) in xi]
            z += [(i, j, s) for a_, i in enumerate(inside) for j in inside[a_ + 1:] if cohesion_matrix[i, j] > 0]
    w: list[tuple[int, int]] = []
    if diversity is not None:
        values = sorted({int(v) for v in diversity.values})
        w = [(s, v) for s in range(n_y) for v in values]
    n = n_x + n_y + len(z) + len(w)
    gain = np.zeros(n)
    for (i, s), col in xi.items():
        gain[col] = fit[(i, slots[s][0])]
    for t, (i, j, _s) in enumerate(z):
        gain[n_x + n_y + t] = float(cohesion_matrix[i, j])  # type: ignore[index]
    if diversity is not None:
        gain[n_x:n_x + n_y] -= diversity.weight
        gain[n_x + n_y + len(z):] = diversity.weight
    rows: list[tuple[dict[int, float], float, float]] = []  # (coefficients, lower, upper) per constraint
    for i in range(p.members):
        cols = [c for (ii, _s), c in xi.items() if ii == i]
        rows.append(({c: 1.0 for c in cols}, -np.inf, float(p.member_capacity[i])))
        for j in range(p.anchors):
            same = [c for (ii, s), c in xi.items() if ii == i and slots[s][0] == j]
            if len(same) > 1:
                rows.append(({c: 1.0 for c in same}, -np.inf, 1.0))
    for s in range(n_y):
        cols = [c for (_i, ss), c in xi.items() if ss == s]
        rows.append(({**{c: 1.0 for c in cols}, n_x + s: -float(p.low)}, 0.0, np.inf))
        rows.append(({**{c: 1.0 for c in cols}, n_x + s: -float(p.high)}, -np.inf, 0.0))
    for t, (i, j, s) in enumerate(z):
        rows.append(({n_x + n_y + t: 1.0, xi[(i, s)]: -1.0}, -np.inf, 0.0))
        rows.append(({n_x + n_y + t: 1.0, xi[(j, s)]: -1.0}, -np.inf, 0.0))
    for t, (s, v) in enumerate(w):
        col = n_x + n_y + len(z) + t
        inside = [xi[(i, s)] for i in range(p.members) if diversity is not None and diversity.values[i] == v
                  and (i, s) in xi]
        rows.append(({col: 1.0, **{c: -1.0 for c in inside}}, -np.inf, 0.0))
        rows.append(({col: 1.0, n_x + s: -1.0}, -np.inf, 0.0))
    if not n:
        return 0.0, 0
    a = lil_matrix((len(rows), n))
    lo, hi = np.zeros(len(rows)), np.zeros(len(rows))
    for r, (coefs, low, high) in enumerate(rows):
        for col, coef in coefs.items():
            a[r, col] = coef
        lo[r], hi[r] = low, high
    integrality = np.ones(n)
    constraints = [LinearConstraint(a.tocsr(), lo, hi)]
    options = {"time_limit": time_limit, "mip_rel_gap": 0.0}
    first = milp(-gain, constraints=constraints, integrality=integrality, bounds=Bounds(0, 1), options=options)
    if first.x is None:
        raise RuntimeError(f"the MILP found no solution: {first.message}")
    best = -float(first.fun)
    count = np.zeros(n)
    count[:n_x] = 1.0
    keep = LinearConstraint(gain.reshape(1, -1), best - 1e-6, np.inf)
    second = milp(-count, constraints=[*constraints, keep], integrality=integrality, bounds=Bounds(0, 1),
                  options=options)
    chosen = second.x if second.x is not None else first.x
    return float(gain @ np.rint(chosen)), int(np.rint(chosen[:n_x]).sum())
