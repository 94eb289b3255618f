"""The reminders' due table: kept by the transitions, equal to a rebuild from the audit log, read by the scan.

On SQLite and PostgreSQL: randomized transitions (hypothesis) leave the maintained
rows equal to the rows rebuilt from the states and the audit log; the plugin's
migration fills the table for an existing database; ``mentorflow reminders
rebuild-due`` fills it after a bulk load; and a repeated scan reads nothing.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Any

from alembic import command
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select

from mentorflow import Engine, ManualClock, UserError
from mentorflow.clock import as_utc
from mentorflow.db import migrate
from mentorflow.db.models import AuditEvent, Person, Relationship, RelationshipMember
from mentorflow.plugins.reminders.due import derive_all, engine_workflows, stored_rows
from mentorflow.plugins.reminders.models import DueDuty
from mentorflow.plugins.reminders.outbox import scan
from mentorflow.testing import Factory
from tests.lifecycle import base_workflow
from tests.test_migrations import empty_database, plugin_locations  # noqa: F401 (the fixture)
from tests.test_reminders import READY, reflecting

D = DueDuty.__table__
COLUMNS = ("relationship_id", "timer", "role", "kind", "programme_id", "workflow_version_id", "period_start",
           "due_at")
TRANSITIONS = ["submit_reflection", "submit_reflection", "submit_reflection", "propose_adjustment",
               "accept_adjustment", "reject_adjustment", "pause", "resume", "begin_closure", "end_early", "close",
               "add_goal"]
DATA = {"submit_reflection": {"went_well": "fine", "health": 4}, "add_goal": {"title": "More", "category": "skills"}}


def rebuilt(engine: Engine) -> set[tuple[Any, ...]]:
    """What a rebuild would write, as comparable tuples (the table itself is left alone)."""
    with engine.read() as conn:
        return {tuple(row[c] for c in COLUMNS) for row in derive_all(conn, engine_workflows(engine))}


def maintained(engine: Engine) -> set[tuple[Any, ...]]:
    with engine.read() as conn:
        return stored_rows(conn, COLUMNS)


step = st.tuples(st.integers(0, 2), st.sampled_from(TRANSITIONS), st.sampled_from(["mentor", "mentee"]),
                 st.integers(0, 20 * 24), st.booleans())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_maintained_rows_equal_the_rebuilt_ones_after_random_transitions(
        mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: ManualClock,
        steps: list[tuple[int, str, str, int, bool]]) -> None:
    engine, factory = mentorflow_engine, mentorflow_factory
    if "programme" not in {p["key"] for p in engine.programmes()}:
        factory.programme(document=base_workflow())
    rels, people = [], []
    for n in range(3):
        who = {"mentor": factory.person(role="mentor", programme="programme"),
               "mentee": factory.person(role="mentee", programme="programme")}
        rel = factory.relationship(mentor=who["mentor"], mentee=who["mentee"])
        if n:  # one stays in contracting, outside every timer's states
            factory.drive(rel, [(t, who[role], data) for t, role, data in READY])
        rels.append(rel.id)
        people.append(who)
    for index, transition, role, hours, then_scan in steps:
        mentorflow_clock.advance(hours=hours)
        with suppress(UserError):  # not possible in this state: nothing is written, the table must not change either
            engine.fire(rels[index], transition, people[index][role], DATA.get(transition))
        if then_scan:
            scan(engine)  # moves next_at on, never a period
    assert maintained(engine) == rebuilt(engine)


def test_a_repeated_scan_reads_nothing_and_a_done_duty_is_read_again_when_due(
        mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: Any) -> None:
    rel, people = reflecting(mentorflow_factory)
    mentorflow_clock.advance(days=12)  # the first reminder, two days before due
    assert scan(mentorflow_engine).duties_due == 2
    assert scan(mentorflow_engine).duties_due == 0  # the scan read these two already: nothing else comes before due
    mentorflow_clock.advance(days=2)  # the second reminder (at due)
    assert scan(mentorflow_engine).duties_due == 2
    mentorflow_clock.advance(days=6)
    assert scan(mentorflow_engine).duties_due == 0  # the escalation comes 7 days after due, not yet
    mentorflow_clock.advance(days=1)
    assert scan(mentorflow_engine).notifications_created == 2  # one escalation per late person
    mentorflow_clock.advance(days=30)
    assert scan(mentorflow_engine).duties_due == 0  # nothing more is owed for this period
    mentorflow_engine.fire(rel.id, "submit_reflection", people["mentee"], DATA["submit_reflection"])
    mentorflow_clock.advance(days=12)
    assert scan(mentorflow_engine).duties_due == 1  # the mentee's new period, the mentor's old one stays quiet


def test_the_migration_fills_the_table_of_an_existing_database(empty_database: str) -> None:  # noqa: F811
    clock = ManualClock()
    engine = Engine(empty_database, clock=clock)
    engine.upgrade_database()
    factory = Factory(engine)
    rel, people = reflecting(factory)
    clock.advance(days=3)
    engine.fire(rel.id, "submit_reflection", people["mentor"], DATA["submit_reflection"])
    engine.fire(factory.relationship(mentor=people["mentor"]).id, "sign_agreement", people["mentor"],
                {"accept": True})
    before = maintained(engine)
    assert len(before) == 3  # the mentor's and the mentee's duty, and the programme's end
    config = migrate.alembic_config(engine.db, plugin_locations())
    for target in ("reminders@reminders0001", "heads"):  # a database from before the table, then the upgrade
        with engine.db.begin() as conn:
            config.attributes["connection"] = conn
            (command.downgrade if target.endswith("0001") else command.upgrade)(config, target)
    assert maintained(engine) == before == rebuilt(engine)
    engine.db.dispose()


def test_rebuild_due_after_a_bulk_load_then_the_scan_owes_what_is_due(
        mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: Any,
        mentorflow_database_url: str) -> None:
    reflecting(mentorflow_factory)
    R, A, P = Relationship.__table__, AuditEvent.__table__, Person.__table__
    now = mentorflow_clock.now()
    version_id, _workflow = mentorflow_engine.current_workflow("programme")
    with mentorflow_engine.write() as conn:  # a bulk load that bypasses the engine (as bench/scan.py seeds)
        programme_id = conn.execute(select(R.c.programme_id)).scalar_one()
        mentee = conn.execute(insert(P).values(display_name="Bulk", locale="en", created_at=now)
                              .returning(P.c.id)).scalar_one()
        mentor = conn.execute(select(func.min(P.c.id))).scalar_one()
        rid = conn.execute(insert(R).values(
            programme_id=programme_id, workflow_version_id=version_id,
            state="reflecting", version=1, started_at=now, state_entered_at=now - timedelta(days=12),
            closed_at=None, updated_at=now).returning(R.c.id)).scalar_one()
        conn.execute(insert(RelationshipMember.__table__), [
            {"relationship_id": rid, "person_id": person, "role": role, "joined_at": now - timedelta(days=12),
             "joined_seq": 1} for person, role in ((mentor, "mentor"), (mentee, "mentee"))])
        conn.execute(insert(A).values(relationship_id=rid, seq=1, at=now, actor_id=None, actor_role="system",
                                      transition="start", from_state=None, to_state="reflecting", data=None))
        conn.execute(delete(D).where(D.c.relationship_id != rid))  # and a restore that lost some rows
    assert {row[0] for row in maintained(mentorflow_engine)} == set()
    result = CliRunner().invoke(_cli(), ["reminders", "rebuild-due", "--database-url", mentorflow_database_url])
    assert result.exit_code == 0, result.output
    assert "6 due rows rebuilt" in result.output, result.output
    assert maintained(mentorflow_engine) == rebuilt(mentorflow_engine)
    assert scan(mentorflow_engine).notifications_created == 2  # the bulk-loaded pair, whose first reminder has come


def _cli() -> Any:
    from mentorflow.cli import cli

    return cli


def test_new_people_on_a_relationship_make_the_scan_read_its_rows_again(
        mentorflow_factory: Factory, mentorflow_clock: Any, mentorflow_engine: Engine) -> None:
    from tests.test_closure import TO_REFLECTING, Pair

    pair = Pair(mentorflow_factory)
    pair.drive(TO_REFLECTING)
    mentorflow_clock.advance(days=21)  # due on day 14, escalated 7 days later: nothing more comes this period
    assert scan(mentorflow_engine).duties_due == 2
    assert scan(mentorflow_engine).duties_due == 0
    nils = mentorflow_factory.person("Nils", role="mentor", programme=pair.programme)
    pair.fire("reassign_mentor", "coordinator", {"mentor_id": nils, "reason": "Morten moved abroad"})
    # Read again with the new members: the mentee's overdue period is looked at once more (the outbox keys owe
    # nothing twice); the new mentor's period starts when they joined, so they owe nothing yet.
    again = scan(mentorflow_engine)
    assert (again.duties_due, again.notifications_created) == (1, 0)
    with mentorflow_engine.read() as conn:
        starts = dict(conn.execute(select(D.c.person_id, D.c.period_start).where(D.c.role == "mentor")).all())
    assert list(starts) == [nils] and as_utc(starts[nils]) == mentorflow_clock.now()
    assert maintained(mentorflow_engine) == rebuilt(mentorflow_engine)
