"""programme.settings.matching is checked when a workflow loads: every problem with its JSON pointer."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from mentorflow import Engine, WorkflowInvalid
from mentorflow.testing import default_workflow
from tests.workflows_matching import MATCHING, extend, with_matching

BASE = "/programme/settings/matching"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = Engine("sqlite://")  # loading a workflow needs the plugins, not tables
    yield engine
    engine.db.dispose()


def problems(engine: Engine, **overrides: Any) -> dict[str, str]:
    with pytest.raises(WorkflowInvalid) as caught:
        engine.load_workflow(with_matching(default_workflow(), **overrides))
    return {p.pointer: p.message for p in caught.value.problems}


def criteria(*changes: tuple[int, dict[str, Any]]) -> list[dict[str, Any]]:
    out = copy.deepcopy(MATCHING["criteria"])
    for index, change in changes:
        out[index] = change
    return out


def test_the_example_configuration_loads(engine: Engine) -> None:
    workflow = engine.load_workflow(extend(default_workflow()))
    assert workflow.programme["settings"]["matching"]["mode"] == "coordinator-assigned"
    for mode in ("mentee-requests", "automatic"):
        engine.load_workflow(with_matching(default_workflow(), mode=mode, allow_multiple=True))


def test_unknown_criterion_names_are_rejected(engine: Engine) -> None:
    found = problems(engine, criteria=criteria((0, {"name": "star_sign", "weight": 2})))
    assert list(found) == [f"{BASE}/criteria/0/name"]
    assert "unknown criterion 'star_sign'" in found[f"{BASE}/criteria/0/name"]
    assert "skills_overlap" in found[f"{BASE}/criteria/0/name"]  # the known names are listed


def test_negative_weights_are_rejected(engine: Engine) -> None:
    found = problems(engine, criteria=criteria((2, {"name": "shared_language", "weight": -1})))
    assert found == {f"{BASE}/criteria/2/weight": "must be at least 0"}


def test_bad_params_are_rejected_with_pointers_into_the_params(engine: Engine) -> None:
    found = problems(engine, criteria=criteria(
        (1, {"name": "same_value", "key": "same_industry", "params": {"fld": "industry"}}),
        (3, {"name": "timezone_distance", "params": {"max_hours": 0}}),
        (4, {"name": "seniority_gap", "params": {"field": "career_stage", "levels": ["junior"]}}),
    ))
    assert found[f"{BASE}/criteria/1/params/fld"] == "'fld' is not allowed here (misspelt?) — did you mean 'field'?"
    assert found[f"{BASE}/criteria/3/params/max_hours"] == "must be more than 0"
    assert found[f"{BASE}/criteria/4/params/levels"] == "needs at least 2 item(s)"


def test_fields_missing_from_the_profile_schema_are_rejected(engine: Engine) -> None:
    found = problems(engine, criteria=criteria((1, {"name": "same_value", "key": "same_industry",
                                                    "params": {"field": "industri"}})),
                     constraints=[{"name": "shared_language", "params": {"field": "tongues"}}],
                     capacity_field="slots")
    assert found == {
        f"{BASE}/criteria/1/params/field": "profile field 'industri' is not in profile_schema",
        f"{BASE}/constraints/0/params/field": "profile field 'tongues' is not in profile_schema",
        f"{BASE}/capacity_field": "profile field 'slots' is not in profile_schema",
    }


def test_unknown_constraints_duplicate_keys_and_bad_settings(engine: Engine) -> None:
    found = problems(engine, constraints=[{"name": "same_star_sign"}],
                     criteria=criteria((1, {"name": "skills_overlap"})), mode="lottery",
                     request_expiry="two weeks", suggestions=0, surprise=True)
    assert set(found) == {f"{BASE}/constraints/0/name", f"{BASE}/criteria/1/name", f"{BASE}/mode",
                          f"{BASE}/request_expiry", f"{BASE}/suggestions", f"{BASE}/surprise"}
    assert "already used by criteria/0" in found[f"{BASE}/criteria/1/name"]


def test_a_bad_profile_schema_is_rejected(engine: Engine) -> None:
    found = problems(engine, profile_schema={"type": "object", "properties": {"age": {"type": "years"}},
                                             "$defs": {"x": {"$ref": "https://example.org/schema.json"}}})
    assert any(p.startswith(f"{BASE}/profile_schema/properties/age") for p in found)
    assert found[f"{BASE}/profile_schema/$defs/x/$ref"] == "only local references (#/...) are allowed"
    found = problems(engine, profile_schema={"type": "array"}, criteria=[], constraints=[])
    assert list(found) == [f"{BASE}/profile_schema/type"]
