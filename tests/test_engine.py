"""The engine's write path and query API, on SQLite and PostgreSQL.

The programmes here run the plain lifecycle (``schemas/lifecycle.json``): these tests are about the engine,
and the shipped default adds every lifecycle plugin's guards and effects (tests/test_templates.py runs it).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from mentorflow import (
    SYSTEM,
    Conflict,
    EffectContext,
    Engine,
    Forbidden,
    FormInvalid,
    GuardFailed,
    NotFound,
    PluginError,
    UnknownTransition,
    UserError,
    Veto,
    Vetoed,
    WrongState,
    effect,
    hookimpl,
)
from mentorflow.db.models import AuditEvent, Relationship
from mentorflow.testing import Factory
from tests.lifecycle import base_workflow

SIGNED = [("sign_agreement", "mentor", {"accept": True}), ("sign_agreement", "mentee", {"accept": True})]


class Pair:
    """A relationship with its people, for readable tests."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self.engine = factory.engine
        self.programme = factory.programme(document=base_workflow())
        self.coordinator = factory.person("Carla", role="coordinator", programme=self.programme)
        self.mentor = factory.person("Morten", role="mentor", programme=self.programme)
        self.mentee = factory.person("Mia", role="mentee", programme=self.programme)
        self.rel = self.engine.start_relationship(self.programme, mentee=self.mentee, mentor=self.mentor)

    def who(self, role: str) -> int:
        return {"mentor": self.mentor, "mentee": self.mentee, "coordinator": self.coordinator}[role]

    def drive(self, steps: list[tuple[str, str, dict[str, Any]]]) -> Any:
        for transition, role, data in steps:
            self.rel = self.engine.fire(self.rel, transition, self.who(role), data).relationship
        return self.rel


@pytest.fixture
def pair(mentorflow_factory: Factory) -> Pair:
    return Pair(mentorflow_factory)


def plain_relationship(engine: Engine) -> Any:
    """A relationship in a programme running the plain lifecycle."""
    factory = Factory(engine)
    factory.programme(document=base_workflow())
    return factory.relationship()


def rows(engine: Engine, table: Any) -> int:
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_fire_moves_state_bumps_version_and_audits(pair: Pair) -> None:
    rel = pair.drive([*SIGNED, ("agree", "mentee", {})])
    assert rel.state == "goal_setting"
    assert rel.version == 4
    stored = pair.engine.get(rel.id)
    assert stored == rel
    timeline = pair.engine.timeline(rel)
    assert [(e.seq, e.transition, e.from_state, e.to_state, e.actor_role) for e in timeline] == [
        (1, "start", None, "contracting", "system"),
        (2, "sign_agreement", "contracting", "contracting", "mentor"),
        (3, "sign_agreement", "contracting", "contracting", "mentee"),
        (4, "agree", "contracting", "goal_setting", "mentee"),
    ]
    assert timeline[2].data == {"accept": True}
    assert timeline[2].actor_id == pair.mentee


def test_actions_keep_state_entered_time_and_transitions_reset_it(pair: Pair, mentorflow_clock: Any) -> None:
    start = pair.rel.state_entered_at
    mentorflow_clock.advance(days=2)
    rel = pair.drive(SIGNED)
    assert rel.state_entered_at == start
    mentorflow_clock.advance(days=1)
    rel = pair.drive([("agree", "mentor", {})])
    assert rel.state_entered_at == start + timedelta(days=3)
    assert pair.engine.get(rel.id).state_entered_at == rel.state_entered_at


def test_wrong_role_is_forbidden_and_writes_nothing(pair: Pair) -> None:
    outsider = pair.factory.person("Olga")
    before = rows(pair.engine, AuditEvent.__table__)
    with pytest.raises(Forbidden, match="Only the mentor or mentee may fire 'sign_agreement'"):
        pair.engine.fire(pair.rel, "sign_agreement", outsider, {"accept": True})
    with pytest.raises(Forbidden):
        pair.engine.fire(pair.rel, "sign_agreement", pair.coordinator, {"accept": True})
    assert rows(pair.engine, AuditEvent.__table__) == before
    assert pair.engine.get(pair.rel.id).version == 1


def test_coordinator_role_comes_from_the_programme(pair: Pair) -> None:
    rel = pair.drive([("pause", "coordinator", {"note": "Sick leave"})])
    assert rel.state == "paused"
    assert pair.engine.timeline(rel)[-1].actor_role == "coordinator"
    other = pair.factory.person("Not a coordinator", role="mentor", programme=pair.programme)
    with pytest.raises(Forbidden):
        pair.engine.fire(rel, "resume", other)


def test_unknown_transition_and_wrong_state(pair: Pair) -> None:
    with pytest.raises(UnknownTransition):
        pair.engine.fire(pair.rel, "fly_to_the_moon", pair.mentor)
    with pytest.raises(WrongState, match="'close' cannot be fired while the relationship is in state 'contracting'"):
        pair.engine.fire(pair.rel, "close", pair.mentor, {"learned": "x", "satisfaction": 3})
    with pytest.raises(NotFound):
        pair.engine.fire(999_999, "agree", pair.mentor)


def test_bad_form_data_names_the_field_and_writes_nothing(pair: Pair) -> None:
    pair.drive([*SIGNED, ("agree", "mentor", {})])
    with pytest.raises(FormInvalid) as caught:
        pair.engine.fire(pair.rel, "add_goal", pair.mentee, {"title": "ok title", "category": "wealth",
                                                             "target_date": "tomorrow", "extra": 1})
    pointers = {p.pointer for p in caught.value.problems}
    assert pointers == {"/category", "/target_date", "/extra"}
    assert caught.value.form == "goal"
    with pytest.raises(FormInvalid) as missing:
        pair.engine.fire(pair.rel, "add_goal", pair.mentee, {"category": "career"})
    assert [p.pointer for p in missing.value.problems] == ["/title"]
    assert "required" in missing.value.problems[0].message
    with pytest.raises(FormInvalid, match="takes no form data"):
        pair.engine.fire(pair.rel, "start_reflecting", pair.mentee, {"note": "x"})
    assert pair.engine.get(pair.rel.id).version == pair.rel.version


def test_failed_guard_says_which_guard_and_why(pair: Pair) -> None:
    pair.drive([SIGNED[0]])
    with pytest.raises(GuardFailed) as caught:
        pair.engine.fire(pair.rel, "agree", pair.mentor)
    assert caught.value.guard == "fired_by_roles"
    assert caught.value.plugin == "guards"
    assert "Mentee" in caught.value.reason and "Mentor" not in caught.value.reason
    assert pair.engine.get(pair.rel.id).state == "contracting"


def test_available_transitions_explain_what_is_blocked(pair: Pair) -> None:
    pair.drive([SIGNED[0]])
    for_mentee = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, pair.mentee)}
    assert set(for_mentee) == {"sign_agreement", "agree", "pause", "end_early"}
    assert for_mentee["sign_agreement"].allowed and for_mentee["sign_agreement"].form == "agreement_signature"
    assert not for_mentee["agree"].allowed
    assert for_mentee["agree"].reasons == ("waiting for Mentee to do 'Sign the agreement'",)
    outsider = pair.factory.person("Olga")
    for_outsider = pair.engine.available_transitions(pair.rel, outsider)
    assert not any(a.allowed for a in for_outsider)
    assert all(a.reasons and "only the" in a.reasons[0] for a in for_outsider)
    system = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, SYSTEM)}
    assert not system["pause"].allowed


def test_pause_and_resume_returns_to_the_previous_state(pair: Pair) -> None:
    rel = pair.drive([*SIGNED, ("agree", "mentee", {}), ("pause", "mentee", {}), ("resume", "mentor", {})])
    assert rel.state == "goal_setting"
    rel = pair.drive([("add_goal", "mentee", {"title": "Learn SQL", "category": "skills"}),
                      ("start_reflecting", "mentor", {}), ("pause", "mentor", {}), ("resume", "coordinator", {})])
    assert rel.state == "reflecting"


def test_closing_sets_closed_at_and_closed_relationships_accept_nothing(pair: Pair) -> None:
    rel = pair.drive([("end_early", "mentee", {"reason": "changed_needs"}),
                      ("close", "mentor", {"learned": "Patience", "satisfaction": 4})])
    assert rel.state == "closed" and rel.closed_at is not None
    assert pair.engine.get(rel.id).closed_at == rel.closed_at
    assert pair.engine.available_transitions(rel, pair.mentor) == []
    with pytest.raises(WrongState):
        pair.engine.fire(rel, "pause", pair.mentor, {})


def test_stale_snapshot_is_a_conflict_and_writes_nothing(pair: Pair) -> None:
    stale = pair.rel
    pair.drive([SIGNED[0]])
    before = rows(pair.engine, AuditEvent.__table__)
    with pytest.raises(Conflict) as caught:
        pair.engine.fire(stale, "sign_agreement", pair.mentee, {"accept": True})
    assert caught.value.expected_version == 1
    assert "Nothing was written" in str(caught.value)
    assert rows(pair.engine, AuditEvent.__table__) == before
    # Passing the id instead uses the stored version: no conflict.
    assert pair.engine.fire(stale.id, "sign_agreement", pair.mentee, {"accept": True}).relationship.version == 3


def test_two_threads_racing_leave_one_winner_and_one_conflict(pair: Pair) -> None:
    snapshot = pair.rel
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def attempt(actor: int) -> None:
        barrier.wait()
        try:
            outcomes.append(pair.engine.fire(snapshot, "sign_agreement", actor, {"accept": True}))
        except Exception as error:  # collected and asserted below
            outcomes.append(error)

    threads = [threading.Thread(target=attempt, args=(who,)) for who in (pair.mentor, pair.mentee)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(winners) == 1 and len(conflicts) == 1, outcomes
    assert pair.engine.get(pair.rel.id).version == 2
    assert [e.seq for e in pair.engine.timeline(pair.rel)] == [1, 2]


def test_many_threads_on_one_relationship_lose_no_update(pair: Pair) -> None:
    """Each thread retries on conflict; every successful fire is in the audit log exactly once."""
    pair.drive([*SIGNED, ("agree", "mentee", {})])
    rid = pair.rel.id
    per_thread, successes, conflicts = 8, [], []
    lock = threading.Lock()

    def worker(n: int) -> None:
        done = 0
        while done < per_thread:
            snap = pair.engine.get(rid)
            try:
                pair.engine.fire(snap, "add_goal", pair.mentee, {"title": f"goal {n}-{done}", "category": "skills"})
                done += 1
                with lock:
                    successes.append((n, done))
            except Conflict:
                with lock:
                    conflicts.append(n)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    timeline = pair.engine.timeline(rid)
    goals = [e.data["title"] for e in timeline if e.transition == "add_goal"]
    assert len(goals) == len(set(goals)) == 4 * per_thread == len(successes)
    assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
    assert pair.engine.get(rid).version == len(timeline)


class Recorder:
    """A plugin that records the hook calls it sees."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @hookimpl
    def mentorflow_before_transition(self, event: Any, connection: Any) -> None:
        self.calls.append(("before", event.transition.id))

    @hookimpl
    def mentorflow_apply_transition(self, event: Any, connection: Any) -> None:
        assert event.after is not None and event.audit_id is not None
        self.calls.append(("apply", event.transition.id))

    @hookimpl
    def mentorflow_after_transition(self, event: Any, engine: Any) -> None:
        self.calls.append(("after", event.after.state))

    @hookimpl
    def mentorflow_relationship_started(self, relationship: Any, workflow: Any, connection: Any) -> None:
        self.calls.append(("started", relationship.state))


def test_hooks_see_every_stage_in_order(mentorflow_database_url: str, mentorflow_clock: Any) -> None:
    recorder = Recorder()
    engine = Engine(mentorflow_database_url, clock=mentorflow_clock, plugins=[recorder])
    rel = plain_relationship(engine)
    engine.fire(rel, "sign_agreement", rel.mentor_id, {"accept": True})
    assert recorder.calls == [("started", "contracting"), ("before", "sign_agreement"),
                              ("apply", "sign_agreement"), ("after", "contracting")]


class Vetoer:
    @hookimpl
    def mentorflow_before_transition(self, event: Any, connection: Any) -> None:
        if event.transition.id == "pause":
            raise Veto("pauses are not allowed during exams")


class Exploder:
    def __init__(self, where: str) -> None:
        self.where = where

    @hookimpl
    def mentorflow_apply_transition(self, event: Any, connection: Any) -> None:
        if self.where == "apply":
            raise RuntimeError("disk on fire")

    @hookimpl
    def mentorflow_after_transition(self, event: Any, engine: Any) -> None:
        if self.where == "after":
            raise RuntimeError("mail server down")


def _engine_with(url: str, clock: Any, plugin: Any, name: str) -> Engine:
    return Engine(url, clock=clock, plugins=[(name, plugin)])


def test_veto_names_the_plugin_and_writes_nothing(mentorflow_database_url: str, mentorflow_clock: Any) -> None:
    engine = _engine_with(mentorflow_database_url, mentorflow_clock, Vetoer(), "exam-rules")
    rel = plain_relationship(engine)
    with pytest.raises(Vetoed) as caught:
        engine.fire(rel, "pause", rel.mentee_id, {})
    assert caught.value.plugin == "exam-rules"
    assert "pauses are not allowed during exams" in str(caught.value)
    assert engine.get(rel.id).version == 1 and len(engine.timeline(rel)) == 1


def test_plugin_exception_rolls_back_and_names_the_plugin(mentorflow_database_url: str,
                                                           mentorflow_clock: Any) -> None:
    engine = _engine_with(mentorflow_database_url, mentorflow_clock, Exploder("apply"), "fragile")
    rel = plain_relationship(engine)
    with pytest.raises(PluginError) as caught:
        engine.fire(rel, "sign_agreement", rel.mentor_id, {"accept": True})
    assert caught.value.plugin == "fragile"
    assert caught.value.hook == "mentorflow_apply_transition"
    assert "disk on fire" in str(caught.value)
    # The state update and the audit row were written before the hook ran, and rolled back with it.
    assert engine.get(rel.id).version == 1
    assert [e.transition for e in engine.timeline(rel)] == ["start"]


def test_after_commit_failure_is_logged_and_state_stays(mentorflow_database_url: str, mentorflow_clock: Any,
                                                        caplog: Any) -> None:
    engine = _engine_with(mentorflow_database_url, mentorflow_clock, Exploder("after"), "mailer")
    rel = plain_relationship(engine)
    result = engine.fire(rel, "sign_agreement", rel.mentor_id, {"accept": True})
    assert engine.get(rel.id).version == result.relationship.version == 2
    assert "Plugin 'mailer' failed in mentorflow_after_transition" in caplog.text
    assert isinstance(engine.after_hook_errors[-1], PluginError)


@effect("test.count_goals", params={"type": "object", "properties": {"limit": {"type": "integer"}},
                                    "additionalProperties": False})
def count_goals(ctx: EffectContext, params: Any) -> None:
    """Rejects the transition once more than ``limit`` goals exist (reads inside the transaction)."""
    event, connection = ctx.event, ctx.connection
    table = AuditEvent.__table__
    n = connection.execute(select(func.count()).select_from(table).where(
        table.c.relationship_id == event.before.id, table.c.transition == "add_goal")).scalar_one()
    if n > params["limit"]:
        raise UserError(f"at most {params['limit']} goals")
    event.extra["goal_count"] = n


@effect("test.explode")
def explode(ctx: EffectContext, params: Any) -> None:
    raise ZeroDivisionError("bad plugin arithmetic")


class EffectsPlugin:
    @hookimpl
    def mentorflow_register_effects(self) -> list[Any]:
        return [count_goals, explode]


@pytest.fixture
def mentorflow_plugins() -> list[Any]:
    return [EffectsPlugin()]


def test_effects_run_in_the_transaction(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    document = base_workflow()
    add_goal = next(t for t in document["transitions"] if t["id"] == "add_goal")
    add_goal["effects"] = [{"name": "test.count_goals", "params": {"limit": 2}}]
    start = next(t for t in document["transitions"] if t["id"] == "start_reflecting")
    start["effects"] = [{"name": "test.explode"}]
    mentorflow_factory.programme("limited", document)
    rel = mentorflow_factory.relationship("limited")
    rel = mentorflow_factory.drive(rel, [("sign_agreement", rel.mentor_id, {"accept": True}),
                                         ("sign_agreement", rel.mentee_id, {"accept": True}),
                                         ("agree", rel.mentee_id)])
    for n in range(2):
        rel = mentorflow_engine.fire(rel, "add_goal", rel.mentee_id, {"title": f"goal {n}", "category": "skills"}
                                     ).relationship
    with pytest.raises(UserError, match="at most 2 goals"):
        mentorflow_engine.fire(rel, "add_goal", rel.mentee_id, {"title": "one too many", "category": "skills"})
    assert mentorflow_engine.get(rel.id).version == rel.version
    with pytest.raises(PluginError) as caught:
        mentorflow_engine.fire(rel, "start_reflecting", rel.mentor_id)
    assert caught.value.hook == "effect test.explode"
    assert "ZeroDivisionError" in str(caught.value)
    assert mentorflow_engine.get(rel.id).state == "goal_setting"


def test_batch_is_all_or_nothing(pair: Pair) -> None:
    with pair.engine.batch() as batch:
        rel = batch.fire(pair.rel, "sign_agreement", pair.mentor, {"accept": True}).relationship
        rel = batch.fire(rel, "sign_agreement", pair.mentee, {"accept": True}).relationship
        rel = batch.fire(rel, "agree", pair.mentee).relationship
    assert pair.engine.get(rel.id).state == "goal_setting"
    with pytest.raises(WrongState), pair.engine.batch() as batch:
        batch.fire(rel, "pause", pair.mentee, {})
        batch.fire(rel.id, "close", pair.mentee, {"learned": "x", "satisfaction": 1})
    assert pair.engine.get(rel.id) == rel


def test_relationships_pin_their_workflow_version(pair: Pair) -> None:
    document = base_workflow()
    document["transitions"] = [t for t in document["transitions"] if t["id"] != "pause"]
    document["transitions"] = [
        {**t, "from": [s for s in t["from"] if s != "paused"]} if t["id"] == "end_early" else t
        for t in document["transitions"] if t["id"] != "resume"]
    document["states"] = [s for s in document["states"] if s["id"] != "paused"]
    published = pair.engine.publish_workflow(pair.programme, document)
    assert published.version == 2 and published.created
    assert not pair.engine.publish_workflow(pair.programme, document).created
    newer = pair.engine.start_relationship(pair.programme, mentee=pair.mentee, mentor=pair.mentor)
    assert newer.workflow_version_id == published.workflow_version_id != pair.rel.workflow_version_id
    with pytest.raises(UnknownTransition):
        pair.engine.fire(newer, "pause", pair.mentee, {})
    # The running relationship still has its pause transition, even through a fresh engine (no cache).
    fresh = Engine(str(pair.engine.db.url.render_as_string(hide_password=False)), clock=pair.engine.clock)
    assert fresh.fire(pair.rel.id, "pause", pair.mentee, {}).relationship.state == "paused"


def test_only_coordinators_or_the_system_start_relationships(pair: Pair) -> None:
    with pytest.raises(Forbidden):
        pair.engine.start_relationship(pair.programme, mentee=pair.mentee, mentor=pair.mentor, actor=pair.mentor)
    rel = pair.engine.start_relationship(pair.programme, mentee=pair.mentee, mentor=pair.mentor,
                                         actor=pair.coordinator)
    assert pair.engine.timeline(rel)[0].actor_role == "coordinator"
    with pytest.raises(UserError, match="cannot mentor themselves"):
        pair.engine.start_relationship(pair.programme, mentee=pair.mentee, mentor=pair.mentee)
    with pytest.raises(NotFound):
        pair.engine.start_relationship(pair.programme, mentee=424242)
    with pytest.raises(NotFound):
        pair.engine.start_relationship("no-such-programme", mentee=pair.mentee)
    assert rows(pair.engine, Relationship.__table__) == 2


def test_people_and_external_identities(mentorflow_engine: Engine) -> None:
    anna = mentorflow_engine.add_person("Anna", email="anna@example.org", locale="da",
                                        external_ids={"moodle:https://lms.example.edu": "17"})
    assert mentorflow_engine.find_person("moodle:https://lms.example.edu", "17") == anna
    assert mentorflow_engine.find_person("moodle:https://lms.example.edu", "18") is None
    assert mentorflow_engine.person(anna)["locale"] == "da"
    with pytest.raises(UserError, match="already linked"):
        mentorflow_engine.add_person("Impostor", external_ids={"moodle:https://lms.example.edu": "17"})
    with pytest.raises(UserError):
        mentorflow_engine.add_person("   ")


def test_relationship_queries(pair: Pair) -> None:
    second = pair.engine.start_relationship(pair.programme, mentee=pair.factory.person("Nils"), mentor=pair.mentor)
    assert [r.id for r in pair.engine.relationships_of(pair.mentor)] == [pair.rel.id, second.id]
    assert [r.id for r in pair.engine.relationships_of(pair.mentee)] == [pair.rel.id]
    pair.drive([*SIGNED, ("agree", "mentor", {})])
    assert pair.engine.count_relationships(pair.programme) == {"goal_setting": 1, "contracting": 1}


def test_timeline_respects_privacy(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    document = base_workflow()
    document["forms"]["reflection"]["private"] = True
    mentorflow_factory.programme("private", document)
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme="private")
    rel = mentorflow_factory.relationship("private")
    rel = mentorflow_factory.drive(rel, [
        ("sign_agreement", rel.mentor_id, {"accept": True}), ("sign_agreement", rel.mentee_id, {"accept": True}),
        ("agree", rel.mentee_id), ("add_goal", rel.mentee_id, {"title": "Learn SQL", "category": "skills"}),
        ("start_reflecting", rel.mentor_id),
        ("submit_reflection", rel.mentee_id, {"went_well": "I asked for help", "health": 2})])

    def data_of(viewer: Any, transition: str) -> Any:
        return next(e.data for e in mentorflow_engine.timeline(rel, viewer=viewer) if e.transition == transition)

    assert data_of(rel.mentee_id, "submit_reflection") == {"went_well": "I asked for help", "health": 2}
    assert data_of(rel.mentor_id, "submit_reflection") is None  # private: the author only
    assert data_of(coordinator, "submit_reflection") is None
    assert data_of(rel.mentor_id, "add_goal") == {"title": "Learn SQL", "category": "skills"}
    assert data_of(coordinator, "add_goal") is None  # coordinators see metadata only
    assert [e.transition for e in mentorflow_engine.timeline(rel, viewer=coordinator)][-1] == "submit_reflection"
    assert data_of(SYSTEM, "submit_reflection") is not None
    with pytest.raises(Forbidden):
        mentorflow_engine.timeline(rel, viewer=mentorflow_factory.person("Stranger"))

    document["programme"]["settings"]["privacy"] = {"coordinator_sees_content": True}
    mentorflow_factory.programme("open", document)
    open_coordinator = mentorflow_factory.person("Otto", role="coordinator", programme="open")
    other = mentorflow_factory.relationship("open")
    other = mentorflow_factory.drive(other, [("sign_agreement", other.mentor_id, {"accept": True})])
    assert mentorflow_engine.timeline(other, viewer=open_coordinator)[-1].data == {"accept": True}


def test_private_fields_of_a_shared_form_stay_with_their_author(mentorflow_engine: Engine,
                                                                 mentorflow_factory: Factory) -> None:
    document = base_workflow()
    document["forms"]["reflection"]["schema"]["properties"]["note_to_self"] = {"type": "string"}
    document["forms"]["reflection"]["fields"]["note_to_self"] = {
        "label": {"en": "Note to self", "da": "Note til mig selv"}, "private": True}
    mentorflow_factory.programme("fields", document)
    rel = mentorflow_factory.relationship("fields")
    rel = mentorflow_factory.drive(rel, [
        ("sign_agreement", rel.mentor_id, {"accept": True}), ("sign_agreement", rel.mentee_id, {"accept": True}),
        ("agree", rel.mentee_id), ("add_goal", rel.mentee_id, {"title": "Learn SQL", "category": "skills"}),
        ("start_reflecting", rel.mentor_id),
        ("submit_reflection", rel.mentee_id, {"went_well": "Good talk", "health": 4, "note_to_self": "I was scared"})])
    as_mentor = mentorflow_engine.timeline(rel, viewer=rel.mentor_id)[-1].data
    as_mentee = mentorflow_engine.timeline(rel, viewer=rel.mentee_id)[-1].data
    assert as_mentor == {"went_well": "Good talk", "health": 4}
    assert as_mentee["note_to_self"] == "I was scared"


def test_in_memory_sqlite_can_be_migrated() -> None:
    engine = Engine("sqlite:///:memory:")
    assert "reminders0002" in engine.upgrade_database()  # a head that depends on the core's newest revision
    with engine.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM mf_relationship_members").scalar_one() == 0
