"""The optimum is exact and certified: checked against OR-tools solving every allowed pair directly.

The reference below builds its own min-cost flow on *all* allowed pairs
(no candidates, no pricing) with the same lexicographic objective (total
score in units of 1e-6, then the number matched), so a candidate pair
missed by the pricing, a wrong bound or a wrong potential shows up as a
different (total, matched). Instances are random, with ties, zero and
negative scores, mentees nobody may take and mentors with no places.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.graph.python import min_cost_flow

from mentorflow.plugins.matching import assignment
from mentorflow.plugins.matching.assignment import Dense

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference(total: np.ndarray, allowed: np.ndarray, capacity: np.ndarray) -> tuple[int, int]:
    """``(total in 1e-6 units, matched)`` of the lexicographic optimum, by OR-tools on every allowed pair."""
    m, n = total.shape
    q = np.rint(total * 10**6).astype(np.int64)
    rows, cols = np.nonzero(allowed & (capacity[None, :] > 0))
    weight = m + 2
    flow = min_cost_flow.SimpleMinCostFlow()
    sink = m + n
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        # A negative pair may be used here: the reference decides for itself that it never pays.
        flow.add_arc_with_capacity_and_unit_cost(i, m + j, 1, int(-(q[i, j] * weight + 1)))
    for j in range(n):
        flow.add_arc_with_capacity_and_unit_cost(m + j, sink, int(capacity[j]), 0)
    for i in range(m):
        flow.add_arc_with_capacity_and_unit_cost(i, sink, 1, 0)  # unmatched
        flow.set_node_supply(i, 1)
    flow.set_node_supply(sink, -m)
    assert flow.solve() == flow.OPTIMAL
    matched = [(flow.tail(a), flow.head(a) - m) for a in range(flow.num_arcs())
               if flow.flow(a) and flow.tail(a) < m and flow.head(a) < sink]
    return int(sum(q[i, j] for i, j in matched)), len(matched)


def objective(result: assignment.Assignment, total: np.ndarray) -> tuple[int, int]:
    q = np.rint(total * 10**6).astype(np.int64)
    return int(sum(q[i, j] for i, j in result.pairs)), len(result.pairs)


def check_valid(pairs: list[tuple[int, int]], allowed: np.ndarray, capacity: np.ndarray) -> None:
    mentees = [i for i, _ in pairs]
    assert len(mentees) == len(set(mentees)), "a mentee got two mentors"
    for i, j in pairs:
        assert allowed[i, j], f"pair {(i, j)} is not allowed"
    load = np.bincount([j for _, j in pairs], minlength=len(capacity))
    assert (load <= capacity).all(), "a mentor is over capacity"


def random_instance(seed: int, m: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Few distinct values (ties everywhere), zeros and some negative scores.
    total = rng.choice([-1.5, -0.25, 0.0, 0.0, 0.5, 1.0, 1.0, 2.0, 3.25, 3.25, 7.0], size=(m, n))
    total += np.where(rng.random((m, n)) < 0.3, np.round(rng.random((m, n)), 3), 0.0)
    allowed = rng.random((m, n)) < rng.choice([0.15, 0.5, 0.9])
    allowed[rng.random(m) < 0.1] = False  # mentees nobody may take
    capacity = rng.integers(0, 4, n)  # some mentors have no place at all
    return total, allowed, capacity


@pytest.mark.parametrize("seed", range(16))
def test_optimal_equals_or_tools_on_every_allowed_pair(seed: int) -> None:
    m, n = [(40, 9), (60, 25), (120, 30), (25, 60)][seed % 4]
    total, allowed, capacity = random_instance(seed, m, n)
    # Tiny candidate lists and blocks: the pricing has to find most of the optimum's pairs itself.
    result = assignment.solve(Dense(total, allowed, rows_per_block=7), capacity, candidates=1, reserve=2)
    check_valid(result.pairs, allowed, capacity)
    assert objective(result, total) == reference(total, allowed, capacity)
    assert result.exact and result.certificate is not None and result.certificate.max_violation == 0
    assert all(total[i, j] >= 0 for i, j in result.pairs), "a negative pair only lowers the total"
    # With the default candidates the same optimum, and with few per mentor (more left to the pricing) too.
    assert objective(assignment.optimal(total, allowed, capacity), total) == objective(result, total)
    shallow = assignment._scan
    try:
        assignment._scan = lambda *args: shallow(*args, mentor_candidates=(1, 2))  # type: ignore[assignment]
        again = assignment.solve(Dense(total, allowed, rows_per_block=7), capacity, candidates=1, reserve=2)
    finally:
        assignment._scan = shallow  # type: ignore[assignment]
    assert objective(again, total) == objective(result, total) and again.certificate.max_violation == 0


def test_the_pricing_adds_pairs_the_candidates_missed_and_certifies_the_result(monkeypatch: pytest.MonkeyPatch
                                                                                ) -> None:
    # One candidate and one reserve pair per mentee, and few per mentor: the first graph misses pairs the optimum
    # needs (the default per-mentor depth would hold most of these small instances).
    monkeypatch.setattr(assignment, "MENTOR_CANDIDATES", 1)
    monkeypatch.setattr(assignment, "MAX_MENTOR_CANDIDATES", 4)
    rounds, priced = [], []
    for seed in range(6):
        total, allowed, capacity = random_instance(100 + seed, 150, 40)
        result = assignment.solve(Dense(total, allowed, rows_per_block=16), capacity, candidates=1, reserve=1)
        assert result.certificate is not None and result.certificate.max_violation == 0
        assert objective(result, total) == reference(total, allowed, capacity)
        rounds.append(result.certificate.rounds)
        priced.append(result.certificate.priced_rows)
    assert max(rounds) > 1, "no instance needed a pricing round: the test does not test the pricing"
    assert max(priced) > 0, "no mentee was ever rescored: the bounds were never the question"


def brute_force(total: np.ndarray, allowed: np.ndarray, capacity: np.ndarray) -> tuple[int, int]:
    """The lexicographic optimum by trying every assignment (tiny instances only)."""
    m, n = total.shape
    q = np.rint(total * 10**6).astype(np.int64)
    best = (0, 0)
    for choice in itertools.product(range(-1, n), repeat=m):
        load = np.bincount([j for j in choice if j >= 0], minlength=n)
        if any(j >= 0 and not allowed[i, j] for i, j in enumerate(choice)) or (load > capacity).any():
            continue
        best = max(best, (int(sum(q[i, j] for i, j in enumerate(choice) if j >= 0)), sum(j >= 0 for j in choice)))
    return best


@st.composite
def tiny(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m, n = draw(st.integers(0, 5)), draw(st.integers(0, 3))
    total = np.array(draw(st.lists(st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0]), min_size=m * n, max_size=m * n)),
                     dtype=float).reshape(m, n)
    allowed = np.array(draw(st.lists(st.booleans(), min_size=m * n, max_size=m * n)), dtype=bool).reshape(m, n)
    capacity = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=np.int64)
    return total, allowed, capacity


@FAST
@given(tiny())
def test_optimal_is_the_lexicographic_optimum_of_every_assignment(instance: Any) -> None:
    total, allowed, capacity = instance
    result = assignment.solve(Dense(total, allowed, rows_per_block=2), capacity, candidates=1, reserve=1)
    check_valid(result.pairs, allowed, capacity)
    assert objective(result, total) == brute_force(total, allowed, capacity)
    greedy = assignment.greedy(total, allowed, capacity)
    check_valid(greedy.pairs, allowed, capacity)
    assert objective(greedy, total) <= objective(result, total)
    assert all(total[i, j] >= 0 for i, j in greedy.pairs)


def test_the_tie_break_matches_everyone_when_the_total_allows() -> None:
    """Mentors X (da+en) and Y (en), one place each; A (en) scores 1 with both, B (da) may only have X, at 0."""
    total = np.array([[1.0, 1.0], [0.0, 0.0]])
    allowed = np.array([[True, True], [True, False]])
    capacity = np.array([1, 1])
    for result in (assignment.optimal(total, allowed, capacity), assignment.greedy(total, allowed, capacity)):
        assert result.pairs == [(0, 1), (1, 0)], result.method  # A-Y and B-X: total 1, both matched


def test_negative_pairs_are_never_handed_out() -> None:
    """Through the direct API too: a free mentee and a free place do not make a negative pair worth taking."""
    total = np.array([[2.0, -0.5], [-1.0, -3.0]])
    allowed = np.ones((2, 2), dtype=bool)
    capacity = np.array([1, 1])
    for result in (assignment.optimal(total, allowed, capacity), assignment.greedy(total, allowed, capacity)):
        assert result.pairs == [(0, 0)] and result.total(total) == 2.0


def test_zero_score_pairs_still_get_a_mentor_when_capacity_is_left() -> None:
    result = assignment.optimal(np.zeros((3, 1)), np.ones((3, 1), dtype=bool), np.array([2]))
    assert len(result.pairs) == 2


class Counting(Dense):
    """A source that records how many pairs each request asks for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.largest = 0

    def scores(self, rows: np.ndarray, columns: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        self.largest = max(self.largest, len(rows) * (self.total.shape[1] if columns is None else len(columns)))
        return super().scores(rows, columns)


def test_scores_are_only_ever_asked_for_in_blocks() -> None:
    total, allowed, capacity = random_instance(5, 300, 50)
    source = Counting(total, allowed, rows_per_block=20)
    result = assignment.solve(source, capacity, candidates=2, reserve=3)
    assert source.largest <= 20 * 50
    assert objective(result, total) == reference(total, allowed, capacity)


def test_progress_is_reported_per_phase_and_cancel_stops_between_blocks() -> None:
    total, allowed, capacity = random_instance(2, 200, 30)
    seen: list[tuple[str, int, int]] = []
    assignment.solve(Dense(total, allowed, rows_per_block=25), capacity, candidates=1, reserve=1,
                     progress=lambda phase, done, count: seen.append((phase, done, count)))
    phases = [p for p, _, _ in seen]
    assert phases[0] == "scoring" and "solving" in phases and "pricing" in phases
    assert ("scoring", 200, 200) in seen

    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3  # after three blocks

    source = Counting(total, allowed, rows_per_block=25)
    with pytest.raises(assignment.Cancelled):
        assignment.solve(source, capacity, cancelled=cancelled)
    assert len(asked) == 4 and source.largest <= 25 * 30


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("seed", range(4))
def test_blocks_scored_in_threads_and_columns_merged_sparsely_give_the_same_optimum(
        seed: int, threads: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tall instances in small blocks: after the first blocks few pairs beat a mentor's kept best, so they are
    # merged sparsely; with threads the next blocks are scored while one is worked on.
    total, allowed, capacity = random_instance(100 + seed, 400, 12)
    merges: list[int] = []
    merge = assignment._merge_columns

    def counting(*args: Any) -> None:
        merges.append(len(args[3]))
        merge(*args)

    monkeypatch.setattr(assignment, "_merge_columns", counting)
    monkeypatch.setattr(assignment, "THREADS", threads)
    result = assignment.solve(Dense(total, allowed, rows_per_block=10), capacity, candidates=1, reserve=3)
    check_valid(result.pairs, allowed, capacity)
    assert objective(result, total) == reference(total, allowed, capacity)
    assert result.certificate is not None and result.certificate.max_violation == 0
    assert merges, "the sparse merge was not used"


@pytest.mark.parametrize("seed", range(4))
def test_the_scan_keeps_each_mentors_best_pairs_and_an_exact_column_bound(seed: int) -> None:
    total, allowed, capacity = random_instance(200 + seed, 300, 15)
    capacity = np.maximum(capacity, 1)
    reserve = 3
    cand = assignment._scan(Dense(total, allowed, rows_per_block=10), capacity, 1, reserve, None, None)
    usable = allowed & (total >= 0)
    depth = max(int(np.clip(np.maximum(capacity, assignment.MENTOR_CANDIDATES), 0,
                            assignment.MAX_MENTOR_CANDIDATES).max()), reserve)
    kept = {(int(i), int(j)) for i, j in zip(cand.reserve.rows, cand.reserve.cols, strict=True)}
    for j in range(total.shape[1]):
        column = np.sort(total[usable[:, j], j])[::-1]
        assert cand.col_rest[j] == (column[depth] if len(column) > depth else -np.inf)
        best = sorted((total[i, j] for i, jj in kept if jj == j), reverse=True)[:depth]
        assert best == column[:depth].tolist()
