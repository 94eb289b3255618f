"""Choices providers: ``"choices_from"`` on a form field, checked at load time and when the form is submitted."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from mentorflow import (
    ChoiceContext,
    ConfigurationError,
    Engine,
    Forbidden,
    FormInvalid,
    ManualClock,
    PluginError,
    WorkflowInvalid,
    choices_provider,
    hookimpl,
)
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.registry import collect_choices, make_loader
from mentorflow.testing import Factory, default_workflow
from mentorflow.workflow.loader import WorkflowLoader
from tests.test_templates import Journey


@pytest.fixture(scope="module")
def loader() -> WorkflowLoader:
    return make_loader(build_plugin_manager())


def test_an_unknown_provider_is_a_problem_at_its_pointer(loader: WorkflowLoader) -> None:
    document = default_workflow()
    document["forms"]["goal_confirmation"]["fields"]["goal_id"]["choices_from"] = "goals.mine"
    document["forms"]["closure_form"]["fields"]["goals"]["items"]["goal_id"]["choices_from"] = "nothing.here"
    with pytest.raises(WorkflowInvalid) as caught:
        loader.load(document)
    found = {p.pointer: p.message for p in caught.value.problems}
    assert set(found) == {"/forms/goal_confirmation/fields/goal_id/choices_from",
                          "/forms/closure_form/fields/goals/items/goal_id/choices_from"}
    assert found["/forms/goal_confirmation/fields/goal_id/choices_from"].startswith(
        "no loaded plugin offers choices called 'goals.mine' (known: closure.mentors, closure.reasons, ")
    # Only a provider's name fits there: no code, no expression.
    document = default_workflow()
    document["forms"]["goal_confirmation"]["fields"]["goal_id"]["choices_from"] = "goals.open; drop"
    assert {p.pointer for p in loader.check(document)} == {"/forms/goal_confirmation/fields/goal_id/choices_from"}


def test_the_shipped_forms_name_their_providers(loader: WorkflowLoader) -> None:
    workflow = loader.load(default_workflow())
    found = {(name, "/".join(f.path), f.provider) for name, form in workflow.forms.items() for f in form.choice_fields}
    assert found == {
        ("goal_confirmation", "goal_id", "goals.to_confirm"), ("goal_progress", "goal_id", "goals.open"),
        ("goal_status", "goal_id", "goals.open"), ("meeting_rating", "meeting_id", "meetings.logged"),
        ("adjustment", "items/*/goal_id", "goals.open"), ("closure_form", "goals/*/goal_id", "goals.not_dropped"),
        ("reflection", "progress/*/goal_id", "goals.open"), ("early_closure", "reason", "closure.reasons"),
        ("reassignment", "mentor_id", "closure.mentors")}


class Colours:
    """A plugin offering colours, the mentee's own only to the mentee."""

    def __init__(self, name: str = "colours.pick") -> None:
        @choices_provider(name, description="Colours")
        def pick(ctx: ChoiceContext) -> list[tuple[str, str]]:
            if ctx.role == "mentee":
                return [("red", "Red"), ("blue", "Blue")]
            raise RuntimeError("colours are the mentee's business")

        self.spec = pick

    @hookimpl
    def mentorflow_register_choices(self) -> list[Any]:
        return [self.spec]


def test_a_provider_name_registered_twice_names_both_plugins() -> None:
    pm = build_plugin_manager([("one", Colours()), ("two", Colours())], load_entrypoints=False)
    with pytest.raises(ConfigurationError, match="registered by both 'one' and 'two'"):
        collect_choices(pm)


def test_a_failing_provider_is_a_plugin_error_naming_it(mentorflow_database_url: str) -> None:
    engine = Engine(mentorflow_database_url, clock=ManualClock(), plugins=[("colours", Colours())])
    document = copy.deepcopy(default_workflow())
    document["forms"]["pulse"]["schema"]["properties"]["colour"] = {"type": "string"}
    document["forms"]["pulse"]["fields"]["colour"] = {"label": {"en": "Colour", "da": "Farve"},
                                                      "choices_from": "colours.pick"}
    factory = Factory(engine)
    factory.programme("colourful", document)
    rel = factory.relationship("colourful")
    assert engine.form_choices(rel, rel.mentee_id, "pulse") == {"colours.pick": [("red", "Red"), ("blue", "Blue")]}
    with pytest.raises(PluginError, match=r"Plugin 'colours' failed in choices colours\.pick"):
        engine.form_choices(rel, rel.mentor_id, "pulse")


@pytest.fixture
def journeys(mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: ManualClock
             ) -> tuple[Journey, Journey]:
    """Two relationships of the default programme, each with one goal the mentee proposed and nothing else."""
    first = Journey(mentorflow_engine, mentorflow_factory, mentorflow_clock, "default")
    second = Journey(mentorflow_engine, mentorflow_factory, mentorflow_clock, "default")
    for j, title in ((first, "Finish the thesis"), (second, "Learn to negotiate")):
        j.fire("propose_agreement", "mentor")
        j.fire("sign_agreement", "mentor", {"accept": True, "version": 1})
        j.fire("sign_agreement", "mentee", {"accept": True, "version": 1})
        j.later(3)
        j.fire("agree", "mentee")
        j.fire("add_goal", "mentee", {"title": title}, everything=False)
    return first, second


def test_the_options_are_the_viewers_own(journeys: tuple[Journey, Journey], mentorflow_engine: Engine) -> None:
    first, second = journeys
    [goal] = first.goal_ids()
    engine = mentorflow_engine
    assert engine.form_choices(first.rel, first.people["mentor"], "goal_confirmation") == {
        "goals.to_confirm": [(goal, "Finish the thesis")]}
    # The mentee proposed it, so only the mentor confirms it; the other pair sees nothing of it.
    assert engine.form_choices(first.rel, first.people["mentee"], "goal_confirmation") == {"goals.to_confirm": []}
    assert engine.form_choices(first.rel, first.people["mentee"], "goal_progress") == {
        "goals.open": [(goal, "Finish the thesis")]}
    assert engine.form_choices(first.rel, first.people["mentee"], "pulse") == {}
    assert engine.form_choices(first.rel, first.people["mentor"], ("goal_confirmation", "closure_form")) == {
        "goals.to_confirm": [(goal, "Finish the thesis")], "goals.not_dropped": [(goal, "Finish the thesis")]}
    with pytest.raises(Forbidden):
        engine.form_choices(first.rel, second.people["mentor"], "goal_progress")

    first.fire("log_meeting", "mentee", {"date": "2026-01-05", "duration_minutes": 45, "format": "video"},
               everything=False)
    [(meeting, label)] = engine.form_choices(first.rel, first.people["mentor"], "meeting_rating")["meetings.logged"]
    assert label == "Jan 5, 2026 · video · 45 min"
    first.fire("rate_meeting", "mentor", {"meeting_id": meeting, "rating": 4}, everything=False)
    assert engine.form_choices(first.rel, first.people["mentor"], "meeting_rating") == {
        "meetings.logged": [(meeting, "Jan 5, 2026 · video · 45 min (you rated it)")]}


def test_a_value_not_offered_is_refused_at_its_pointer_and_nothing_is_written(
        journeys: tuple[Journey, Journey], mentorflow_engine: Engine) -> None:
    first, second = journeys
    for j in journeys:
        [goal] = j.goal_ids()
        j.fire("agree_goal", "mentor", {"goal_id": goal}, everything=False)
        j.fire("start_reflecting", "mentor")
    [mine], [theirs] = first.goal_ids(), second.goal_ids()
    before = mentorflow_engine.get(first.rel.id)
    history = len(mentorflow_engine.timeline(first.rel))
    # The reflection's own effect does not know goals: the choices check keeps the other pair's goal out.
    with pytest.raises(FormInvalid) as caught:
        first.fire("submit_reflection", "mentee", {"went_well": "Good", "progress": [
            {"goal_id": mine, "percent": 30}, {"goal_id": theirs, "percent": 90}]}, everything=False)
    assert [(p.pointer, p.message) for p in caught.value.problems] == [
        ("/progress/1/goal_id", f"{theirs} is not one of the choices offered here")]
    assert mentorflow_engine.get(first.rel.id) == before
    assert len(mentorflow_engine.timeline(first.rel)) == history
    # A boolean is never taken for an id, even where 1 is offered.
    with pytest.raises(FormInvalid):
        first.fire("submit_reflection", "mentee", {"went_well": "Good", "progress": [{"goal_id": True}]},
                   everything=False)
    # An effect that checks for itself says more, and its message wins.
    with pytest.raises(FormInvalid) as own:
        first.fire("update_goal_progress", "mentee", {"goal_id": theirs, "progress": 10}, everything=False)
    assert [p.message for p in own.value.problems] == [f"goal {theirs} is not one of this relationship's goals"]
    first.fire("submit_reflection", "mentee", {"went_well": "Good", "progress": [{"goal_id": mine, "percent": 30}]},
               everything=False)
    assert first.rel.version == before.version + 1


def test_the_closure_form_takes_only_this_pairs_goals(journeys: tuple[Journey, Journey]) -> None:
    first, second = journeys
    [mine], [theirs] = first.goal_ids(), second.goal_ids()
    first.fire("agree_goal", "mentor", {"goal_id": mine}, everything=False)
    first.fire("start_reflecting", "mentor")
    first.fire("begin_closure", "mentee")
    form = {"learned": "A lot", "satisfaction": 4}
    with pytest.raises(FormInvalid) as caught:
        first.fire("submit_closure_form", "mentor", {**form, "goals": [{"goal_id": theirs, "attained": "fully"}]},
                   everything=False)
    assert [p.pointer for p in caught.value.problems] == ["/goals/0/goal_id"]
    first.fire("submit_closure_form", "mentor", {**form, "goals": [{"goal_id": mine, "attained": "fully"}]},
               everything=False)


def test_the_open_edx_panel_offers_the_goal_to_confirm(journeys: tuple[Journey, Journey],
                                                        mentorflow_engine: Engine) -> None:
    """The XBlock renders the shared panel: the mentor's confirmation form lists the mentee's goal by title."""
    pytest.importorskip("xblock")
    from mentorflow.integrations.openedx import mentoring
    from mentorflow.integrations.shared.rendering import render

    first, _second = journeys
    [goal] = first.goal_ids()
    [panel] = mentoring.panels(mentorflow_engine, [first.rel], first.people["mentor"], "mf-")
    html = render("_body.html", {"programme": {"name": "Mentoring"}, "panels": [panel], "prefix": "mf-",
                                 "form_url": lambda transition: "#", "hidden_fields": []},
                  "mentorflow.integrations.openedx")
    assert re.search(rf'<option value="{goal}"[^>]*>Finish the thesis</option>', html), html
