"""Accepted adjustments change the goals (goals plugin ⇄ adjustments plugin), on SQLite and PostgreSQL.

The full default lifecycle: an adjustment's ``revise_goal``, ``drop_goal`` and ``add_goal`` items are checked
by the goals plugin when proposed and applied in the acceptance's transaction, all of them or none.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from sqlalchemy import func, select

from mentorflow import SYSTEM, Engine, FormInvalid, PluginError, hookimpl
from mentorflow.db.models import AuditEvent
from mentorflow.demo import AGREEMENT, run_demo
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.plugins.adjustments import api as adjustments
from mentorflow.plugins.adjustments.effects import ProposalInvalid
from mentorflow.plugins.adjustments.models import AppliedChange, Proposal
from mentorflow.plugins.goals.adjustments import item_problems
from mentorflow.plugins.goals.api import goal_attainment, list_goals
from mentorflow.plugins.goals.models import Goal, GoalUpdate
from mentorflow.testing import Factory, default_workflow

G, U = Goal.__table__, GoalUpdate.__table__
TO_REFLECTING = [
    ("propose_agreement", "mentor", AGREEMENT),
    ("sign_agreement", "mentor", {"accept": True, "version": 1}),
    ("sign_agreement", "mentee", {"accept": True, "version": 1}),
    ("agree", "mentee", {}),
    ("add_goal", "mentee", {"title": "Choose a thesis topic", "category": "academic"}),
    ("add_goal", "mentee", {"title": "Speak up in seminars", "category": "personal_growth"}),
]


class FailAfterGoals:
    """Wraps the applied hook and, when asked, fails after every implementation (the goals plugin) has run."""

    __name__ = "fail_after_goals"  # a stable name keeps one migrated template database for all tests

    def __init__(self) -> None:
        self.fail = False
        self.seen_before_failing: list[tuple[int, str]] = []

    @hookimpl(wrapper=True, optionalhook=True)
    def mentorflow_adjustments_applied(self, event: Any, connection: Any, proposal_id: int,
                                       changes: Any) -> Generator[None, None, None]:
        yield
        if self.fail:
            # The goals are already changed in this transaction: the failure is midway through the acceptance.
            self.seen_before_failing = [tuple(r) for r in connection.execute(
                select(G.c.id, G.c.status).where(G.c.relationship_id == event.before.id).order_by(G.c.id))]
            raise RuntimeError("the calendar could not be updated")  # an unexpected crash, not a clean veto


FAIL = FailAfterGoals()


@pytest.fixture
def mentorflow_plugins() -> list[Any]:
    FAIL.fail, FAIL.seen_before_failing = False, []
    return [FAIL]


class Pair:
    """A relationship on the full default lifecycle, reflecting, with two goals agreed by both."""

    def __init__(self, factory: Factory, key: str = "programme") -> None:
        self.engine: Engine = factory.engine
        factory.programme(key, default_workflow())
        self.mentor = factory.person("Morten", role="mentor", programme=key)
        self.mentee = factory.person("Mia", role="mentee", programme=key)
        self.rel = self.engine.start_relationship(key, mentee=self.mentee, mentor=self.mentor)
        for transition, role, data in TO_REFLECTING:
            self.fire(transition, role, data)
        self.topic, self.speak = (g.id for g in self.goals())
        for goal in (self.topic, self.speak):
            self.fire("agree_goal", "mentor", {"goal_id": goal})
        self.fire("start_reflecting", "mentor", {})

    def fire(self, transition: str, role: str, data: dict[str, Any] | None = None) -> Any:
        person = self.mentor if role == "mentor" else self.mentee
        self.rel = self.engine.fire(self.rel, transition, person, data).relationship
        return self.rel

    def goals(self) -> Any:
        return list_goals(self.engine, self.rel, self.mentee).goals

    def propose(self, role: str, *items: dict[str, Any]) -> Any:
        return self.fire("propose_adjustment", role, {"items": list(items), "rationale": "The plan changed"})


@pytest.fixture
def pair(mentorflow_factory: Factory) -> Pair:
    return Pair(mentorflow_factory)


def rows(engine: Engine) -> tuple[list[Any], list[Any]]:
    """Every goal and goal update, to compare before and after."""
    with engine.read() as conn:
        return ([tuple(r) for r in conn.execute(select(G).order_by(G.c.id))],
                [tuple(r) for r in conn.execute(select(U).order_by(U.c.id))])


def count(engine: Engine, table: Any) -> int:
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def items(pair: Pair) -> list[dict[str, Any]]:
    return [{"kind": "revise_goal", "goal_id": pair.speak, "text": "Speak up once in every seminar"},
            {"kind": "drop_goal", "goal_id": pair.topic, "reason": "The department assigned a topic"},
            {"kind": "add_goal", "title": "Present the thesis plan", "category": "academic"}]


def test_accepted_adjustment_revises_drops_and_adds_goals(pair: Pair) -> None:
    pair.propose("mentee", *items(pair), {"kind": "change_cadence", "period": "P7D"})
    assert [g.status for g in pair.goals()] == ["active", "active"]  # nothing changes before acceptance
    assert pair.fire("accept_adjustment", "mentor").state == "reflecting"
    accepted = pair.engine.timeline(pair.rel)[-1]
    assert accepted.transition == "accept_adjustment"

    topic, speak, plan = pair.goals()
    assert (speak.status, speak.title, speak.agreed_by, speak.agreed_at) == (
        "revised", "Speak up once in every seminar", pair.mentor, accepted.at)
    revision, agreed = speak.updates[-2:]
    assert (revision.kind, revision.status, revision.previous["title"], revision.author_id) == (
        "status", "revised", "Speak up in seminars", pair.mentee)  # the mentee proposed the new text
    assert (agreed.kind, agreed.author_id) == ("agreed", pair.mentor)
    assert (topic.status, topic.closed_at, topic.updates[-1].note) == (
        "dropped", accepted.at, "The department assigned a topic")
    # Both sides accepted the adjustment, so the added goal is agreed by both: the mentee proposed it.
    assert (plan.title, plan.category, plan.status, plan.proposed_by, plan.proposed_role, plan.agreed_by) == (
        "Present the thesis plan", "academic", "active", pair.mentee, "mentee", pair.mentor)
    attainment = goal_attainment(pair.engine, pair.rel, pair.mentor)
    assert (attainment.total, attainment.dropped, attainment.revised, attainment.agreed) == (3, 1, 1, 2)
    # Every goal change belongs to the acceptance's audit row, next to the adjustments plugin's record.
    with pair.engine.read() as conn:
        recorded = conn.execute(select(U.c.goal_id, U.c.kind, U.c.status).where(U.c.audit_id == accepted.id)
                                .order_by(U.c.id)).all()
        assert [tuple(r) for r in recorded] == [(speak.id, "status", "revised"), (speak.id, "agreed", None),
                                                (topic.id, "status", "dropped"), (plan.id, "agreed", None)]
        assert conn.execute(select(G.c.audit_id).where(G.c.id == plan.id)).scalar_one() == accepted.id
    changes = adjustments.goal_changes(pair.engine, pair.rel, pair.mentee)
    assert [(c.kind, c.goal_id) for c in changes] == [("revise_goal", speak.id), ("drop_goal", topic.id),
                                                      ("add_goal", None)]
    # The revised goal is still open: progress can be recorded on it; the dropped one is closed.
    pair.fire("update_goal_progress", "mentee", {"goal_id": speak.id, "progress": 30})
    with pytest.raises(FormInvalid) as caught:
        pair.propose("mentor", {"kind": "revise_goal", "goal_id": topic.id, "text": "Choose a topic after all"})
    assert [p.pointer for p in caught.value.problems] == ["/items/0/goal_id"]


def test_one_accepted_adjustment_adds_several_goals_all_or_none(pair: Pair) -> None:
    two_new = [{"kind": "add_goal", "title": "Present the thesis plan", "category": "academic"},
               {"kind": "add_goal", "title": "Join a writing group", "category": "personal_growth"}]
    pair.propose("mentee", *items(pair)[:2], *two_new)
    # A crash after the goals plugin applied the items rolls every one of them back.
    before = rows(pair.engine)
    FAIL.fail = True
    with pytest.raises(PluginError, match="the calendar could not be updated"):
        pair.fire("accept_adjustment", "mentor")
    assert len(FAIL.seen_before_failing) == 4 and rows(pair.engine) == before
    FAIL.fail = False

    assert pair.fire("accept_adjustment", "mentor").state == "reflecting"
    accepted = pair.engine.timeline(pair.rel)[-1]
    topic, speak, plan, group = pair.goals()
    assert (topic.status, speak.status) == ("dropped", "revised")
    assert [(g.title, g.category, g.status, g.proposed_by, g.agreed_by) for g in (plan, group)] == [
        ("Present the thesis plan", "academic", "active", pair.mentee, pair.mentor),
        ("Join a writing group", "personal_growth", "active", pair.mentee, pair.mentor)]
    with pair.engine.read() as conn:
        # The goals this audit event created: both added goals share the acceptance's audit row.
        created = conn.execute(select(G.c.id).where(G.c.audit_id == accepted.id).order_by(G.c.id)).scalars().all()
        assert created == [plan.id, group.id]
        agreed = conn.execute(select(U.c.goal_id).where(U.c.audit_id == accepted.id, U.c.kind == "agreed")
                              .order_by(U.c.id)).scalars().all()
        assert agreed == [speak.id, plan.id, group.id]
    assert [(c.kind, c.goal_id) for c in adjustments.goal_changes(pair.engine, pair.rel, pair.mentee)] == [
        ("revise_goal", speak.id), ("drop_goal", topic.id), ("add_goal", None), ("add_goal", None)]
    assert goal_attainment(pair.engine, pair.rel, pair.mentor).total == 4


def test_the_goals_plugin_itself_refuses_a_title_added_twice(pair: Pair) -> None:
    """apply_changes relies on item_problems alone, so it catches duplicates without the adjustments plugin."""
    proposed = [{"kind": "add_goal", "title": "Write a chapter", "category": "academic"},
                {"kind": "add_goal", "title": "Join a writing group", "category": "academic"},
                {"kind": "add_goal", "title": "write a chapter ", "category": "skills"}]
    with pair.engine.read() as conn:
        problems = item_problems(conn, pair.rel.id, proposed)
    assert [(p.pointer, p.message) for p in problems] == [
        ("/items/2/title", "the same goal is already added by item 1")]


def test_declined_adjustment_leaves_the_goals_unchanged(pair: Pair) -> None:
    before = rows(pair.engine)
    pair.propose("mentor", *items(pair))
    assert pair.fire("reject_adjustment", "mentee", {"reason": "I want to keep my topic"}).state == "reflecting"
    assert rows(pair.engine) == before
    assert count(pair.engine, AppliedChange.__table__) == 0


def test_goal_items_are_checked_when_proposed_and_nothing_is_written(pair: Pair, mentorflow_factory: Factory
                                                                     ) -> None:
    other = Pair(mentorflow_factory, key="other")
    pair.fire("set_goal_status", "mentee", {"goal_id": pair.topic, "status": "achieved", "note": "Topic approved"})
    before, audits = rows(pair.engine), count(pair.engine, AuditEvent.__table__)
    cases = [
        ([{"kind": "drop_goal", "goal_id": other.speak, "reason": "Not mine"}],
         [("/items/0/goal_id", f"goal {other.speak} is not one of this relationship's goals")]),
        ([{"kind": "revise_goal", "goal_id": 999, "text": "No such goal"}],
         [("/items/0/goal_id", "goal 999 is not one of this relationship's goals")]),
        ([{"kind": "revise_goal", "goal_id": pair.topic, "text": "Choose two topics"}],
         [("/items/0/goal_id", f"goal {pair.topic} is achieved and can no longer be changed")]),
        ([{"kind": "revise_goal", "goal_id": pair.speak, "text": "Speak up in seminars"}],
         [("/items/0/text", f"goal {pair.speak} already says this")]),
        ([{"kind": "add_goal", "title": "speak up in seminars", "category": "skills"}],
         [("/items/0/title", "the relationship already has an open goal called 'speak up in seminars'")]),
        ([{"kind": "add_goal", "title": "Write a chapter", "category": "academic"},
          {"kind": "add_goal", "title": " write a CHAPTER ", "category": "skills"}],
         [("/items/1/title", "the same goal is already added by item 1")]),
    ]
    for proposed, expected in cases:
        with pytest.raises(FormInvalid) as caught:
            pair.propose("mentee", *proposed, {"kind": "change_cadence", "period": "P7D"})
        assert [(p.pointer, p.message) for p in caught.value.problems] == expected, proposed
    assert rows(pair.engine) == before and count(pair.engine, AuditEvent.__table__) == audits
    assert count(pair.engine, Proposal.__table__) == 0 and pair.engine.get(pair.rel.id).state == "reflecting"


def test_an_acceptance_failing_midway_changes_no_goal(pair: Pair) -> None:
    pair.propose("mentee", *items(pair))
    before, audits = rows(pair.engine), count(pair.engine, AuditEvent.__table__)
    FAIL.fail = True
    with pytest.raises(PluginError, match="the calendar could not be updated"):
        pair.fire("accept_adjustment", "mentor")
    assert (pair.topic, "dropped") in FAIL.seen_before_failing  # applied inside, then rolled back
    assert rows(pair.engine) == before and count(pair.engine, AuditEvent.__table__) == audits
    assert count(pair.engine, AppliedChange.__table__) == 0
    assert pair.engine.get(pair.rel.id).state == "adjusting"
    assert adjustments.pending_proposal(pair.engine, pair.rel, pair.mentor) is not None

    # The world changes before the answer: the dropped goal is achieved meanwhile; the acceptance is refused whole.
    FAIL.fail = False
    pair.fire("set_goal_status", "mentee", {"goal_id": pair.topic, "status": "achieved", "note": "Topic approved"})
    before = rows(pair.engine)
    with pytest.raises(ProposalInvalid) as caught:
        pair.fire("accept_adjustment", "mentor")
    assert [(p.pointer, p.message) for p in caught.value.problems] == [
        ("/items/1/goal_id", f"goal {pair.topic} is achieved and can no longer be changed")]
    assert rows(pair.engine) == before and pair.engine.get(pair.rel.id).state == "adjusting"


def test_the_goals_plugin_loads_without_the_adjustments_plugin() -> None:
    pm = build_plugin_manager(["mentorflow.plugins.goals"], load_entrypoints=False)  # optional hooks: no error
    assert [i.plugin_name for i in pm.hook.mentorflow_register_effects.get_hookimpls()] == ["mentorflow.plugins.goals"]


def test_the_demo_shows_the_adjustment_its_goals_plugin_applied(tmp_path: Any) -> None:
    lines: list[str] = []
    relationship = run_demo(f"sqlite:///{tmp_path / 'demo.db'}", lines.append)
    assert "· goal 2 revised: Speak up in seminars → Speak up at least once in every seminar" in [
        line.strip() for line in lines]
    assert "· added goal 3: Present the thesis plan to the research group" in [line.strip() for line in lines]
    engine = Engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:  # what the demo prints is what the goals plugin stored
        goals = list_goals(engine, relationship, SYSTEM).goals
    finally:
        engine.db.dispose()
    assert [(g.id, g.title, g.status) for g in goals] == [
        (1, "Choose a thesis topic", "achieved"), (2, "Speak up at least once in every seminar", "revised"),
        (3, "Present the thesis plan to the research group", "active")]
    assert goals[1].updates[-2].previous["title"] == "Speak up in seminars"
