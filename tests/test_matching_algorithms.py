"""Matching without a database: assignment algorithms and scoring, with property-based tests."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorflow.plugins.matching import assignment
from mentorflow.plugins.matching.constraints import BUILT_IN as CONSTRAINTS
from mentorflow.plugins.matching.scorers import BUILT_IN as SCORERS
from mentorflow.plugins.matching.scoring import score_pool
from mentorflow.plugins.matching.settings import MatchingSettings
from mentorflow.plugins.matching.specs import ProfileTable
from tests.workflows_matching import MATCHING

SCORER_SPECS = {s.name: s for s in SCORERS}
CONSTRAINT_SPECS = {c.name: c for c in CONSTRAINTS}
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw: Any, max_mentees: int = 7, max_mentors: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = draw(st.integers(0, max_mentees))
    n = draw(st.integers(0, max_mentors))
    # Few distinct values: ties are where greedy and optimal differ most.
    scores = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 7.25]), min_size=m * n,
                                    max_size=m * n)), dtype=float).reshape(m, n)
    allowed = np.array(draw(st.lists(st.booleans(), min_size=m * n, max_size=m * n)), dtype=bool).reshape(m, n)
    capacity = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int64)
    return scores, allowed, capacity


def check_valid(pairs: list[tuple[int, int]], allowed: np.ndarray, capacity: np.ndarray) -> None:
    mentees = [i for i, _ in pairs]
    assert len(mentees) == len(set(mentees)), "a mentee got two mentors"
    for i, j in pairs:
        assert allowed[i, j], f"pair {(i, j)} violates a constraint"
    for j in range(len(capacity)):
        assert sum(1 for _, b in pairs if b == j) <= capacity[j], f"mentor {j} over capacity"


def brute_force(scores: np.ndarray, allowed: np.ndarray, capacity: np.ndarray) -> float:
    """The best total by trying every assignment (tiny instances only)."""
    m, n = scores.shape
    best = 0.0
    for choice in itertools.product(range(-1, n), repeat=m):
        load = np.bincount([j for j in choice if j >= 0], minlength=n)
        if any(j >= 0 and not allowed[i, j] for i, j in enumerate(choice)) or (load > capacity).any():
            continue
        best = max(best, sum(scores[i, j] for i, j in enumerate(choice) if j >= 0))
    return best


@FAST
@given(instances())
def test_every_algorithm_respects_constraints_and_capacities(instance: Any) -> None:
    scores, allowed, capacity = instance
    results = [assignment.greedy(scores, allowed, capacity),
               assignment.optimal(scores, allowed, capacity),
               assignment.optimal(scores, allowed, capacity, candidates=1)]
    for result in results:
        check_valid(result.pairs, allowed, capacity)


@FAST
@given(instances())
def test_optimal_is_at_least_as_good_as_greedy_and_is_the_true_optimum(instance: Any) -> None:
    scores, allowed, capacity = instance
    greedy = assignment.greedy(scores, allowed, capacity).total(scores)
    best = brute_force(scores, allowed, capacity) if scores.size <= 24 else None
    for candidates in (1, 12):
        total = assignment.optimal(scores, allowed, capacity, candidates=candidates).total(scores)
        assert total >= greedy - 1e-9
        if best is not None:
            assert total == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_larger_random_instances_match_scipy_on_the_expanded_matrix(seed: int) -> None:
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(seed)
    m, n = 300, 60
    scores = np.round(rng.random((m, n)) * 5, 2)
    allowed = rng.random((m, n)) < 0.6
    capacity = rng.integers(1, 6, n)
    greedy = assignment.greedy(scores, allowed, capacity)
    optimal = assignment.optimal(scores, allowed, capacity)
    for result in (greedy, optimal):
        check_valid(result.pairs, allowed, capacity)
    slot = np.repeat(np.arange(n), capacity)
    value = np.where(allowed, scores, 0.0)[:, slot]
    rows, cols = linear_sum_assignment(value, maximize=True)
    assert optimal.total(scores) == pytest.approx(float(value[rows, cols].sum()), abs=1e-6)
    assert optimal.total(scores) >= greedy.total(scores)


def test_greedy_can_be_beaten() -> None:
    """The textbook case: greedy grabs the best pair and strands the other mentee."""
    scores = np.array([[10.0, 9.0], [9.0, 0.0]])
    allowed = np.array([[True, True], [True, False]])
    capacity = np.array([1, 1])
    assert assignment.greedy(scores, allowed, capacity).pairs == [(0, 0)]
    assert assignment.optimal(scores, allowed, capacity).pairs == [(0, 1), (1, 0)]


# -- scoring --------------------------------------------------------------------------------------------------

LANGS = st.lists(st.sampled_from(["en", "da", "de"]), max_size=2, unique=True)
SKILLS = st.lists(st.sampled_from(["python", "sql", "design", "sales", "law"]), max_size=4, unique=True)
STAGES = st.sampled_from(["student", "junior", "mid", "senior", "executive"])


@st.composite
def profiles(draw: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {"languages": draw(LANGS), "skills_offered": draw(SKILLS),
                               "skills_sought": draw(SKILLS), "career_stage": draw(STAGES),
                               "utc_offset": draw(st.sampled_from([-5, 0, 1, 5.5, 9, 13])),
                               "industry": draw(st.sampled_from(["it", "IT ", "media", "law"])),
                               "interests": draw(st.sampled_from(["", "jazz and chess", "Chess, hiking", "the end"])),
                               "availability": draw(st.lists(st.sampled_from(["mon", "tue", "fri"]), unique=True)),
                               "reporting_line": draw(st.sampled_from([[], ["a", "boss"], ["b", "a", "boss"],
                                                                       ["boss"], ["c", "boss"]]))}
    return {k: v for k, v in profile.items() if draw(st.booleans()) or k == "languages"}


def score(mentees: list[dict[str, Any]], mentors: list[dict[str, Any]], raw: dict[str, Any] | None = None,
          **kwargs: Any) -> Any:
    settings_ = MatchingSettings.parse(raw or MATCHING)
    return score_pool(settings_, SCORER_SPECS, CONSTRAINT_SPECS,
                      ProfileTable.of([(i + 1, p) for i, p in enumerate(mentees)]),
                      ProfileTable.of([(100 + j, p) for j, p in enumerate(mentors)]), **kwargs)


@FAST
@given(st.lists(profiles(), min_size=1, max_size=5), st.lists(profiles(), min_size=1, max_size=4))
def test_breakdowns_add_up_exactly_and_constraints_hold(mentees: Any, mentors: Any) -> None:
    matrix = score(mentees, mentors)
    for i, j in itertools.product(range(len(mentees)), range(len(mentors))):
        parts = matrix.breakdown(i, j)
        assert [p["key"] for p in parts] == [c.get("key") or c["name"] for c in MATCHING["criteria"]]
        assert sum(p["contribution"] for p in parts) == matrix.score(i, j)  # exactly, not approximately
        for p in parts:
            assert 0.0 <= p["value"] <= 1.0
            assert p["contribution"] == p["weight"] * p["value"]
        if matrix.allowed[i, j]:
            assert set(mentees[i]["languages"]) & set(mentors[j]["languages"])
            mentee_line, mentor_line = mentees[i].get("reporting_line", []), mentors[j].get("reporting_line", [])
            assert not (mentor_line[:1] and mentor_line[0] in mentee_line[1:])
            assert not (mentee_line[:1] and mentee_line[0] in mentor_line[1:])


def test_built_in_criteria_values() -> None:
    mentee = {"languages": ["en"], "skills_sought": ["Python", "SQL"], "industry": "IT", "utc_offset": -11,
              "career_stage": "junior", "interests": "Jazz and chess, mostly chess", "availability": ["mon", "tue"]}
    mentor = {"languages": ["EN", "da"], "skills_offered": ["python"], "industry": "it ", "utc_offset": 13,
              "career_stage": "senior", "interests": "chess and hiking", "availability": ["tue"]}
    parts = {p["key"]: p["value"] for p in score([mentee], [mentor]).breakdown(0, 0)}
    assert parts == {
        "skills_overlap": 0.5,  # one of the two skills sought
        "same_industry": 1.0,  # case and spaces do not matter
        "shared_language": 1.0,
        "timezone_distance": 1.0,  # UTC-11 and UTC+13 are the same time of day
        "seniority_gap": 1.0,  # junior -> senior is the ideal two steps
        "interests": 0.25,  # {jazz, chess, mostly} and {chess, hiking} share 1 of 4 words
        "availability": 0.5,
        "mentee_preference": 0.0,
    }


def test_constraints_forbid_and_excluded_pairs_and_self_pairs_are_never_allowed() -> None:
    boss = {"languages": ["en"], "reporting_line": ["boss"]}
    worker = {"languages": ["en"], "reporting_line": ["w1", "boss"]}
    german = {"languages": ["de"]}
    matrix = score([worker, german], [boss, {"languages": ["en", "de"]}], excluded={(2, 101)})
    assert matrix.allowed.tolist() == [[False, True], [False, False]]


def test_a_failing_or_misshapen_scorer_names_its_plugin() -> None:
    from mentorflow import PluginError
    from mentorflow.plugins.matching import scorer

    @scorer("broken")
    def broken(ctx: Any, params: Any) -> Any:
        return np.zeros((1, 1))

    specs = {**SCORER_SPECS, "broken": broken.__class__(**{**broken.__dict__, "plugin": "acme"})}
    raw = {"criteria": [{"name": "broken"}]}
    with pytest.raises(PluginError, match=r"acme.*expected \(2, 1\)"):
        score_pool(MatchingSettings.parse(raw), specs, CONSTRAINT_SPECS,
                   ProfileTable.of([(1, {}), (2, {})]), ProfileTable.of([(3, {})]))


def test_a_per_pair_plugin_scorer_gives_what_its_vectorised_fast_path_gives() -> None:
    from mentorflow.plugins.matching import pair_scorer
    from mentorflow.plugins.matching.scoring import PoolScorer

    def closeness(ctx: Any, params: Any) -> np.ndarray:
        a, b = ctx.mentees.numbers("years_experience"), ctx.mentor_numbers("years_experience")
        return np.nan_to_num(1 / (1 + np.abs(a[:, None] - b[None, :])), nan=0.0)

    def by_pair(mentee: Any, mentor: Any, params: Any) -> float:
        a, b = mentee.get("years_experience"), mentor.get("years_experience")
        return 0.0 if a is None or b is None else 1 / (1 + abs(a - b))

    slow = pair_scorer("closeness")(by_pair)
    fast = pair_scorer("closeness", score_block=closeness)(by_pair)
    rng = np.random.default_rng(1)
    mentees = ProfileTable.of([(i + 1, {"years_experience": int(rng.integers(0, 30))} if i % 7 else {})
                               for i in range(60)])
    mentors = ProfileTable.of([(100 + j, {"years_experience": int(rng.integers(0, 30))}) for j in range(25)])
    raw = {"criteria": [{"name": "closeness", "weight": 2}]}
    results = []
    for spec in (slow, fast):
        source = PoolScorer(MatchingSettings.parse(raw), {"closeness": spec}, CONSTRAINT_SPECS, mentees, mentors,
                            block_cells=200)  # blocks of 8 mentees: the per-mentor cache is shared across them
        total = np.vstack([block.total for block in source.blocks()])
        results.append((total, assignment.solve(source, np.full(25, 2)).pairs))
    assert np.array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


@FAST
@given(st.lists(profiles(), min_size=1, max_size=6), st.lists(profiles(), min_size=1, max_size=5))
def test_blocks_of_a_pool_give_the_scores_of_the_whole_matrix(mentees: Any, mentors: Any) -> None:
    """Scoring in blocks, and of single pairs (as breakdowns are), changes no number."""
    from mentorflow.plugins.matching.scoring import PoolScorer

    whole = score(mentees, mentors)
    source = PoolScorer(MatchingSettings.parse(MATCHING), SCORER_SPECS, CONSTRAINT_SPECS, whole.mentees,
                        whole.mentors, block_cells=len(mentors) * 2)
    for block in source.blocks():
        assert np.array_equal(block.total, whole.total[block.rows])
        assert np.array_equal(block.allowed, whole.allowed[block.rows])
    pairs = list(itertools.product(range(len(mentees)), range(len(mentors))))
    scores, breakdowns = source.pairs(pairs)
    for (i, j), value, parts in zip(pairs, scores, breakdowns, strict=True):
        assert value == whole.score(i, j) and parts == whole.breakdown(i, j)
