"""A programme with every lifecycle plugin and a driver that fills every form, for the trust tests.

``full_workflow()`` composes the default lifecycle with the agreements, goals,
reflections, meetings, adjustments and closure additions (the
``tests/workflows_<plugin>.py`` modules), plus a private reflection form.
``drive_everything()`` takes one relationship through every form of that
workflow, and a second one through early closure and a mentor reassignment,
writing each free-text field with ``text(author, field)``: the GDPR tests use
recognisable markers, the XSS test script payloads, the fuzz tests anything.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from mentorflow import Engine, ManualClock, RelationshipSnapshot
from mentorflow.testing import default_workflow

PLUGINS = ("agreements", "goals", "reflections", "meetings", "adjustments", "closure")
Text = Callable[[str, str], str]
"""``text(author, field)``: what ``author`` ("mentor", "mentee", "coordinator") writes into ``field``."""


def full_workflow(*, coordinator_sees_content: bool = False, retention: str | None = None) -> dict[str, Any]:
    """The default lifecycle with every lifecycle plugin's transitions, forms and settings."""
    document = default_workflow()
    for name in PLUGINS:
        document = importlib.import_module(f"tests.workflows_{name}").extend(document)
    document = copy.deepcopy(document)
    # A private reflection: seen by its author only (the policy's "private" visibility).
    private = copy.deepcopy(document["forms"]["reflection"])
    private["private"] = True
    document["forms"]["private_reflection"] = private
    submit = next(t for t in document["transitions"] if t["id"] == "submit_reflection")
    document["transitions"].append({**copy.deepcopy(submit), "id": "submit_private_reflection",
                                    "form": "private_reflection",
                                    "label": {"en": "Write a private reflection", "da": "Skriv en privat refleksion"}})
    settings = document["programme"].setdefault("settings", {})
    settings["privacy"] = {"coordinator_sees_content": coordinator_sees_content}
    if retention is not None:
        settings["retention"] = {"closed_content": retention}
    return document


def free_text_fields(document: dict[str, Any]) -> dict[str, list[str]]:
    """Per form, the top-level fields a person writes in their own words (strings without a fixed format)."""
    out: dict[str, list[str]] = {}
    for form_id, form in document["forms"].items():
        names = [name for name, spec in form["schema"].get("properties", {}).items()
                 if spec.get("type") == "string" and not {"enum", "pattern", "format", "const"} & set(spec)
                 and spec.get("maxLength", 10_000) >= 100]
        out[form_id] = names
    return out


@dataclass
class Cast:
    """The people of the world and the relationships the driver made."""

    coordinator: int
    mentor: int
    mentee: int
    other_mentor: int
    other_mentee: int
    main: RelationshipSnapshot | None = None
    early: RelationshipSnapshot | None = None
    goals: dict[str, int] = field(default_factory=dict)
    meeting: int | None = None

    def person(self, who: str) -> int:
        return {"mentor": self.mentor, "mentee": self.mentee, "coordinator": self.coordinator,
                "other_mentor": self.other_mentor, "other_mentee": self.other_mentee}[who]


def make_cast(engine: Engine, programme: str, names: dict[str, tuple[str, str]]) -> Cast:
    """People with the given ``(display name, e-mail)`` per role key, with their programme roles."""
    ids = {}
    for who, (name, email) in names.items():
        ids[who] = engine.add_person(name, email=email)
        role = "mentor" if who.endswith("mentor") else "mentee" if who.endswith("mentee") else "coordinator"
        engine.grant_role(programme, ids[who], role)
    return Cast(**ids)


def _goal_ids(engine: Engine, rel: RelationshipSnapshot, viewer: int) -> list[int]:
    from mentorflow.plugins.goals import api as goals

    return [g.id for g in goals.list_goals(engine, rel, viewer).goals]


def _meeting_ids(engine: Engine, rel: RelationshipSnapshot, viewer: int) -> list[int]:
    from mentorflow.plugins.meetings import api as meetings

    return [m.id for m in meetings.meetings(engine, rel, viewer)]


def drive_everything(engine: Engine, clock: ManualClock, programme: str, cast: Cast, text: Text) -> Cast:
    """Fill every form of :func:`full_workflow` once or more; returns the cast with the relationships made."""
    def fire(rel: RelationshipSnapshot, transition: str, who: str, data: dict[str, Any] | None = None
             ) -> RelationshipSnapshot:
        return engine.fire(rel, transition, cast.person(who), data).relationship

    def agreement(who: str) -> dict[str, Any]:
        return {"mentor_expectations": text(who, "mentor_expectations"),
                "mentee_expectations": text(who, "mentee_expectations"), "meeting_frequency": "fortnightly",
                "meeting_format": "video", "meeting_length_minutes": 60,
                "confidentiality": text(who, "confidentiality"), "duration": "P6M", "ending": text(who, "ending"),
                "other": text(who, "other")}

    def goal(who: str, category: str) -> dict[str, Any]:
        return {"title": text(who, "title"), "category": category, "measure": text(who, "measure"),
                "description": text(who, "description"), "specific": text(who, "specific"),
                "achievable": text(who, "achievable"), "relevant": text(who, "relevant"),
                "target_date": (clock.now() + timedelta(days=90)).date().isoformat()}

    def reflection(who: str, goal_id: int, prefix: str = "") -> dict[str, Any]:
        return {"went_well": text(who, f"{prefix}went_well"), "to_change": text(who, f"{prefix}to_change"),
                "notes": text(who, f"{prefix}notes"), "trust": 4, "engagement": 5,
                "health": 4 if who == "mentee" else 3,
                "progress": [{"goal_id": goal_id, "percent": 30, "note": text(who, f"{prefix}progress_note")}]}

    ratings = {"communication": 2, "confidence": 3, "network": 1}
    today = lambda: clock.now().date().isoformat()  # noqa: E731 (read at each call: the clock moves)
    rel = engine.start_relationship(programme, mentee=cast.mentee, mentor=cast.mentor, actor=cast.coordinator)
    rel = fire(rel, "propose_agreement", "mentor", agreement("mentor"))
    rel = fire(rel, "sign_agreement", "mentor", {"accept": True, "comment": text("mentor", "sign_comment")})
    rel = fire(rel, "sign_agreement", "mentee", {"accept": True, "comment": text("mentee", "sign_comment")})
    rel = fire(rel, "self_assess_start", "mentee", {"ratings": ratings, "note": text("mentee", "assess_note")})
    rel = fire(rel, "log_meeting", "mentor", {
        "date": today(), "duration_minutes": 60, "format": "video", "agenda": text("mentor", "agenda"),
        "shared_notes": text("mentor", "shared_notes"), "private_notes": text("mentor", "private_notes"),
        "rating": 3})
    cast.meeting = _meeting_ids(engine, rel, cast.mentor)[-1]
    rel = fire(rel, "rate_meeting", "mentee", {"meeting_id": cast.meeting, "rating": 4,
                                               "private_notes": text("mentee", "private_notes")})
    rel = fire(rel, "agree", "mentee")
    rel = fire(rel, "add_goal", "mentee", goal("mentee", "academic"))
    rel = fire(rel, "add_goal", "mentor", goal("mentor", "skills"))
    mentee_goal, mentor_goal = _goal_ids(engine, rel, cast.mentee)[-2:]
    cast.goals = {"mentee": mentee_goal, "mentor": mentor_goal}
    rel = fire(rel, "agree_goal", "mentor", {"goal_id": mentee_goal, "comment": text("mentor", "agree_comment")})
    rel = fire(rel, "agree_goal", "mentee", {"goal_id": mentor_goal, "comment": text("mentee", "agree_comment")})
    rel = fire(rel, "start_reflecting", "mentor")
    clock.advance(days=3)
    rel = fire(rel, "submit_reflection", "mentee", reflection("mentee", mentee_goal))
    rel = fire(rel, "submit_reflection", "mentor", reflection("mentor", mentor_goal))
    rel = fire(rel, "submit_private_reflection", "mentee", reflection("mentee", mentee_goal, "private_"))
    rel = fire(rel, "update_goal_progress", "mentee", {"goal_id": mentee_goal, "progress": 50,
                                                       "note": text("mentee", "progress_update")})
    rel = fire(rel, "set_goal_status", "mentor", {"goal_id": mentor_goal, "status": "revised", "note": text(
        "mentor", "status_note"), "title": text("mentor", "revised_title")})
    clock.advance(days=30)  # the first pulse survey opens on day 30
    rel = fire(rel, "answer_pulse", "mentee", {"satisfaction": 4, "comment": text("mentee", "pulse_comment")})
    rel = fire(rel, "answer_pulse", "mentor", {"satisfaction": 5, "comment": text("mentor", "pulse_comment")})
    rel = fire(rel, "propose_adjustment", "mentee", {
        "items": [{"kind": "change_cadence", "period": "P7D"},
                  {"kind": "add_goal", "title": text("mentee", "item_title")[:200], "category": "skills"}],
        "rationale": text("mentee", "rationale")})
    rel = fire(rel, "reject_adjustment", "mentor", {"reason": text("mentor", "reject_reason")})
    rel = fire(rel, "propose_adjustment", "mentor", {
        "items": [{"kind": "change_cadence", "period": "P7D"},
                  {"kind": "revise_goal", "goal_id": mentor_goal, "text": text("mentor", "item_text")[:200]}],
        "rationale": text("mentor", "rationale")})
    rel = fire(rel, "accept_adjustment", "mentee")
    rel = fire(rel, "amend_agreement", "mentee", agreement("mentee"))
    rel = fire(rel, "sign_agreement", "mentee", {"accept": True, "version": 2})
    rel = fire(rel, "sign_agreement", "mentor", {"accept": True, "version": 2})
    rel = fire(rel, "pause", "mentee", {"note": text("mentee", "pause_note")})
    clock.advance(days=7)
    rel = fire(rel, "resume", "coordinator")
    rel = fire(rel, "request_extension", "mentee", {"period": "P1M", "reason": text("mentee", "extension_reason")})
    rel = fire(rel, "approve_extension", "coordinator", {"note": text("coordinator", "decision_note")})
    rel = fire(rel, "request_extension", "mentor", {"period": "P1M", "reason": text("mentor", "extension_reason")})
    rel = fire(rel, "decline_extension", "coordinator", {"note": text("coordinator", "decision_note")})
    clock.advance(days=20)
    rel = fire(rel, "begin_closure", "mentor")
    rel = fire(rel, "record_closure_conversation", "mentor", {"held_on": today(),
                                                              "notes": text("mentor", "conversation_notes")})
    rel = fire(rel, "self_assess_closure", "mentee", {"ratings": {"communication": 4, "confidence": 4, "network": 3},
                                                      "note": text("mentee", "closure_assess_note")})
    attained = [{"goal_id": mentee_goal, "attained": "fully"}, {"goal_id": mentor_goal, "attained": "partly"}]
    rel = fire(rel, "submit_closure_form", "mentor", {"goals": attained, "learned": text("mentor", "learned"),
                                                      "satisfaction": 5})
    rel = fire(rel, "submit_closure_form", "mentee", {"goals": attained, "learned": text("mentee", "learned"),
                                                      "satisfaction": 4})
    rel = fire(rel, "close", "mentee")
    cast.main = fire(rel, "request_rematch", "mentee")

    # A second relationship of the same mentee: a new mentor, then early closure.
    early = engine.start_relationship(programme, mentee=cast.mentee, mentor=cast.other_mentor, actor=cast.coordinator)
    early = fire(early, "reassign_mentor", "coordinator", {"mentor_id": cast.mentor,
                                                           "reason": text("coordinator", "reassign_reason")})
    early = fire(early, "end_early", "mentee", {"reason": "changed_needs", "note": text("mentee", "early_note")})
    early = fire(early, "submit_closure_form", "mentee", {"goals": [], "learned": text("mentee", "learned"),
                                                          "satisfaction": 3})
    early = fire(early, "submit_closure_form", "mentor", {"goals": [], "learned": text("mentor", "learned"),
                                                          "satisfaction": 3})
    cast.early = fire(early, "close", "mentor")
    return cast


def find_in_database(engine: Engine, needles: list[str]) -> list[tuple[str, str, str]]:
    """Every ``(table, column, needle)`` where a needle occurs (case-insensitively) in any text or JSON value.

    Reads every column of every table in the database (whatever the models
    say), so a plugin that forgot a column is found too.
    """
    import json

    from sqlalchemy import MetaData, select

    metadata = MetaData()
    metadata.reflect(engine.db)
    lowered = [n.lower() for n in needles]
    found = set()
    with engine.read() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if isinstance(value, str):
                        haystack = value
                    elif isinstance(value, dict | list):
                        haystack = json.dumps(value, ensure_ascii=False)
                    else:
                        continue
                    haystack = haystack.lower()
                    for needle, low in zip(needles, lowered, strict=True):
                        if low in haystack:
                            found.add((table.name, column, needle))
    return sorted(found)


def fresh_postgres_database(label: str) -> str:
    """A new, migrated PostgreSQL database for one test module (dropped when the session ends)."""
    import os

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import _PG_DATABASES, postgres_server_url

    server = make_url(postgres_server_url()).set(drivername="postgresql+psycopg")
    name = f"mentorflow_trust_{label}_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = Engine(url)
    engine.upgrade_database()
    engine.db.dispose()
    _PG_DATABASES[("trust", label)] = url  # tests/conftest.py drops it at the end of the session
    return url
