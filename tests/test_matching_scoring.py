"""The scoring's fast paths (issue #23) give the same numbers and never touch what a plugin's scorer keeps."""

from __future__ import annotations

import numpy as np

from mentorflow.plugins.matching.constraints import BUILT_IN as CONSTRAINTS
from mentorflow.plugins.matching.features import SetIndex
from mentorflow.plugins.matching.scorers import BUILT_IN as SCORERS
from mentorflow.plugins.matching.scoring import PoolScorer
from mentorflow.plugins.matching.settings import MatchingSettings
from mentorflow.plugins.matching.specs import ProfileTable, ScorerSpec


def tables() -> tuple[ProfileTable, ProfileTable]:
    mentees = ProfileTable.of([(i, {"languages": ["en", "da"][: 1 + i % 2], "skills_sought": ["a", "b", "c"][i % 3:],
                                    "utc_offset": float(i % 5)}) for i in range(1, 9)])
    mentors = ProfileTable.of([(100 + j, {"languages": ["en"] if j % 2 else ["da"],
                                          "skills_offered": ["a", "c"][j % 2:], "utc_offset": float(j % 3)})
                               for j in range(6)])
    return mentees, mentors


def test_a_plugin_scorers_kept_array_is_not_overwritten_by_its_weight() -> None:
    kept = np.full((8, 6), 0.5)

    def constant(ctx: object, params: object) -> np.ndarray:
        return kept  # a plugin may hand back an array it keeps (a cache)

    spec = ScorerSpec("constant", constant)
    settings = MatchingSettings.parse({"criteria": [{"name": "constant", "weight": 3},
                                                    {"name": "skills_overlap", "weight": 2}]})
    mentees, mentors = tables()
    source = PoolScorer(settings, {"constant": spec, **{s.name: s for s in SCORERS}},
                        {c.name: c for c in CONSTRAINTS}, mentees, mentors)
    first = source.scores(np.arange(8))[0]
    second = source.scores(np.arange(8))[0]
    assert (kept == 0.5).all()
    assert np.array_equal(first, second)
    detailed = source.block(np.arange(8))
    assert np.array_equal(detailed.total, first)  # the solver's totals are the breakdowns' totals, bit for bit


def test_totals_are_the_breakdowns_sums_bit_for_bit() -> None:
    settings = MatchingSettings.parse({"criteria": [
        {"name": "skills_overlap", "weight": 3}, {"name": "shared_language", "weight": 1},
        {"name": "timezone_distance", "weight": 0.7}, {"name": "overlap", "key": "langs", "weight": 1,
                                                       "params": {"field": "languages", "measure": "jaccard"}}]})
    mentees, mentors = tables()
    source = PoolScorer(settings, {s.name: s for s in SCORERS}, {c.name: c for c in CONSTRAINTS}, mentees, mentors)
    total = source.scores(np.arange(8))[0]
    block = source.block(np.arange(8))
    running = np.zeros_like(total)
    for part in block.parts:
        running += part
    assert np.array_equal(total, running) and np.array_equal(total, block.total)


def test_set_counts_are_exact_whole_numbers_in_float32() -> None:
    index = SetIndex([frozenset({"a", "b"}), frozenset({"b", "c", "d"})])
    inter, left, right = index.counts([frozenset({"b"}), frozenset({"a", "b", "d"}), frozenset()])
    assert inter.dtype == np.float32 and inter.tolist() == [[1, 1], [2, 2], [0, 0]]
    assert left.tolist() == [1, 3, 0] and right.tolist() == [2, 3]
