"""The one next step (``Engine.next_step``, #16) per stage and role, for a pair and a group, on both databases.

Also: every action with nothing to act on is disabled with its reason (never offered as an action), and a
third-party plugin contributes through ``mentorflow_nothing_to_act_on`` and ``mentorflow_next_step``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mentorflow import ConfigurationError, Engine, Forbidden, hookimpl
from mentorflow.clock import ManualClock
from mentorflow.integrations.shared.views import next_step_view
from mentorflow.integrations.web.demo import AGREEMENT
from mentorflow.next_step import NextStep, StepHint
from mentorflow.testing import Factory
from tests.test_group_formats import COHORT, Group, template, template_agreement

SIGN = {"accept": True, "version": 1}


def action(step: NextStep, transition: str) -> Any:
    return next(a for a in step.actions if a.id == transition)


def disabled_with(step: NextStep, transition: str) -> str:
    found = action(step, transition)
    assert not found.enabled and found.reasons, f"{transition} should be disabled with a reason"
    return "; ".join(found.reasons)


@pytest.fixture
def pair(mentorflow_engine: Engine, mentorflow_factory: Factory) -> dict[str, Any]:
    f = mentorflow_factory
    f.programme("default", template("default"))
    mentor = f.person("Morten Holm", role="mentor", programme="default")
    mentee = f.person("Mia Larsen", role="mentee", programme="default")
    coordinator = f.person("Carla Jensen", role="coordinator", programme="default")
    rel = mentorflow_engine.start_relationship("default", mentee=mentee, mentor=mentor, actor=coordinator)
    return {"rel": rel, "mentor": mentor, "mentee": mentee, "coordinator": coordinator}


def test_a_pairs_next_step_through_the_stages_for_each_side(mentorflow_engine: Engine, pair: dict[str, Any],
                                                           mentorflow_clock: ManualClock) -> None:
    engine, mentor, mentee = mentorflow_engine, pair["mentor"], pair["mentee"]
    rel = pair["rel"]

    def fire(transition: str, who: int, data: dict[str, Any] | None = None) -> None:
        nonlocal rel
        rel = engine.fire(rel, transition, who, data).relationship

    for person in (mentor, mentee):
        step = engine.next_step(rel, person)
        assert step.primary is not None and step.primary.id == "propose_agreement"
        assert step.text.startswith("Start by proposing your agreement")
    fire("propose_agreement", mentor, AGREEMENT)
    step = engine.next_step(rel, mentee)
    assert step.text == "Morten Holm has proposed the agreement: read and sign it"
    assert step.primary is not None and step.primary.id == "sign_agreement"
    assert disabled_with(step, "propose_agreement") == "the agreement has already been proposed (version 1)"
    assert engine.next_step(rel, mentor).text == "The agreement has been proposed: read and sign it"
    fire("sign_agreement", mentor, SIGN)
    step = engine.next_step(rel, mentor)
    assert step.text == "Waiting for Mia Larsen to sign the agreement"
    assert step.primary is None and step.waiting_for == (mentee,)
    fire("sign_agreement", mentee, SIGN)
    for person in (mentor, mentee):
        step = engine.next_step(rel, person)
        assert step.primary is not None and step.primary.id == "agree"  # the next stage, without a form
    fire("agree", mentee)

    step = engine.next_step(rel, mentee)
    assert step.primary is not None and step.primary.id == "add_goal"
    assert "nothing to choose" in disabled_with(step, "agree_goal")
    fire("add_goal", mentee, {"title": "Choose a thesis topic", "category": "academic"})
    step = engine.next_step(rel, mentor)
    assert step.text == "1 goal waits for you to confirm it"
    assert step.primary is not None and step.primary.id == "agree_goal"
    assert "nothing to choose" in disabled_with(engine.next_step(rel, mentee), "agree_goal")  # not theirs
    fire("agree_goal", mentor, {"goal_id": step.choices["mentor"]["goals.to_confirm"][0][0]})
    step = engine.next_step(rel, mentor)
    assert step.primary is not None and step.primary.id == "start_reflecting"
    fire("start_reflecting", mentor)

    # Reflecting: what each owes and when, from the timers; overdue once the period has passed.
    step = engine.next_step(rel, mentee)
    assert [d.text for d in step.due] == ["Reflection due: in 14 days"]
    assert step.primary is not None and step.primary.id == "submit_reflection"
    mentorflow_clock.advance(timedelta(days=16, hours=1))
    step = engine.next_step(rel, mentee)
    assert step.text == "Reflection due: overdue by 2 days"
    assert step.primary is not None and step.primary.id == "submit_reflection"
    fire("submit_reflection", mentee, {"went_well": "Shortlisted three topics", "health": 4})
    assert [d.text for d in engine.next_step(rel, mentee).due] == ["Reflection due: in 14 days"]
    assert engine.next_step(rel, mentor).due[0].overdue_days == 2  # the mentor still owes theirs

    step = engine.next_step(rel, mentee)
    groups = {g.id: [a.id for a in g.actions] for g in step.groups}
    assert list(groups) == ["agreement", "goals", "meetings", "reflections", "relationship"]
    assert "log_meeting" in groups["meetings"] and "pause" in groups["relationship"]
    assert "amend_agreement" in groups["agreement"] and "add_goal" in groups["goals"]
    assert all(a.role is not None for a in step.actions), "only what the viewer's roles may do"


def test_a_group_waits_for_some_of_its_members(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    g = Group(mentorflow_engine, mentorflow_factory, COHORT, mentors=1, mentees=3)
    rel = g.start(mentor=["mentor1"], mentee=["mentee1", "mentee2", "mentee3"])
    g.fire("propose_agreement", "mentor1", template_agreement(COHORT))
    step = mentorflow_engine.next_step(g.rel or rel, g.people["mentee2"])
    assert step.text == "Mentor 1 has proposed the agreement: read and sign it"
    g.fire("sign_agreement", "mentor1", SIGN)
    g.fire("sign_agreement", "mentee1", SIGN)
    step = mentorflow_engine.next_step(g.rel or rel, g.people["mentee1"])
    assert step.text == "Waiting for 2 of 4 to sign the agreement"
    assert set(step.waiting_for) == {g.people["mentee2"], g.people["mentee3"]}
    assert step.primary is None or step.primary.id != "sign_agreement"


def test_each_action_with_nothing_to_act_on_is_disabled_with_its_reason(mentorflow_engine: Engine,
                                                                      pair: dict[str, Any]) -> None:
    engine, mentor, mentee, coordinator = mentorflow_engine, pair["mentor"], pair["mentee"], pair["coordinator"]
    rel = pair["rel"]
    for transition, who, data in [("propose_agreement", mentor, AGREEMENT), ("sign_agreement", mentor, SIGN),
                                  ("sign_agreement", mentee, SIGN), ("agree", mentee, None)]:
        rel = engine.fire(rel, transition, who, data).relationship
    mentee_step = engine.next_step(rel, mentee)
    # No meeting logged: nothing to rate. No goal: nothing to confirm or update. Signed: nothing to sign.
    assert "“Meeting”" in disabled_with(mentee_step, "rate_meeting")
    assert "“Goal”" in disabled_with(mentee_step, "agree_goal")
    assert "“Goal”" in disabled_with(mentee_step, "update_goal_progress")
    assert "already signed" in disabled_with(mentee_step, "sign_agreement")
    # No extension asked for: nothing for the coordinator to decide.
    coordinator_step = engine.next_step(rel, coordinator)
    assert "no extension has been requested" in disabled_with(coordinator_step, "approve_extension")
    assert "no extension has been requested" in disabled_with(coordinator_step, "decline_extension")
    # What the pages, the XBlock and the LTI launch render: disabled actions carry no form, only the reason.
    card = next_step_view(engine, rel, mentee)
    shown = {item["action"].id: item for group in card["groups"] for item in group["actions"]}
    assert not shown["rate_meeting"]["enabled"] and shown["rate_meeting"]["fields"] == []
    # Once a meeting is logged there is something to rate.
    rel = engine.fire(rel, "log_meeting", mentee, {"date": "2026-01-05", "duration_minutes": 45,
                                                   "format": "in_person"}).relationship
    assert action(engine.next_step(rel, mentee), "rate_meeting").enabled


def test_a_stranger_gets_no_next_step(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                      pair: dict[str, Any]) -> None:
    stranger = mentorflow_factory.person("Someone else")
    with pytest.raises(Forbidden):
        mentorflow_engine.next_step(pair["rel"], stranger)


class ThirdParty:
    """A plugin that is not built in: one hint and one action with nothing to act on."""

    @hookimpl
    def mentorflow_nothing_to_act_on(self, engine: Engine, step: Any) -> Any:
        pause = step.action("pause")
        return {"pause": "the test plugin keeps this relationship going"} if pause and pause.enabled else None

    @hookimpl
    def mentorflow_next_step(self, engine: Engine, step: Any) -> Any:
        meeting = step.enabled("meetings.log")
        return [StepHint("Log your first meeting with the plugin", meeting.id, priority=99)] if meeting else []


class Broken:
    @hookimpl
    def mentorflow_next_step(self, engine: Engine, step: Any) -> Any:
        return ["not a hint"]


@pytest.mark.parametrize("mentorflow_plugins", [[ThirdParty()]])
def test_a_plugin_contributes_the_next_step_and_what_has_nothing_to_act_on(mentorflow_engine: Engine,
                                                                          pair: dict[str, Any]) -> None:
    step = mentorflow_engine.next_step(pair["rel"], pair["mentee"])
    assert step.text == "Log your first meeting with the plugin"
    assert step.primary is not None and step.primary.id == "log_meeting"
    assert disabled_with(step, "pause") == "the test plugin keeps this relationship going"


@pytest.mark.parametrize("mentorflow_plugins", [[Broken()]])
def test_a_plugin_answering_something_else_is_a_configuration_error(mentorflow_engine: Engine,
                                                                    pair: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="mentorflow_next_step"):
        mentorflow_engine.next_step(pair["rel"], pair["mentee"])


def test_the_step_is_in_danish_when_danish_is_in_force(mentorflow_engine: Engine, pair: dict[str, Any]) -> None:
    from mentorflow.i18n import set_locale

    set_locale("da")
    try:
        step = mentorflow_engine.next_step(pair["rel"], pair["mentee"])
        assert step.text.startswith("Start med at foreslå jeres aftale")
        assert next(g.title for g in step.groups) == "Aftale"
    finally:
        set_locale(None)


