"""Matching forms groups, circles and co-mentoring teams (issue #18), checked against an exact solver.

The formation (:mod:`mentorflow.plugins.matching.groups`) is compared with the exact lexicographic optimum of a
MILP (HiGHS through SciPy) on small random instances: exact where the objective decomposes (fit only, loads within
the bounds), feasible and under its stated upper bound everywhere. Then runs of the shipped templates
first-year-cohort (group), professional-circle (circle) and entrepreneur-co-mentoring, given matching settings,
propose groups within the format's bounds, and approving one starts ONE relationship with all its members, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
import pytest

from mentorflow import Engine
from mentorflow.errors import TransitionError
from mentorflow.gdpr import export_person
from mentorflow.plugins.matching import api
from mentorflow.plugins.matching.groups import Diversity, Problem, exact_formation, fits, form, group_value
from mentorflow.schemas import template_paths
from mentorflow.testing import Factory


def random_problem(rng: np.random.Generator, members: int, anchors: int, low: int, high: int, groups: int = 1,
                   member_capacity: int = 1) -> Problem:
    allowed = rng.random((members, anchors)) < 0.8
    score = rng.integers(0, 5, (members, anchors)) / 4  # quarter points: ties are common
    r, c = np.nonzero(allowed)
    return Problem(members, anchors, r.astype(np.int64), c.astype(np.int64), score[r, c].astype(float),
                   np.full(anchors, groups, dtype=np.int64), np.full(members, member_capacity, dtype=np.int64),
                   low, high)


def check_feasible(p: Problem, formed: Any) -> None:
    fit = p.fit_of()
    seen: dict[int, set[int]] = {}
    for g in formed.groups:
        assert p.low <= len(g.members) <= p.high
        for i in g.members:
            assert (i, g.anchor) in fit
            assert g.anchor not in seen.setdefault(i, set())  # never twice with one anchor
            seen[i].add(g.anchor)
        assert math.isclose(g.score, math.fsum(g.member_scores()), abs_tol=1e-9)
    for i, anchors in seen.items():
        assert len(anchors) <= p.member_capacity[i]
    for j in range(p.anchors):
        assert sum(1 for g in formed.groups if g.anchor == j) <= p.groups[j]


def test_fit_only_within_bounds_is_exact_and_equals_the_milp() -> None:
    rng = np.random.default_rng(7)
    for _ in range(12):
        p = random_problem(rng, 9, 3, 1, 4)  # a minimum of 1: every load fits, the fit decomposes
        formed = form(p)
        assert formed.exact and formed.gap == 0
        check_feasible(p, formed)
        total, placed = exact_formation(p)
        assert math.isclose(formed.total, total, abs_tol=1e-6) and formed.placed == placed


def test_co_mentoring_shape_members_in_several_groups_is_exact() -> None:
    rng = np.random.default_rng(3)
    for _ in range(8):
        p = random_problem(rng, 6, 4, 1, 2, member_capacity=2)  # mentors (members) in up to 2 teams
        formed = form(p)
        check_feasible(p, formed)
        total, placed = exact_formation(p)
        assert math.isclose(formed.total, total, abs_tol=1e-6) and formed.placed == placed


def test_bounds_cohesion_and_diversity_stay_feasible_and_under_the_bound() -> None:
    """The NP-hard cases: the heuristic is feasible, never above the optimum, the optimum never above its bound,
    and the measured gap is small (docs/benchmarks.md reports it)."""
    rng = np.random.default_rng(11)
    gaps = []
    for t in range(16):
        p = random_problem(rng, 10, 3, 3, 4)
        matrix = np.triu(rng.integers(0, 3, (10, 10)) / 4, 1)
        matrix = matrix + matrix.T
        cohesion = (lambda r, c, matrix=matrix: matrix[np.ix_(r, c)]) if t % 2 else None
        diversity = Diversity(rng.integers(-1, 3, 10), 0.5) if t % 3 == 0 else None
        formed = form(p, cohesion=cohesion, diversity=diversity)
        check_feasible(p, formed)
        for g in formed.groups:  # the explanation adds up to the group's value computed from scratch
            assert math.isclose(g.score, group_value(p, g.anchor, g.members, matrix if cohesion else None, diversity),
                                abs_tol=1e-9)
        total, _placed = exact_formation(p, matrix if cohesion else None, diversity)
        assert formed.total <= total + 1e-6 <= formed.bound + 2e-6
        gaps.append((total - formed.total) / total if total else 0.0)
    assert max(gaps) <= 0.15 and float(np.mean(gaps)) <= 0.05, gaps


def test_fits() -> None:
    assert fits(0, 1, 3, 8) and fits(3, 1, 3, 8) and not fits(2, 1, 3, 8) and not fits(9, 1, 3, 8)
    assert fits(9, 2, 3, 8) and not fits(5, 2, 3, 4)


# -- runs of the shipped templates, through the API, on both databases ------------------------------------------
PROFILE = {"type": "object", "additionalProperties": False, "required": ["languages"], "properties": {
    "languages": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "goals": {"type": "array", "items": {"type": "string"}},
    "faculty": {"type": "string"},
    "capacity": {"type": "integer", "minimum": 0, "maximum": 10}}}


def matching_template(name: str, **groups: Any) -> dict[str, Any]:
    document = json.loads(template_paths()[name].read_text("utf-8"))
    document["programme"].setdefault("settings", {})["matching"] = {
        "profile_schema": copy.deepcopy(PROFILE),
        "criteria": [{"name": "overlap", "key": "goals", "weight": 2, "params": {"field": "goals"}},
                     {"name": "shared_language", "weight": 1}],
        "constraints": [{"name": "shared_language"}],
        **({"groups": groups} if groups else {}),
    }
    return document


class Pool:
    def __init__(self, factory: Factory, name: str, document: dict[str, Any]) -> None:
        self.engine: Engine = factory.engine
        self.factory, self.key = factory, name
        factory.programme(name, document)
        self.coordinator = factory.person(f"Coordinator of {name}", role="coordinator", programme=name)

    def add(self, role: str, label: str, **profile: Any) -> int:
        person = self.factory.person(label, role=role, programme=self.key)
        api.set_profile(self.engine, self.key, person, role, {"languages": ["en"], **profile}, self.coordinator)
        return person


def relationship(engine: Engine, relationship_id: int | None) -> Any:
    return next(r for r in engine.list_relationships()[0] if r.id == relationship_id)


def check_explained(group: Any) -> None:
    for member in group.members:
        assert math.isclose(math.fsum(p["contribution"] for p in member["breakdown"]), member["score"],
                            abs_tol=1e-9)
    assert math.isclose(math.fsum(m["score"] for m in group.members), group.score, abs_tol=1e-9)


def test_group_programme_forms_groups_and_approval_starts_one_relationship(mentorflow_factory: Factory) -> None:
    pool = Pool(mentorflow_factory, "first-year-cohort", matching_template(
        "first-year-cohort", cohesion=[{"name": "overlap", "weight": 1, "params": {"field": "goals"}}],
        diversity={"field": "faculty", "weight": 0.5}))
    mentors = [pool.add("mentor", f"Mentor {k}", goals=["study", "social"][k:k + 1], capacity=1) for k in range(2)]
    mentees = [pool.add("mentee", f"Student {k}", goals=[["study"], ["social"]][k % 2],
                        faculty=["science", "arts", "law"][k % 3]) for k in range(9)]
    danish = pool.add("mentee", "Only Danish", languages=["da"])  # shares no language: placed nowhere
    result = api.run_matching(pool.engine, pool.key, pool.coordinator)
    assert result.method == "group-flow+local-search" and result.stats["format"] == "group"
    assert len(result.groups) == 2 and {g.anchor_id for g in result.groups} == set(mentors)
    placed = [p for g in result.groups for p in g.people("mentee")]
    assert sorted(placed) == sorted(mentees) and danish in result.stats["unplaced_ids"]
    for group in result.groups:
        assert 3 <= len(group.people("mentee")) <= 8 and len(group.people("mentor")) == 1
        check_explained(group)
    assert result.total_score <= result.stats["bound"] + 1e-9
    again = api.get_run(pool.engine, result.run_id, pool.coordinator)
    assert [g.members for g in again.groups] == [g.members for g in result.groups]
    chosen = result.groups[0]
    approved = api.approve_group(pool.engine, chosen.id, pool.coordinator)
    assert approved.status == "approved" and approved.relationship_id is not None
    rel = relationship(pool.engine, approved.relationship_id)
    assert set(rel.people("mentee")) == set(chosen.people("mentee"))
    assert rel.people("mentor") == tuple(chosen.people("mentor"))
    with pytest.raises(TransitionError):
        api.approve_group(pool.engine, chosen.id, pool.coordinator)
    # A member's data export holds the group proposals they are in, with their own part of the score only.
    student = chosen.people("mentee")[0]
    exported = export_person(pool.engine, student)["plugins"]["matching"]["group_proposals"]
    mine = next(m for m in chosen.members if m["person_id"] == student)
    assert [(e["run_id"], e["role"], e["status"]) for e in exported] == [(result.run_id, "mentee", "approved")]
    assert exported[0]["score"] == pytest.approx(mine["score"]) and "person_id" not in json.dumps(exported)
    assert export_person(pool.engine, danish)["plugins"]["matching"]["group_proposals"] == []  # placed nowhere


def test_circle_programme_forms_circles_with_a_facilitator(mentorflow_factory: Factory) -> None:
    pool = Pool(mentorflow_factory, "professional-circle", matching_template(
        "professional-circle", cohesion=[{"name": "shared_language", "weight": 1}]))
    facilitator = pool.add("facilitator", "Facilitator", capacity=1)
    peers = [pool.add("peer", f"Peer {k}", goals=["growth"]) for k in range(7)]
    result = api.run_matching(pool.engine, pool.key, pool.coordinator)
    assert len(result.groups) == 1
    circle = result.groups[0]
    assert circle.people("facilitator") == [facilitator] and sorted(circle.people("peer")) == peers
    check_explained(circle)
    approved = api.approve_group(pool.engine, circle.id, pool.coordinator)
    rel = relationship(pool.engine, approved.relationship_id)
    assert rel.people("facilitator") == (facilitator,) and sorted(rel.people("peer")) == peers
    # A second run finds nobody left to place: the peers are in an active circle now.
    assert api.run_matching(pool.engine, pool.key, pool.coordinator, store=False).groups == []


def test_co_mentoring_gives_each_mentee_two_mentors(mentorflow_factory: Factory) -> None:
    pool = Pool(mentorflow_factory, "entrepreneur-co-mentoring", matching_template("entrepreneur-co-mentoring"))
    mentees = [pool.add("mentee", f"Founder {k}", goals=["funding", "product"]) for k in range(2)]
    mentors = [pool.add("mentor", f"Mentor {k}", goals=[["funding"], ["product"]][k % 2], capacity=1)
               for k in range(5)]
    result = api.run_matching(pool.engine, pool.key, pool.coordinator)
    assert sorted(g.anchor_id for g in result.groups) == mentees
    used: list[int] = []
    for team in result.groups:
        assert team.people("mentee") == [team.anchor_id] and len(team.people("mentor")) == 2
        used += team.people("mentor")
        check_explained(team)
    assert len(set(used)) == 4 and set(used) <= set(mentors)  # capacity 1: nobody in two teams
    for team in result.groups:
        approved = api.approve_group(pool.engine, team.id, pool.coordinator)
        rel = relationship(pool.engine, approved.relationship_id)
        assert rel.people("mentee") == (team.anchor_id,) and set(rel.people("mentor")) == set(team.people("mentor"))
    assert api.get_run(pool.engine, result.run_id, pool.coordinator).stats["placed"] == 4


def test_group_settings_are_checked_with_pointers(mentorflow_factory: Factory) -> None:
    from mentorflow import WorkflowInvalid

    document = matching_template("first-year-cohort", cohesion=[{"name": "nope"}],
                                 diversity={"field": "department"})
    with pytest.raises(WorkflowInvalid) as caught:
        mentorflow_factory.programme("bad-groups", document)
    pointers = {p.pointer for p in caught.value.problems}
    assert "/programme/settings/matching/groups/cohesion/0/name" in pointers
    assert "/programme/settings/matching/groups/diversity/field" in pointers


def test_cli_forms_the_groups_of_a_group_programme(mentorflow_factory: Factory, mentorflow_database_url: str) -> None:
    from tests.test_matching_cli import finish, run

    pool = Pool(mentorflow_factory, "first-year-cohort", matching_template("first-year-cohort"))
    pool.add("mentor", "Mentor", goals=["study"], capacity=1)
    for k in range(4):
        pool.add("mentee", f"Student {k}", goals=["study"])
    code, out, err = finish(run("match", pool.key, "--database-url", mentorflow_database_url))
    assert code == 0, err
    assert "group-flow; 1 group(s) of group formed, 4 of 4 placed, total score 12.0000 (at most 12.0000)" in out
    runs = api.list_runs(pool.engine, pool.key, pool.coordinator)
    assert runs[0].stats["exact"] and runs[0].stats["groups"] == 1
