"""Contracting to reflecting with the agreements and goals plugins together, changing things only by Engine.fire."""

from __future__ import annotations

from typing import Any

import pytest

from mentorflow import GuardFailed
from mentorflow.plugins.agreements.api import agreement_history, current_agreement, is_fully_signed
from mentorflow.plugins.goals.api import goal_attainment, list_goals, self_assessment_growth
from mentorflow.testing import Factory, default_workflow
from tests import workflows_agreements, workflows_goals

TERMS = {
    "mentor_expectations": "Honest feedback and an introduction to two people in the field.",
    "mentee_expectations": "Comes prepared, says when something does not work.",
    "meeting_frequency": "fortnightly",
    "meeting_format": "mixed",
    "confidentiality": "Nothing leaves the room without asking first.",
    "duration": "P6M",
    "ending": "Either side may end it by telling the other and the coordinator.",
}


def test_contracting_agreement_goals_and_reflection_through_fire_only(mentorflow_factory: Factory,
                                                                       mentorflow_clock: Any) -> None:
    engine = mentorflow_factory.engine
    document = workflows_goals.extend(workflows_agreements.extend(default_workflow()))
    programme = mentorflow_factory.programme("graduates", document)
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    mentor = mentorflow_factory.person("Morten", role="mentor", programme=programme)
    mentee = mentorflow_factory.person("Mia", role="mentee", programme=programme)
    rel = engine.start_relationship(programme, mentee=mentee, mentor=mentor,
                                    actor=coordinator)

    def fire(transition: str, who: int, data: dict[str, Any] | None = None) -> Any:
        nonlocal rel
        rel = engine.fire(rel, transition, who, data).relationship
        return rel

    # Contracting: a proposal, a counter-proposal, and both signatures on the current version.
    fire("propose_agreement", coordinator, TERMS)
    fire("self_assess_start", mentee, {"ratings": {"communication": 2, "confidence": 2, "network": 1}})
    fire("sign_agreement", mentor, {"accept": True, "version": 1})
    mentorflow_clock.advance(days=1)
    fire("propose_agreement", mentee, {**TERMS, "meeting_frequency": "weekly"})
    fire("sign_agreement", mentee, {"accept": True, "version": 2})
    with pytest.raises(GuardFailed, match="waiting for Mentor to sign version 2"):
        fire("agree", mentee)
    fire("sign_agreement", mentor, {"accept": True, "version": 2, "comment": "Weekly works for me"})
    assert fire("agree", coordinator).state == "goal_setting"

    # Goals: each side proposes one; each is confirmed by the other side.
    mentorflow_clock.advance(days=2)
    fire("add_goal", mentee, {"title": "Land a junior data role", "category": "career",
                              "specific": "A data analyst job in Aarhus", "measure": "A signed contract",
                              "achievable": "Two interviews so far", "relevant": "It is what I studied for",
                              "target_date": "2026-12-31"})
    fire("add_goal", mentor, {"title": "Build a portfolio", "category": "skills",
                              "measure": "Three projects on GitHub"})
    with pytest.raises(GuardFailed, match="2 goals are waiting for the other side"):
        fire("start_reflecting", mentor)
    job, portfolio = (g.id for g in list_goals(engine, rel, mentee).goals)
    fire("agree_goal", mentor, {"goal_id": job})
    fire("agree_goal", mentee, {"goal_id": portfolio, "comment": "Yes, good idea"})
    assert fire("start_reflecting", mentee).state == "reflecting"

    # Under way: progress, an amendment both sign again.
    mentorflow_clock.advance(days=14)
    fire("update_goal_progress", mentee, {"goal_id": portfolio, "progress": 35, "note": "First project done"})
    fire("amend_agreement", mentor, {**TERMS, "meeting_frequency": "fortnightly", "meeting_format": "video"})
    assert not is_fully_signed(engine, rel, coordinator)
    fire("sign_agreement", mentee, {"accept": True})
    fire("sign_agreement", mentor, {"accept": True})
    assert is_fully_signed(engine, rel, coordinator)

    assert rel.state == "reflecting"
    agreement = current_agreement(engine, rel, mentee)
    assert agreement is not None and agreement.version == 3 and agreement.kind == "amendment"
    assert [len(v.signatures) for v in agreement_history(engine, rel, mentor)] == [1, 2, 2]
    goals = list_goals(engine, rel, mentor).goals
    assert [(g.title, g.agreed, g.progress) for g in goals] == [
        ("Land a junior data role", True, 0), ("Build a portfolio", True, 35)]
    summary = goal_attainment(engine, rel, coordinator)
    assert (summary.total, summary.active, summary.agreed, summary.achieved) == (2, 2, 2, 0)
    assert [c.start for c in self_assessment_growth(engine, rel, mentee).competences] == [2, 2, 1]
    assert [e.transition for e in engine.timeline(rel)][:4] == [
        "start", "propose_agreement", "self_assess_start", "sign_agreement"]
