"""Data-subject rights across every plugin: export holds each plugin's data, erasure leaves no trace.

One mentee writes into every form of the full lifecycle (agreements, goals,
reflections, meetings, adjustments, closure), gets reminders and escalations
and a calendar feed. Every text they write carries the marker ``MENTEE-``,
the mentor's ``MENTOR-`` and the coordinator's ``COORDINATOR-``. After the
mentee is erased, every text and JSON column of every table is searched for
the mentee's markers, name and e-mail address; the mentor's records and the
programme's figures must be exactly as before. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

from mentorflow import Engine, ManualClock
from mentorflow.gdpr import erase_person, export_person, pseudonym_for
from mentorflow.plugins.calendar.feeds import create_feed
from mentorflow.plugins.closure import api as closure
from mentorflow.plugins.goals import api as goals
from mentorflow.plugins.meetings import api as meetings
from mentorflow.plugins.reflections import api as reflections
from mentorflow.plugins.reminders.models import Notification
from mentorflow.plugins.reminders.outbox import scan
from mentorflow.tokens import create_token
from tests.trust_world import Cast, drive_everything, find_in_database, full_workflow, make_cast

PROGRAMME = "trust"
NAMES = {"coordinator": ("Carla Coordinator", "carla.c@example.org"),
         "mentor": ("Morten Mentorsen", "morten.m@example.org"),
         "mentee": ("Mia Secretname", "mia.secret@example.org"),
         "other_mentor": ("Otto Othermentor", "otto.o@example.org"),
         "other_mentee": ("Olga Othermentee", "olga.o@example.org")}
PLUGINS_WITH_DATA = {"agreements", "goals", "reflections", "meetings", "adjustments", "closure", "reminders",
                     "calendar"}


def marker(who: str, field: str) -> str:
    return f"{who.upper()}-{field}-text"


def world(engine: Engine, clock: ManualClock) -> Cast:
    """Every form filled in, a relationship with overdue reflections (reminders and escalations) and a feed."""
    engine.publish_workflow(PROGRAMME, full_workflow())
    cast = make_cast(engine, PROGRAMME, NAMES)
    cast = drive_everything(engine, clock, PROGRAMME, cast, marker)
    # A third relationship of the mentee, reflecting and late: reminders to them, escalations naming them.
    rel = engine.start_relationship(PROGRAMME, mentee=cast.mentee, mentor=cast.other_mentor, actor=cast.coordinator)
    steps = [("propose_agreement", cast.other_mentor, {
        "mentor_expectations": "x", "mentee_expectations": "y", "meeting_frequency": "weekly",
        "meeting_format": "phone", "confidentiality": "z", "duration": "P6M", "ending": "w"}),
        ("sign_agreement", cast.other_mentor, {"accept": True}), ("sign_agreement", cast.mentee, {"accept": True}),
        ("agree", cast.mentee, None), ("add_goal", cast.other_mentor, {"title": "A shared goal", "category": "skills"})]
    for transition, actor, data in steps:
        rel = engine.fire(rel, transition, actor, data).relationship
    goal_id = goals.list_goals(engine, rel, cast.mentee).goals[-1].id
    rel = engine.fire(rel, "agree_goal", cast.mentee, {"goal_id": goal_id}).relationship
    engine.fire(rel, "start_reflecting", cast.other_mentor)
    clock.advance(days=22)  # due on day 14, escalated after 7 more days
    assert scan(engine).notifications_created >= 3
    create_feed(engine, cast.mentee)
    create_token(engine, "phone", person_id=cast.mentee)
    return cast


def figures(engine: Engine, cast: Cast) -> dict[str, Any]:
    """The programme's statistics and the relationship summaries coordinators and the system read."""
    assert cast.main is not None and cast.early is not None
    return {
        "states": engine.count_relationships(PROGRAMME),
        "health": reflections.programme_health(engine, PROGRAMME, cast.coordinator),
        "meetings": meetings.meeting_stats(engine, PROGRAMME, cast.coordinator),
        "goals": goals.programme_goal_attainment(engine, PROGRAMME, cast.coordinator),
        "growth": goals.self_assessment_growth(engine, cast.main, cast.mentee).competences,
        "summary": [(s.duration_days, s.satisfaction, s.goal_outcomes, s.forms_submitted)
                    for s in (closure.closing_summary(engine, r, cast.mentor) for r in (cast.main, cast.early))],
        "timeline": [(e.seq, e.transition, e.actor_role, e.from_state, e.to_state)
                     for r in (cast.main, cast.early) for e in engine.timeline(r)],
    }


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "exported_at"}


def test_export_holds_every_plugins_data_and_nothing_private_of_others(mentorflow_engine: Engine,
                                                                        mentorflow_clock: ManualClock) -> None:
    cast = world(mentorflow_engine, mentorflow_clock)
    document = export_person(mentorflow_engine, cast.mentee)
    text = json.dumps(document, ensure_ascii=False)
    assert set(document["plugins"]) >= PLUGINS_WITH_DATA, sorted(document["plugins"])
    for plugin in ("agreements", "goals", "reflections", "meetings", "adjustments", "closure"):
        assert "MENTEE-" in json.dumps(document["plugins"][plugin]), f"{plugin} exports nothing the mentee wrote"
    written = {"sign_comment", "agree_comment", "pulse_comment", "assess_note", "progress_update", "pause_note",
               "title", "measure", "went_well", "private_went_well", "private_notes", "rationale", "extension_reason",
               "learned", "early_note", "mentee_expectations", "item_title", "progress_note"}
    missing = sorted(f for f in written if marker("mentee", f) not in text)
    assert not missing, f"the export lacks what the mentee wrote in {missing}"
    assert document["person"]["email"] == NAMES["mentee"][1]
    notifications = document["plugins"]["reminders"]["notifications"]
    assert {n["kind"] for n in notifications} == {"remind"}  # escalations go to the coordinator, not to them
    # Only the mentee's own records: nothing the mentor wrote, least of all the mentor's private notes.
    assert "MENTOR-" not in text
    mentor_text = json.dumps(export_person(mentorflow_engine, cast.mentor), ensure_ascii=False)
    assert marker("mentor", "private_notes") in mentor_text
    assert "MENTEE-" not in mentor_text


def test_erasure_leaves_no_trace_and_keeps_the_other_party_and_the_figures(mentorflow_engine: Engine,
                                                                           mentorflow_clock: ManualClock) -> None:
    engine, cast = mentorflow_engine, world(mentorflow_engine, mentorflow_clock)
    name, email = NAMES["mentee"]
    before = figures(engine, cast)
    mentor_before = without_time(export_person(engine, cast.mentor))
    other_before = without_time(export_person(engine, cast.other_mentor))
    assert find_in_database(engine, ["MENTEE-", name, email]), "the world must hold the mentee's data first"
    N = Notification.__table__
    with engine.read() as conn:
        escalations = conn.execute(N.select().where(N.c.kind == "escalate")).mappings().all()
    about_her = [e for e in escalations if e["context"]["role"] == "mentee"]
    assert about_her and all(e["context"]["person_name"] == name for e in about_her)

    mentorflow_clock.advance(days=1)
    pseudonym = erase_person(engine, cast.mentee)

    left = find_in_database(engine, ["MENTEE-", name, email, "Secretname", "mia.secret"])
    assert not left, f"the erased mentee is still in the database: {left}"
    assert engine.person(cast.mentee)["display_name"] == pseudonym == pseudonym_for(cast.mentee)
    with engine.read() as conn:
        escalations = conn.execute(N.select().where(N.c.kind == "escalate")).mappings().all()
        own = conn.execute(N.select().where(N.c.recipient_id == cast.mentee)).all()
    names = {e["context"]["role"]: e["context"]["person_name"] for e in escalations}
    assert names == {"mentee": pseudonym, "mentor": NAMES["other_mentor"][0]}
    assert own == []
    # The other people's records are exactly as they were, and so is every figure.
    assert without_time(export_person(engine, cast.mentor)) == mentor_before
    assert without_time(export_person(engine, cast.other_mentor)) == other_before
    for field in ("shared_notes", "private_notes", "went_well", "learned", "sign_comment", "mentor_expectations"):
        assert find_in_database(engine, [marker("mentor", field)]), f"the mentor's {field} was removed"
    assert find_in_database(engine, [marker("coordinator", "decision_note")])
    assert find_in_database(engine, [NAMES["mentor"][0]])
    assert figures(engine, cast) == before
    export = export_person(engine, cast.mentee)
    assert "MENTEE-" not in json.dumps(export) and set(export["plugins"]) <= {"goals", "reflections", "meetings",
                                                                              "agreements", "adjustments", "closure"}


def test_erasure_of_the_mentor_keeps_the_mentees_private_notes(mentorflow_engine: Engine,
                                                               mentorflow_clock: ManualClock) -> None:
    engine, cast = mentorflow_engine, world(mentorflow_engine, mentorflow_clock)
    mentee_before = without_time(export_person(engine, cast.mentee))
    erase_person(engine, cast.mentor)
    assert not find_in_database(engine, ["MENTOR-", NAMES["mentor"][0], NAMES["mentor"][1]])
    after = without_time(export_person(engine, cast.mentee))
    assert after == mentee_before
    assert find_in_database(engine, [marker("mentee", "private_notes")])


def test_the_erased_person_can_still_be_worked_around(mentorflow_engine: Engine,
                                                      mentorflow_clock: ManualClock) -> None:
    """Relationships of an erased person stay consistent: the other side's views still work."""
    engine, cast = mentorflow_engine, world(mentorflow_engine, mentorflow_clock)
    erase_person(engine, cast.mentee)
    assert cast.main is not None
    views = goals.list_goals(engine, cast.main, cast.mentor).goals
    assert views and all(v.category for v in views)
    assert closure.closing_summary(engine, cast.main, cast.mentor).satisfaction == {"mentor": 5, "mentee": 4}
    assert [m.shared_notes for m in meetings.meetings(engine, cast.main, cast.mentor)] == [
        marker("mentor", "shared_notes")]
