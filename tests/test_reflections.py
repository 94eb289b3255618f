"""The reflections plugin on SQLite and PostgreSQL: storing, privacy, the cadence, pulse surveys, programme health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from mentorflow import SYSTEM, Engine, Forbidden, FormInvalid, ManualClock, NotFound, TransitionError, WorkflowInvalid
from mentorflow.plugins.reflections import api
from mentorflow.plugins.reflections.models import PulseAnswer, Reflection
from mentorflow.policy import Access
from mentorflow.testing import Factory, default_workflow
from tests.workflows_reflections import extend

INTO_REFLECTING = [("sign_agreement", "mentor", {"accept": True}), ("sign_agreement", "mentee", {"accept": True}),
                   ("agree", "mentee", {}), ("add_goal", "mentee", {"title": "Learn SQL", "category": "skills"}),
                   ("start_reflecting", "mentor", {})]
GOOD = {"went_well": "We planned the thesis", "to_change": "Meet weekly", "trust": 4, "engagement": 5,
        "progress": [{"goal_id": "g-1", "percent": 40, "note": "Draft outline"}, {"goal_id": 7, "percent": 10}],
        "notes": "All fine"}


def count(engine: Engine, table: Any) -> int:
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


class Pair:
    """A programme (the default lifecycle plus the reflections additions) with a relationship and its people."""

    def __init__(self, factory: Factory, key: str = "programme", document: dict[str, Any] | None = None) -> None:
        self.factory, self.engine = factory, factory.engine
        self.programme = factory.programme(key, document or extend(default_workflow()))
        self.coordinator = factory.person("Carla", role="coordinator", programme=key)
        self.mentor = factory.person("Morten", role="mentor", programme=key)
        self.mentee = factory.person("Mia", role="mentee", programme=key)
        self.rel = self.engine.start_relationship(key, mentee=self.mentee, mentor=self.mentor)

    def who(self, role: str) -> int:
        return {"mentor": self.mentor, "mentee": self.mentee, "coordinator": self.coordinator}[role]

    def drive(self, steps: list[tuple[str, str, dict[str, Any]]]) -> Any:
        for transition, role, data in steps:
            self.rel = self.engine.fire(self.rel, transition, self.who(role), data).relationship
        return self.rel

    def reflect(self, role: str, data: dict[str, Any] | None = None) -> Any:
        return self.drive([("submit_reflection", role, data or {"went_well": f"{role} is fine", "trust": 4})])


@pytest.fixture
def pair(mentorflow_factory: Factory) -> Pair:
    pair = Pair(mentorflow_factory)
    pair.drive(INTO_REFLECTING)
    return pair


def programme_with(settings: dict[str, Any] | None = None, *, private: bool = False) -> dict[str, Any]:
    document = extend(default_workflow())
    document["programme"]["settings"].update(settings or {})
    document["forms"]["reflection"]["private"] = private
    return document


# -- storing ----------------------------------------------------------------------
def test_reflection_is_stored_by_fire_with_its_period_and_due_time(pair: Pair, mentorflow_clock: ManualClock) -> None:
    entered = pair.rel.state_entered_at
    mentorflow_clock.advance(days=10)
    pair.reflect("mentee", GOOD)
    mentorflow_clock.advance(days=16)
    pair.reflect("mentee", {"went_well": "Second", "health": 3})
    pair.reflect("mentor", {"went_well": "Mentor's view", "trust": 3, "engagement": 2})
    rows = api.reflections(pair.engine, pair.rel, SYSTEM)
    assert [(r.role, r.period_index, r.author_id) for r in rows] == [
        ("mentee", 1, pair.mentee), ("mentee", 2, pair.mentee), ("mentor", 1, pair.mentor)]
    first, second, mentor = rows
    assert first.content == GOOD and (first.trust, first.engagement, first.health) == (4, 5, None)
    assert first.visibility == "pair" and first.submitted_at == entered + timedelta(days=10)
    # Each reflection records when the duty it met was due: on time, late, late.
    assert first.due_at == entered + timedelta(days=14)
    assert second.due_at == first.submitted_at + timedelta(days=14) < second.submitted_at
    assert mentor.due_at == entered + timedelta(days=14)
    timeline = pair.engine.timeline(pair.rel)
    assert timeline[-1].transition == "submit_reflection" and timeline[-1].actor_role == "mentor"


def test_bad_reflection_data_names_the_field_and_writes_nothing(pair: Pair) -> None:
    version = pair.rel.version
    with pytest.raises(FormInvalid) as caught:
        pair.engine.fire(pair.rel, "submit_reflection", pair.mentee,
                         {"went_well": "", "trust": 7, "progress": [{"percent": 140}]})
    assert {p.pointer for p in caught.value.problems} == {
        "/went_well", "/trust", "/progress/0/goal_id", "/progress/0/percent"}
    with pytest.raises(FormInvalid) as duplicate:
        pair.engine.fire(pair.rel, "submit_reflection", pair.mentee, {
            "went_well": "ok", "progress": [{"goal_id": "g1", "percent": 5}, {"goal_id": "g1", "percent": 9}]})
    assert [p.pointer for p in duplicate.value.problems] == ["/progress/1/goal_id"]
    assert "already has a progress entry" in duplicate.value.problems[0].message
    with pytest.raises(Forbidden):
        pair.engine.fire(pair.rel, "submit_reflection", pair.coordinator, {"went_well": "not mine to write"})
    assert count(pair.engine, Reflection.__table__) == 0
    assert pair.engine.get(pair.rel.id).version == version


# -- privacy ------------------------------------------------------------------------
@pytest.mark.parametrize("coordinator_sees_content", [False, True])
def test_reflection_privacy_matrix(mentorflow_factory: Factory, coordinator_sees_content: bool) -> None:
    pair = Pair(mentorflow_factory, document=programme_with(
        {"privacy": {"coordinator_sees_content": coordinator_sees_content}}))
    pair.drive(INTO_REFLECTING)
    pair.reflect("mentee", GOOD)
    stranger = mentorflow_factory.person("Stranger")
    for reader in (pair.mentor, pair.mentee):
        [seen] = api.reflections(pair.engine, pair.rel, reader)
        assert seen.access is Access.FULL and seen.content == GOOD and seen.trust == 4
    [seen] = api.reflections(pair.engine, pair.rel, pair.coordinator)
    assert (seen.author_id, seen.role, seen.period_index) == (pair.mentee, "mentee", 1)  # who reflected when
    if coordinator_sees_content:
        assert seen.access is Access.FULL and seen.content == GOOD
    else:
        assert seen.access is Access.METADATA
        assert (seen.content, seen.trust, seen.engagement, seen.health) == (None, None, None, None)
    with pytest.raises(NotFound, match="does not exist"):
        api.reflections(pair.engine, pair.rel, stranger)
    with pytest.raises(NotFound, match="does not exist"):
        api.reflection_status(pair.engine, pair.rel, stranger)
    assert set(api.reflection_status(pair.engine, pair.rel, pair.coordinator).duties) == {"mentor", "mentee"}


def test_private_reflections_are_seen_by_their_author_only(mentorflow_factory: Factory) -> None:
    pair = Pair(mentorflow_factory, document=programme_with(
        {"privacy": {"coordinator_sees_content": True}}, private=True))
    pair.drive(INTO_REFLECTING)
    pair.reflect("mentee", GOOD)
    [own] = api.reflections(pair.engine, pair.rel, pair.mentee)
    assert own.visibility == "private" and own.content == GOOD
    assert api.reflections(pair.engine, pair.rel, pair.mentor) == []
    [meta] = api.reflections(pair.engine, pair.rel, pair.coordinator)  # even where coordinators see content
    assert meta.access is Access.METADATA and meta.content is None and meta.trust is None
    assert api.reflections(pair.engine, pair.rel, SYSTEM)[0].content == GOOD
    # The audit timeline agrees: the partner does not get the data there either.
    assert pair.engine.timeline(pair.rel, viewer=pair.mentor)[-1].data is None


# -- the cadence ---------------------------------------------------------------------
def due_ids(engine: Engine, now: Any, programme: str | None = None) -> set[int]:
    return {d.relationship.id for d in api.due_relationships(engine, now, programme)}


def test_duties_fall_due_go_overdue_reset_and_pause(pair: Pair, mentorflow_clock: ManualClock) -> None:
    engine, entered = pair.engine, pair.rel.state_entered_at
    due = entered + timedelta(days=14)

    def status(role: str) -> Any:
        return api.reflection_status(engine, pair.rel, pair.mentor).duties[role]

    mentorflow_clock.set(due - timedelta(seconds=1))
    assert not status("mentor").is_due and status("mentor").next_due == due
    assert due_ids(engine, mentorflow_clock.now()) == set()
    mentorflow_clock.set(due)  # due exactly at state_entered + every, not yet overdue
    assert status("mentor").is_due and not status("mentor").overdue and status("mentor").days_overdue == 0
    assert due_ids(engine, mentorflow_clock.now()) == {pair.rel.id}
    mentorflow_clock.advance(days=3, hours=5)
    mentor = status("mentor")
    assert mentor.overdue and mentor.days_overdue == 3 and mentor.overdue_by == timedelta(days=3, hours=5)
    assert mentor.reminders == (due - timedelta(days=2), due) and mentor.escalate_at == due + timedelta(days=7)
    assert not mentor.escalated

    pair.reflect("mentee")  # resets the mentee's period only
    reflected = mentorflow_clock.now()
    assert status("mentee").next_due == reflected + timedelta(days=14) and not status("mentee").overdue
    assert status("mentor").overdue
    [listed] = api.due_relationships(engine, reflected)
    assert set(listed.duties) == {"mentor"} and listed.duties["mentor"].days_overdue == 3

    # Proposing an adjustment moves between two of the timer's states: the cadence goes on.
    pair.drive([("propose_adjustment", "mentee", {"proposal": "Meet weekly"})])
    assert status("mentor").overdue and status("mentee").next_due == reflected + timedelta(days=14)

    pair.drive([("pause", "mentor", {"note": "Exams"})])
    assert api.reflection_status(engine, pair.rel, pair.mentee).duties == {}
    mentorflow_clock.advance(days=40)
    assert due_ids(engine, mentorflow_clock.now()) == set()  # paused time owes nothing
    pair.drive([("resume", "mentee", {})])
    resumed = mentorflow_clock.now()
    assert pair.rel.state == "adjusting"
    for role in ("mentor", "mentee"):  # the cadence restarts on return
        assert status(role).period_start == resumed and status(role).next_due == resumed + timedelta(days=14)
    assert due_ids(engine, resumed + timedelta(days=14) - timedelta(seconds=1)) == set()
    assert due_ids(engine, resumed + timedelta(days=14)) == {pair.rel.id}


def test_due_relationships_picks_exactly_the_due_ones_among_many(mentorflow_factory: Factory,
                                                                 mentorflow_clock: ManualClock) -> None:
    """200 relationships started an hour apart; the query must agree with the rules worked out by hand."""
    document = extend(default_workflow())
    # The timer also runs in the initial state, so relationships are on duty from their start.
    document["timers"][0]["states"] = ["contracting", "reflecting", "adjusting"]
    next(t for t in document["transitions"] if t["id"] == "submit_reflection")["from"] = [
        "contracting", "reflecting", "adjusting"]
    engine, factory = mentorflow_factory.engine, mentorflow_factory
    factory.programme("big", document)
    factory.programme("other", document)
    mentors = [factory.person(f"Mentor {n}") for n in range(3)]
    mentees = [factory.person(f"Mentee {n}") for n in range(3)]
    t0 = mentorflow_clock.now()
    others = [engine.start_relationship("other", mentee=mentees[0], mentor=mentors[0]) for _ in range(5)]
    rels = []
    for i in range(200):
        mentor = None if i % 13 == 0 else mentors[i % 3]
        rels.append(engine.start_relationship("big", mentee=mentees[i % 3], mentor=mentor))
        mentorflow_clock.advance(hours=1)
    with engine.batch() as batch:
        for i, rel in enumerate(rels):
            if i % 5 == 0:
                rel = batch.fire(rel, "submit_reflection", rel.mentee_id, {"went_well": "ok"}).relationship
            if i % 11 == 0 and rel.mentor_id is not None:
                rel = batch.fire(rel, "submit_reflection", rel.mentor_id, {"went_well": "ok"}).relationship
            if i % 7 == 0:
                batch.fire(rel, "pause", rel.mentee_id, {})
    now = t0 + timedelta(days=14, hours=100)  # relationship 100 falls due exactly now, 101 an hour later

    def expected_roles(i: int) -> set[str]:
        if i > 100 or i % 7 == 0:
            return set()
        owing = {"mentee"} if i % 13 == 0 else {"mentor", "mentee"}
        done = ({"mentee"} if i % 5 == 0 else set()) | ({"mentor"} if i % 11 == 0 else set())
        return owing - done

    expected = {rels[i].id: expected_roles(i) for i in range(200) if expected_roles(i)}
    found = api.due_relationships(engine, now, "big")
    assert {d.relationship.id: set(d.duties) for d in found} == expected
    assert rels[100].id in expected and rels[101].id not in expected and 50 < len(expected) < 100
    assert all(d.duties[r].is_due for d in found for r in d.duties)
    assert due_ids(engine, now) == set(expected) | {r.id for r in others}
    # The query agrees with the per-relationship status.
    for i in (0, 5, 13, 55, 65, 99, 100, 101, 150):
        duties = api.reflection_status(engine, rels[i].id, SYSTEM).duties
        assert {role for role, duty in duties.items() if duty.due_at <= now} == expected_roles(i)
    # A horizon lists duties coming due soon (for reminders).
    soon = api.due_relationships(engine, now, "big", horizon=timedelta(hours=2))
    assert {d.relationship.id for d in soon} == set(expected) | {rels[101].id, rels[102].id}


# -- pulse surveys -------------------------------------------------------------------
def test_pulse_schedule_and_duplicate_answers(pair: Pair, mentorflow_clock: ManualClock) -> None:
    engine, start = pair.engine, pair.rel.started_at
    mentorflow_clock.set(start + timedelta(days=29))
    status = api.pulse_due(engine, pair.rel, mentorflow_clock.now())
    assert not status.open and status.period is None and status.next_opens_at == start + timedelta(days=30)
    with pytest.raises(TransitionError, match="first pulse survey opens on Feb 4, 2026"):
        engine.fire(pair.rel, "answer_pulse", pair.mentee, {"satisfaction": 4})

    mentorflow_clock.set(start + timedelta(days=30))
    status = api.pulse_due(engine, pair.rel, mentorflow_clock.now())
    assert status.open and status.period == 0 and status.due_roles == ("mentor", "mentee")
    pair.drive([("answer_pulse", "mentee", {"satisfaction": 4, "comment": "Good start"})])
    mentorflow_clock.set(start + timedelta(days=89))
    version = pair.engine.get(pair.rel.id).version
    with pytest.raises(TransitionError, match="already answered this period's pulse survey"):
        engine.fire(pair.rel, "answer_pulse", pair.mentee, {"satisfaction": 2})
    assert engine.get(pair.rel.id).version == version and count(engine, PulseAnswer.__table__) == 1
    with pytest.raises(FormInvalid) as caught:
        engine.fire(pair.rel, "answer_pulse", pair.mentor, {"satisfaction": 0})
    assert [p.pointer for p in caught.value.problems] == ["/satisfaction"]
    status = api.pulse_due(engine, pair.rel, mentorflow_clock.now())
    assert status.due_roles == ("mentor",) and status.answered_roles == ("mentee",)

    mentorflow_clock.set(start + timedelta(days=90))  # day 30 + 60: the next period
    status = api.pulse_due(engine, pair.rel, mentorflow_clock.now())
    assert status.period == 1 and status.due_roles == ("mentor", "mentee")
    assert status.next_opens_at == start + timedelta(days=150)
    pair.drive([("answer_pulse", "mentee", {"satisfaction": 5})])
    with engine.read() as conn:
        table = PulseAnswer.__table__
        assert conn.execute(select(table.c.period_index, table.c.satisfaction, table.c.comment)
                            .order_by(table.c.id)).all() == [(0, 4, "Good start"), (1, 5, None)]
    pair.drive([("pause", "mentor", {})])
    assert api.pulse_due(engine, pair.rel, mentorflow_clock.now()).due_roles == ()


def test_programme_sets_its_own_pulse_rhythm(mentorflow_factory: Factory, mentorflow_clock: ManualClock) -> None:
    pair = Pair(mentorflow_factory, document=programme_with({"reflections": {"pulse": {
        "first": "P7D", "every": "P14D", "who": ["mentee"]}}}))
    pair.drive(INTO_REFLECTING)
    mentorflow_clock.advance(days=21)
    status = api.pulse_due(pair.engine, pair.rel, mentorflow_clock.now())
    assert status.period == 1 and status.due_roles == ("mentee",)
    with pytest.raises(TransitionError, match="not for the Mentor"):
        pair.engine.fire(pair.rel, "answer_pulse", pair.mentor, {"satisfaction": 3})


# -- programme figures ----------------------------------------------------------------
def test_programme_health_aggregates_without_individual_content(mentorflow_factory: Factory,
                                                                 mentorflow_clock: ManualClock) -> None:
    pair = Pair(mentorflow_factory)
    pair.drive(INTO_REFLECTING)
    second = Pair(mentorflow_factory)  # same document: the same programme and workflow version
    assert second.rel.workflow_version_id == pair.rel.workflow_version_id
    second.drive(INTO_REFLECTING)
    mentorflow_clock.advance(days=10)
    pair.reflect("mentee", {"went_well": "a", "trust": 4, "engagement": 3, "health": 5})   # on time
    pair.reflect("mentor", {"went_well": "b", "trust": 2, "engagement": 5})                # on time
    mentorflow_clock.advance(days=10)
    second.reflect("mentee", {"went_well": "c", "trust": 3, "engagement": 4, "health": 3})  # 6 days late
    mentorflow_clock.advance(days=15)
    # Now (day 35): pair's mentee and mentor were due on day 24 (overdue); second's mentor since day 14
    # (overdue); second's mentee due on day 34 (overdue by a day).
    pair.drive([("answer_pulse", "mentee", {"satisfaction": 4})])
    second.drive([("answer_pulse", "mentor", {"satisfaction": 1})])
    health = api.programme_health(pair.engine, pair.programme, pair.coordinator)
    assert (health.relationships, health.reflections, health.private_reflections) == (2, 3, 0)
    assert health.reflections_by_role == {"mentee": 2, "mentor": 1}
    assert (health.duties_on_time, health.duties_late, health.duties_overdue) == (2, 1, 4)
    assert health.regularity == round(2 / 7, 4)
    assert (health.average_trust, health.average_engagement, health.average_health) == (3.0, 4.0, 4.0)
    assert (health.pulse_answers, health.average_satisfaction) == (2, 2.5)
    for outsider in (pair.mentor, pair.mentee, mentorflow_factory.person("Stranger")):
        with pytest.raises(Forbidden):
            api.programme_health(pair.engine, pair.programme, outsider)
    other = Pair(mentorflow_factory, key="elsewhere")
    with pytest.raises(Forbidden):
        api.programme_health(pair.engine, pair.programme, other.coordinator)
    assert api.programme_health(pair.engine, "elsewhere", other.coordinator).regularity is None


def test_private_reflections_are_counted_but_not_averaged(mentorflow_factory: Factory,
                                                           mentorflow_clock: ManualClock) -> None:
    pair = Pair(mentorflow_factory, document=programme_with(private=True))
    pair.drive(INTO_REFLECTING)
    pair.reflect("mentee", {"went_well": "a", "trust": 1, "engagement": 1})
    health = api.programme_health(pair.engine, pair.programme, SYSTEM)
    assert (health.reflections, health.private_reflections, health.average_trust) == (1, 1, None)


# -- workflow checks -----------------------------------------------------------------
def pointers(engine: Engine, document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(WorkflowInvalid) as caught:
        engine.load_workflow(document)
    return {p.pointer: p.message for p in caught.value.problems}


def test_settings_are_validated_with_pointers(mentorflow_engine: Engine) -> None:
    bad = programme_with({"reflections": {"pulse": {"first": "thirty days", "every": "P60D", "when": 1},
                                          "cadence": "weekly"}})
    found = pointers(mentorflow_engine, bad)
    assert set(found) == {"/programme/settings/reflections/pulse/first",
                          "/programme/settings/reflections/pulse/when", "/programme/settings/reflections/cadence"}
    assert "expected form" in found["/programme/settings/reflections/pulse/first"]
    zero = programme_with({"reflections": {"pulse": {"first": "P30D", "every": "P0D"}}})
    assert pointers(mentorflow_engine, zero) == {"/programme/settings/reflections/pulse/every":
                                                 "must be longer than zero"}
    missing = programme_with({"reflections": {"pulse": {"first": "P30D"}}})
    assert set(pointers(mentorflow_engine, missing)) == {"/programme/settings/reflections/pulse/every"}
    mentorflow_engine.load_workflow(default_workflow())  # nothing to say about a workflow without the plugin


def test_transitions_using_the_effects_are_checked(mentorflow_engine: Engine) -> None:
    document = extend(default_workflow())
    index = {t["id"]: i for i, t in enumerate(document["transitions"])}
    reflect = document["transitions"][index["submit_reflection"]]
    del reflect["form"]
    pulse = document["transitions"][index["answer_pulse"]]
    pulse["roles"] = ["mentee", "coordinator"]
    del document["forms"]["pulse"]["schema"]["properties"]["satisfaction"]
    document["forms"]["pulse"]["schema"]["required"] = ["comment"]
    found = pointers(mentorflow_engine, document)
    assert set(found) == {f"/transitions/{index['submit_reflection']}/effects/0",
                          f"/transitions/{index['answer_pulse']}/roles", "/forms/pulse/schema/properties"}
    assert "coordinator" in found[f"/transitions/{index['answer_pulse']}/roles"]


# -- the schedule's pure functions (no database) --------------------------------------
def test_schedule_functions_without_a_database() -> None:
    from datetime import UTC, datetime

    from mentorflow import Member, RelationshipSnapshot
    from mentorflow.plugins.reflections import schedule
    from mentorflow.workflow.model import Timer

    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    timer = Timer(id="check_in", kind="recurring", states=frozenset({"active"}), every=timedelta(days=7),
                  satisfied_by=frozenset({"reflect"}), who=("mentor", "mentee"),
                  remind=(timedelta(0), -timedelta(days=1)), escalate_after=timedelta(days=3))
    no_mentor = RelationshipSnapshot(1, 1, 1, "active", 3, t0, t0, members=(Member(5, "mentee", t0),))
    assert schedule.owing_roles(no_mentor, timer) == ("mentee",)
    later = t0 + timedelta(days=10)
    duties = schedule.duties(no_mentor, timer, {"mentee": t0 + timedelta(days=2)}, later)
    mentee = duties["mentee"]
    assert set(duties) == {"mentee"} and mentee.period_start == t0 + timedelta(days=2)
    assert mentee.due_at == t0 + timedelta(days=9) and mentee.days_overdue == 1 and not mentee.escalated
    assert mentee.reminders == (t0 + timedelta(days=8), t0 + timedelta(days=9)) and mentee.next_reminder is None
    assert schedule.duties(no_mentor, timer, {"mentee": t0 - timedelta(days=30)}, later)["mentee"].period_start == t0
    assert schedule.duty(timer, "mentee", t0, None, t0 + timedelta(days=10)).escalated
    pair = (Member(4, "mentor", t0), Member(5, "mentee", t0))
    assert schedule.duties(RelationshipSnapshot(1, 1, 1, "paused", 3, t0, t0, members=pair), timer, {}, later) == {}
    assert schedule.due_cutoff(timer, later, timedelta(days=1)) == later - timedelta(days=6)


def test_private_fields_of_a_shared_reflection_stay_with_their_author(mentorflow_engine: Any,
                                                                       mentorflow_factory: Any) -> None:
    from mentorflow.plugins.reflections.api import reflections as list_reflections
    from tests import lifecycle, workflows_reflections

    document = workflows_reflections.extend(lifecycle.base_workflow())
    document["forms"]["reflection"]["fields"]["notes"] = {"label": {"en": "Notes", "da": "Noter"}, "private": True}
    mentorflow_factory.programme("fieldprivacy", document)
    rel = mentorflow_factory.relationship("fieldprivacy")
    rel = mentorflow_factory.drive(rel, [
        ("sign_agreement", rel.mentor_id, {"accept": True}), ("sign_agreement", rel.mentee_id, {"accept": True}),
        ("agree", rel.mentee_id), ("add_goal", rel.mentee_id, {"title": "Learn SQL", "category": "skills"}),
        ("start_reflecting", rel.mentor_id),
        ("submit_reflection", rel.mentee_id, {"went_well": "Good", "notes": "only for me"})])
    mine = list_reflections(mentorflow_engine, rel, rel.mentee_id)[0]
    theirs = list_reflections(mentorflow_engine, rel, rel.mentor_id)[0]
    assert mine.content["notes"] == "only for me"
    assert "notes" not in theirs.content and theirs.content["went_well"] == "Good"
