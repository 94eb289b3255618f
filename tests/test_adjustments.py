"""The adjustments plugin on SQLite and PostgreSQL: proposals, atomic acceptance, the other side, privacy."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from mentorflow import (
    SYSTEM,
    Engine,
    Forbidden,
    FormInvalid,
    GuardFailed,
    NotFound,
    Problem,
    TransitionError,
    Veto,
    Vetoed,
    WorkflowInvalid,
    WrongState,
    hookimpl,
)
from mentorflow.db.models import AuditEvent
from mentorflow.plugins.adjustments import api
from mentorflow.plugins.adjustments.effects import ProposalInvalid
from mentorflow.plugins.adjustments.models import AppliedChange, Proposal, SettingOverride
from mentorflow.policy import Access
from mentorflow.testing import Factory, default_workflow
from tests.workflows_adjustments import extend

TO_REFLECTING = [
    ("sign_agreement", "mentor", {"accept": True}), ("sign_agreement", "mentee", {"accept": True}),
    ("agree", "mentee", {}), ("add_goal", "mentee", {"title": "Learn SQL", "category": "skills"}),
    ("start_reflecting", "mentor", {}),
]
CADENCE = {"kind": "change_cadence", "period": "P7D"}
IN_PERSON = {"kind": "change_meeting_format", "format": "in_person"}
REVISE_3 = {"kind": "revise_goal", "goal_id": 3, "text": "Learn SQL joins"}


class FakeGoals:
    """Stands in for the goals plugin: knows which goals exist and records what it was asked to apply."""

    __name__ = "fake_goals"  # a stable name keeps one migrated template database for all tests

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.missing: set[int] = set()
        self.veto = False
        self.applied: list[tuple[int, list[tuple[str, int | None]]]] = []

    @hookimpl(optionalhook=True)
    def mentorflow_adjustments_check_items(self, relationship: Any, items: Any, connection: Any) -> list[Problem]:
        return [Problem(f"/items/{i}/goal_id", f"goal {item['goal_id']} does not exist")
                for i, item in enumerate(items) if item.get("goal_id") in self.missing]

    @hookimpl(optionalhook=True)
    def mentorflow_adjustments_applied(self, event: Any, connection: Any, proposal_id: int, changes: Any) -> None:
        if self.veto:
            raise Veto("the goals could not be updated")
        self.applied.append((proposal_id, [(c.kind, c.goal_id) for c in changes]))


FAKE_GOALS = FakeGoals()


@pytest.fixture
def mentorflow_plugins() -> list[Any]:
    FAKE_GOALS.reset()
    return [FAKE_GOALS]


class Pair:
    """A relationship in a programme running the extended workflow, with its people."""

    def __init__(self, factory: Factory, document: dict[str, Any] | None = None, key: str = "programme") -> None:
        self.factory, self.engine = factory, factory.engine
        self.programme = factory.programme(key, document or extend(default_workflow()))
        self.coordinator = factory.person("Carla", role="coordinator", programme=key)
        self.mentor = factory.person("Morten", role="mentor", programme=key)
        self.mentee = factory.person("Mia", role="mentee", programme=key)
        self.rel = self.engine.start_relationship(key, mentee=self.mentee, mentor=self.mentor)

    def who(self, role: str) -> int:
        return {"mentor": self.mentor, "mentee": self.mentee, "coordinator": self.coordinator}[role]

    def fire(self, transition: str, role: str, data: dict[str, Any] | None = None) -> Any:
        self.rel = self.engine.fire(self.rel, transition, self.who(role), data).relationship
        return self.rel

    def drive(self, steps: list[tuple[str, str, dict[str, Any]]]) -> Any:
        for transition, role, data in steps:
            self.fire(transition, role, data)
        return self.rel

    def propose(self, role: str, *items: dict[str, Any], rationale: str = "Let us meet more often") -> Any:
        return self.fire("propose_adjustment", role, {"items": list(items), "rationale": rationale})


@pytest.fixture
def pair(mentorflow_factory: Factory) -> Pair:
    p = Pair(mentorflow_factory)
    p.drive(TO_REFLECTING)
    return p


def count(engine: Engine, table: Any) -> int:
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_accepted_proposal_overrides_settings_and_records_goal_changes(pair: Pair) -> None:
    before = api.effective_settings(pair.engine, pair.rel)
    assert (before.cadence, before.meeting_format, before.overridden) == ("P14D", "video", frozenset())
    rel = pair.propose("mentee", CADENCE, IN_PERSON, REVISE_3,
                       {"kind": "drop_goal", "goal_id": 4, "reason": "No longer relevant"},
                       {"kind": "add_goal", "title": "Give a talk", "category": "career"},
                       {"kind": "amend_agreement", "text": "We meet in the library."})
    assert rel.state == "adjusting"
    pending = api.pending_proposal(pair.engine, rel, pair.mentor)
    assert pending is not None and pending.proposer_role == "mentee" and pending.item_count == 6
    assert api.effective_settings(pair.engine, rel).cadence == "P14D"  # nothing applies before acceptance

    rel = pair.fire("accept_adjustment", "mentor")
    assert rel.state == "reflecting"
    settings = api.effective_settings(pair.engine, rel, pair.mentee)
    assert (settings.cadence, settings.meeting_format) == ("P7D", "in_person")
    assert settings.overridden == {"cadence", "meeting_format"}
    assert [a.text for a in settings.agreement_amendments or ()] == ["We meet in the library."]
    goals = api.goal_changes(pair.engine, rel, pair.mentee)
    assert [(c.position, c.kind, c.goal_id, c.data) for c in goals] == [
        (2, "revise_goal", 3, {"text": "Learn SQL joins"}),
        (3, "drop_goal", 4, {"reason": "No longer relevant"}),
        (4, "add_goal", None, {"title": "Give a talk", "category": "career"}),
    ]
    assert FAKE_GOALS.applied == [(pending.id, [("change_cadence", None), ("change_meeting_format", None),
                                                ("revise_goal", 3), ("drop_goal", 4), ("add_goal", None),
                                                ("amend_agreement", None)])]
    [proposal] = api.proposals(pair.engine, rel, pair.mentee)
    assert proposal.status == "accepted"
    assert [(h.status, h.actor_role) for h in proposal.history] == [("proposed", "mentee"), ("accepted", "mentor")]
    accepted = pair.engine.timeline(rel)[-1]
    assert (accepted.transition, accepted.actor_role, accepted.actor_id) == ("accept_adjustment", "mentor",
                                                                            pair.mentor)
    with pair.engine.read() as conn:
        assert [c.audit_id for c in api.changes_of_audit(conn, accepted.id)] == [accepted.id] * 6
    # A later adjustment replaces the override; a goal dropped once cannot be changed again.
    pair.propose("mentor", {"kind": "change_cadence", "period": "P3W"})
    pair.fire("accept_adjustment", "mentee")
    assert api.effective_settings(pair.engine, pair.rel).cadence == "P3W"
    assert count(pair.engine, SettingOverride.__table__) == 2
    with pytest.raises(FormInvalid) as caught:
        pair.propose("mentor", {"kind": "revise_goal", "goal_id": 4, "text": "Back again"})
    assert [(p.pointer, p.message) for p in caught.value.problems] == [
        ("/items/0/goal_id", "goal 4 was dropped by an earlier adjustment")]


def test_proposer_cannot_accept_or_reject_their_own_proposal(pair: Pair) -> None:
    pair.propose("mentee", CADENCE)
    with pytest.raises(TransitionError) as caught:
        pair.fire("accept_adjustment", "mentee")
    assert isinstance(caught.value, GuardFailed) and caught.value.guard == "adjustments.other_side"
    assert "only the Mentor can answer this proposal (the Mentee made it)" in str(caught.value)
    with pytest.raises(GuardFailed):
        pair.fire("reject_adjustment", "mentee", {"reason": "Changed my mind"})
    for_mentee = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, pair.mentee)}
    assert not for_mentee["accept_adjustment"].allowed
    for_mentor = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, pair.mentor)}
    assert for_mentor["accept_adjustment"].allowed and for_mentor["reject_adjustment"].allowed
    assert pair.engine.get(pair.rel.id).state == "adjusting"
    assert api.pending_proposal(pair.engine, pair.rel, pair.mentee) is not None


def test_without_the_guard_the_effect_still_refuses_the_proposer(mentorflow_factory: Factory) -> None:
    document = extend(default_workflow())
    for t in document["transitions"]:
        if t["id"] in ("accept_adjustment", "reject_adjustment"):
            t["guards"] = []
    pair = Pair(mentorflow_factory, document, key="unguarded")
    pair.drive(TO_REFLECTING)
    pair.propose("mentor", CADENCE)
    version = pair.rel.version
    with pytest.raises(TransitionError, match=r"You cannot answer your own adjustment proposal: only the Mentee can "
                                              r"accept or decline it\."):
        pair.fire("accept_adjustment", "mentor")
    assert pair.engine.get(pair.rel.id).version == version
    assert api.effective_settings(pair.engine, pair.rel).cadence == "P14D"


def test_reject_needs_a_reason_and_changes_nothing(pair: Pair) -> None:
    pair.propose("mentor", CADENCE, IN_PERSON)
    with pytest.raises(FormInvalid) as caught:
        pair.fire("reject_adjustment", "mentee", {})
    assert [p.pointer for p in caught.value.problems] == ["/reason"]
    rel = pair.fire("reject_adjustment", "mentee", {"reason": "Weekly is too often during exams"})
    assert rel.state == "reflecting"
    [proposal] = api.proposals(pair.engine, rel, pair.mentor)
    assert proposal.status == "rejected"
    assert proposal.history[-1].reason == "Weekly is too often during exams"
    assert api.effective_settings(pair.engine, rel).cadence == "P14D"
    assert count(pair.engine, AppliedChange.__table__) == 0
    pair.propose("mentor", {"kind": "change_cadence", "period": "P10D"})  # a new proposal may follow
    assert [p.status for p in api.proposals(pair.engine, pair.rel, pair.mentor)] == ["rejected", "pending"]


def test_a_bad_item_rejects_the_whole_proposal_and_stores_nothing(pair: Pair) -> None:
    audit_before = count(pair.engine, AuditEvent.__table__)
    cases = [
        ([CADENCE, IN_PERSON, {"kind": "revise_goal", "goal_id": 3, "text": "x"}], ["/items/2/text"]),
        ([{"kind": "move_house"}], ["/items/0/kind"]),
        ([CADENCE, {"kind": "change_cadence", "period": "P9D"}], ["/items/1/kind"]),
        ([REVISE_3, {"kind": "drop_goal", "goal_id": 3, "reason": "done"}], ["/items/1/goal_id"]),
        ([{"kind": "change_cadence", "period": "P1D"}], ["/items/0/period"]),  # below the programme's P7D
        ([{"kind": "change_meeting_format", "format": "video"}], ["/items/0/format"]),  # already video
        ([{"kind": "change_cadence", "period": "P14D"}], ["/items/0/period"]),  # already P14D
    ]
    for items, pointers in cases:
        with pytest.raises(FormInvalid) as caught:
            pair.propose("mentee", *items)
        assert [p.pointer for p in caught.value.problems] == pointers, items
        assert caught.value.form == "adjustment"
    with pytest.raises(FormInvalid) as caught:
        pair.fire("propose_adjustment", "mentee", {"items": []})
    assert [p.pointer for p in caught.value.problems] == ["/items"]
    assert count(pair.engine, Proposal.__table__) == 0
    assert count(pair.engine, AuditEvent.__table__) == audit_before
    assert pair.engine.get(pair.rel.id).state == "reflecting"


def test_acceptance_is_atomic_when_an_item_fails_or_a_consumer_refuses(pair: Pair) -> None:
    pair.propose("mentee", CADENCE, IN_PERSON, REVISE_3)
    audit_before = count(pair.engine, AuditEvent.__table__)
    FAKE_GOALS.missing = {3}  # the goal was deleted between proposal and acceptance
    with pytest.raises(ProposalInvalid) as caught:
        pair.fire("accept_adjustment", "mentor")
    assert [(p.pointer, p.message) for p in caught.value.problems] == [("/items/2/goal_id", "goal 3 does not exist")]
    assert caught.value.status == 409 and isinstance(caught.value, TransitionError)
    FAKE_GOALS.missing = set()
    FAKE_GOALS.veto = True  # the settings overrides are written before the consumer refuses
    with pytest.raises(Vetoed, match="the goals could not be updated"):
        pair.fire("accept_adjustment", "mentor")
    for table in (SettingOverride.__table__, AppliedChange.__table__):
        assert count(pair.engine, table) == 0
    assert count(pair.engine, AuditEvent.__table__) == audit_before
    assert pair.engine.get(pair.rel.id).state == "adjusting"
    assert api.effective_settings(pair.engine, pair.rel).cadence == "P14D"
    [proposal] = api.proposals(pair.engine, pair.rel, pair.mentee)
    assert proposal.status == "pending" and len(proposal.history) == 1
    FAKE_GOALS.veto = False
    assert pair.fire("accept_adjustment", "mentor").state == "reflecting"
    assert api.effective_settings(pair.engine, pair.rel).cadence == "P7D"


def test_two_engines_in_one_process_each_call_their_own_plugins_hooks(pair: Pair, mentorflow_database_url: str,
                                                                       mentorflow_clock: Any) -> None:
    """The effects reach the plugins' hooks through ``ctx.hooks``, so an engine without the consumer never calls it."""
    other = Engine(mentorflow_database_url, clock=mentorflow_clock)  # the same database, without FAKE_GOALS
    try:
        pair.propose("mentee", CADENCE)
        other.fire(pair.rel, "accept_adjustment", pair.mentor)
        assert FAKE_GOALS.applied == []  # applied by the other engine: this one's consumer is not told
        rel = other.fire(pair.engine.get(pair.rel.id), "propose_adjustment", pair.mentee,
                         {"items": [IN_PERSON], "rationale": "Let us meet in person"}).relationship
        pair.rel = pair.engine.fire(rel, "accept_adjustment", pair.mentor).relationship
        [(_proposal, changes)] = FAKE_GOALS.applied
        assert changes == [("change_meeting_format", None)]
    finally:
        other.db.dispose()


def test_proposals_are_checked_by_the_goals_hook_when_made(pair: Pair) -> None:
    FAKE_GOALS.missing = {9}
    with pytest.raises(FormInvalid) as caught:
        pair.propose("mentee", {"kind": "drop_goal", "goal_id": 9, "reason": "Done"})
    assert [p.pointer for p in caught.value.problems] == ["/items/0/goal_id"]


def test_at_most_one_pending_proposal_per_relationship(mentorflow_factory: Factory) -> None:
    document = extend(default_workflow())
    propose = next(t for t in document["transitions"] if t["id"] == "propose_adjustment")
    propose["from"] = ["reflecting", "adjusting"]  # so a second proposal could be attempted at all
    pair = Pair(mentorflow_factory, document, key="twice")
    pair.drive(TO_REFLECTING)
    pair.propose("mentee", CADENCE)
    with pytest.raises(TransitionError, match="still waiting for an answer"):
        pair.propose("mentor", IN_PERSON)
    # Pausing keeps the proposal; resuming brings it back to be answered.
    pair.drive([("pause", "mentor", {}), ("resume", "mentee", {})])
    assert pair.rel.state == "adjusting"
    assert api.pending_proposal(pair.engine, pair.rel, pair.mentor) is not None
    # The database refuses a second pending proposal even without the effect's check.
    with pytest.raises(IntegrityError), pair.engine.write() as conn:
        audit_id = conn.execute(select(func.max(AuditEvent.__table__.c.id))).scalar_one()
        conn.execute(insert(Proposal.__table__).values(
            relationship_id=pair.rel.id, proposer_id=pair.mentor, proposer_role="mentor", items=[IN_PERSON],
            status="pending", pending_for=pair.rel.id, proposed_at=pair.engine.clock.now(), audit_id=audit_id))


def test_a_pending_proposal_lapses_when_closing_begins(pair: Pair) -> None:
    pair.propose("mentee", CADENCE)
    pair.fire("begin_closure", "mentor")
    [proposal] = api.proposals(pair.engine, pair.rel, pair.mentee)
    assert proposal.status == "lapsed"
    assert [(h.status, h.actor_role) for h in proposal.history] == [("proposed", "mentee"), ("lapsed", "mentor")]
    with pytest.raises(WrongState):
        pair.fire("accept_adjustment", "mentor")


def test_privacy_matrix_for_proposals(pair: Pair, mentorflow_factory: Factory) -> None:
    pair.propose("mentee", CADENCE, {"kind": "amend_agreement", "text": "Meet on Mondays"})
    pair.fire("reject_adjustment", "mentor", {"reason": "Mondays are full"})
    stranger = mentorflow_factory.person("Stranger")
    for viewer in (pair.mentee, pair.mentor, SYSTEM):
        [p] = api.proposals(pair.engine, pair.rel, viewer)
        assert p.access is Access.FULL and p.items is not None and len(p.items) == 2
        assert p.rationale == "Let us meet more often" and p.history[-1].reason == "Mondays are full"
    [meta] = api.proposals(pair.engine, pair.rel, pair.coordinator)
    assert meta.access is Access.METADATA
    assert (meta.status, meta.proposer_role, meta.item_count) == ("rejected", "mentee", 2)
    assert meta.items is None and meta.rationale is None
    assert [(h.status, h.reason) for h in meta.history] == [("proposed", None), ("rejected", None)]
    with pytest.raises(NotFound, match="does not exist"):
        api.proposals(pair.engine, pair.rel, stranger)
    seen_by_coordinator = api.effective_settings(pair.engine, pair.rel, pair.coordinator)
    assert seen_by_coordinator.cadence == "P14D" and seen_by_coordinator.agreement_amendments is None
    with pytest.raises(Forbidden):
        api.applied_changes(pair.engine, pair.rel, pair.coordinator)
    with pytest.raises(NotFound, match="does not exist"):
        api.effective_settings(pair.engine, pair.rel, stranger)

    document = extend(default_workflow())
    document["programme"]["settings"]["privacy"] = {"coordinator_sees_content": True}
    open_pair = Pair(mentorflow_factory, document, key="open")
    open_pair.drive(TO_REFLECTING)
    open_pair.propose("mentor", CADENCE)
    [shown] = api.proposals(open_pair.engine, open_pair.rel, open_pair.coordinator)
    assert shown.access is Access.FULL and shown.items == (CADENCE,)


def _problems(engine: Engine, document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(WorkflowInvalid) as caught:
        engine.load_workflow(document)
    return [(p.pointer, p.message) for p in caught.value.problems]


def test_workflow_checks_report_misconfigured_adjustments(mentorflow_engine: Engine) -> None:
    document = extend(default_workflow())
    document["programme"]["settings"]["adjustments"] = {"cadence_range": {"min": "P30D", "max": "P7D"},
                                                        "defaults": {"meeting_format": "carrier_pigeon"}}
    pointers = [p for p, _ in _problems(mentorflow_engine, document)]
    assert pointers == ["/programme/settings/adjustments/defaults/meeting_format"]
    document["programme"]["settings"]["adjustments"] = {"cadence_range": {"min": "P30D", "max": "P7D"}}
    assert _problems(mentorflow_engine, document) == [
        ("/programme/settings/adjustments/cadence_range/min", "is longer than the maximum P7D")]

    document = extend(default_workflow())
    index = {t["id"]: i for i, t in enumerate(document["transitions"])}
    document["transitions"][index["propose_adjustment"]].pop("form")
    document["transitions"][index["accept_adjustment"]]["roles"].append("coordinator")
    document["transitions"][index["reject_adjustment"]]["to"] = "adjusting"
    document["transitions"][index["reject_adjustment"]]["form"] = "pause"
    problems = dict(_problems(mentorflow_engine, document))
    assert set(problems) == {f"/transitions/{index['propose_adjustment']}/form",
                             f"/transitions/{index['accept_adjustment']}/roles",
                             f"/transitions/{index['reject_adjustment']}/form"}
    assert "has no form with the field(s) items" in problems[f"/transitions/{index['propose_adjustment']}/form"]

    document = extend(default_workflow())
    document["transitions"][index["propose_adjustment"]]["to"] = "paused"
    assert _problems(mentorflow_engine, document) == [
        (f"/transitions/{index['propose_adjustment']}/to",
         "no transition with effect 'adjustments.accept' leaves state 'paused': the proposal could never be accepted")]
