"""Other plugins extend or replace the scoring through the matching plugin's own hooks."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from mentorflow import Engine, PluginError, WorkflowInvalid, hookimpl
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.plugins.matching import api, constraint, hookspecs, scorer
from mentorflow.plugins.matching.registry import REGISTRY_PLUGIN
from mentorflow.testing import Factory, default_workflow
from tests.workflows_matching import Cohort, with_matching


@scorer("same_city", params={"type": "object", "additionalProperties": False,
                             "properties": {"bonus": {"type": "number", "minimum": 0, "maximum": 1}}})
def same_city(ctx: Any, params: Any) -> np.ndarray:
    """1 (or ``bonus``) when both live in the same city."""
    left = np.array([p.get("location", "") for p in ctx.mentees.profiles], dtype=object)
    right = np.array([p.get("location", "") for p in ctx.mentors.profiles], dtype=object)
    return (left[:, None] == right[None, :]) * float(params.get("bonus", 1))


@scorer("skills_overlap")
def flat_skills(ctx: Any, params: Any) -> np.ndarray:
    """A replacement for the built-in: every pair gets 0.5."""
    return np.full(ctx.shape, 0.5)


@constraint("no_rivals")
def no_rivals(ctx: Any, params: Any) -> np.ndarray:
    """Mentors listed in a mentee's ``rivals`` are off limits."""
    return np.array([[m.get("location") not in (e.get("rivals") or []) for m in ctx.mentors.profiles]
                     for e in ctx.mentees.profiles], dtype=bool)


class Acme:
    @hookimpl
    def mentorflow_match_scorers(self) -> list[Any]:
        return [same_city, flat_skills]

    @hookimpl
    def mentorflow_match_constraints(self) -> list[Any]:
        return [no_rivals]


class Copycat:
    @hookimpl
    def mentorflow_match_scorers(self) -> list[Any]:
        return [same_city]


ACME = ("acme", Acme())


@pytest.fixture
def mentorflow_plugins() -> Sequence[Any]:
    return [ACME]


SETTINGS = {
    "criteria": [{"name": "same_city", "weight": 2, "params": {"bonus": 1}}, {"name": "skills_overlap", "weight": 1}],
    "constraints": [{"name": "no_rivals"}],
}


def test_a_plugin_adds_a_scorer_and_a_constraint_and_replaces_a_built_in(mentorflow_factory: Factory) -> None:
    document = with_matching(default_workflow(), **SETTINGS)
    cohort = Cohort(mentorflow_factory, document)
    aarhus, odense = cohort.mentor("Ada", location="Aarhus"), cohort.mentor("Bo", location="Odense")
    eva = cohort.mentee("Eva", location="Aarhus", skills_sought=["law"])
    finn = cohort.mentee("Finn", location="Odense")
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    pairs = {p.mentee_id: p for p in run.matched}
    assert pairs[eva].mentor_id == aarhus
    assert [(c["key"], c["value"], c["contribution"]) for c in pairs[eva].breakdown] == [
        ("same_city", 1.0, 2.0), ("skills_overlap", 0.5, 0.5)]  # the replacement, not the built-in (0.0)
    assert pairs[finn].mentor_id == odense


def test_a_plugin_constraint_forbids_pairs(mentorflow_factory: Factory) -> None:
    document = with_matching(default_workflow(), **SETTINGS, profile_schema={"type": "object"})
    cohort = Cohort(mentorflow_factory, document)
    cohort.mentor("Ada", location="Aarhus")
    finn = cohort.mentee("Finn", location="Aarhus", rivals=["Aarhus"])
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    assert run.matched == [] and [p.mentee_id for p in run.unmatched] == [finn]


def test_plugin_params_are_validated_when_the_workflow_loads(mentorflow_engine: Engine) -> None:
    bad = with_matching(default_workflow(), criteria=[{"name": "same_city", "params": {"bonus": 3}}])
    with pytest.raises(WorkflowInvalid) as caught:
        mentorflow_engine.load_workflow(bad)
    assert [p.pointer for p in caught.value.problems] == [
        "/programme/settings/matching/criteria/0/params/bonus"]


def test_two_plugins_claiming_one_name_is_a_configuration_error(tmp_path: Any) -> None:
    with pytest.raises(PluginError, match="'same_city' is registered by both 'acme' and 'copycat'"):
        Engine(f"sqlite:///{tmp_path / 'x.db'}", plugins=[ACME, ("copycat", Copycat())])


def test_hookspecs_are_documented_and_added_through_addhooks() -> None:
    specs = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("mentorflow_")]
    assert {f.__name__ for f in specs} == {"mentorflow_match_scorers", "mentorflow_match_constraints"}
    for function in specs:
        assert function.__doc__ and len(function.__doc__.strip()) > 80, function.__name__
    # The core replays mentorflow_addhooks as each plugin registers: a plugin manager alone (no engine, as in
    # `mentorflow validate`) has the hookspecs and checks settings.matching.
    pm = build_plugin_manager()
    assert pm.hook.mentorflow_match_scorers.has_spec()
    assert pm.get_plugin(REGISTRY_PLUGIN) is not None


def test_mentorflow_validate_checks_matching_settings(tmp_path: Any) -> None:
    from mentorflow.registry import make_loader

    bad = with_matching(default_workflow(), criteria=[{"name": "star_sign"}])
    problems = make_loader(build_plugin_manager()).check(bad)
    assert [p.pointer for p in problems] == ["/programme/settings/matching/criteria/0/name"]
