"""A test plugin, as a third party would write one: a notebook of private notes, one table, every kind of hook.

It implements the hooks no built-in plugin's test covers on its own (start-up, form validation, command-line
commands, migrations, framing, the personal-data trio, programme health, meetings, the sign-up profile, the
timer scan and the history's labels), so tests/test_plugin_hooks.py can show what each hook does with a plugin
that is not the project's own. A note reading ``met 2026-11-20 for 45 minutes: <agenda>`` records a meeting its
writer sees; the timer scan owes each mentee a one-off digest a week after their relationship started, and
notes that it did. The personal-data functions (``export``, ``erase``, ``purge``) are also this module's
``gdpr.py`` part, for :func:`mentorflow.gdpr.personal_data_hooks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import click
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mentorflow import Engine, Problem, hookimpl
from mentorflow.clock import as_utc
from mentorflow.db.models import Person, Programme, Relationship
from mentorflow.gdpr import erase_text, export_rows
from mentorflow.meetings import MeetingRecord
from mentorflow.relationships import member_in
from mentorflow.signup import SignupProfile
from mentorflow.timers import TimerNotice

NOTES = sa.Table("test_notebook_notes", sa.MetaData(),  # its own metadata: not one of mentorflow's tables
                 sa.Column("id", sa.Integer, primary_key=True), sa.Column("person_id", sa.Integer),
                 sa.Column("relationship_id", sa.Integer), sa.Column("text", sa.Text))
FRAMED_BY = "https://lms.example.org/course/7?x=1"
MET = re.compile(r"met (\d{4}-\d{2}-\d{2}) for (\d+) minutes: (.+)", re.S)
"""A note that records a meeting: the day, how long, the agenda."""
MEETING_IDS = 900_000
"""Added to a note's id to make its meeting's id (apart from the meetings plugin's ids in a calendar)."""
DIGEST_AFTER = timedelta(days=7)
DIGEST = "digest owed "
"""The note the timer scan writes when it owed a relationship's digest (so it is owed once)."""
PROFILE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["pen_name"], "additionalProperties": False,
    "properties": {"pen_name": {"type": "string", "minLength": 2, "maxLength": 40,
                                "x-label": {"en": "Pen name", "da": "Pennenavn"}}}}
STARTED: list[tuple[Engine, list[str]]] = []
"""(engine, its guard names) for every engine that started with this plugin."""
SEEN_AT_ERASURE: list[tuple[str, str]] = []
"""(pseudonym passed, the person's name as this plugin's connection reads it) for every erasure."""


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """The person's notes."""
    notes = export_rows(conn, sa.select(NOTES.c.relationship_id, NOTES.c.text).where(NOTES.c.person_id == person_id)
                        .order_by(NOTES.c.id))
    return {"notes": notes} if notes else None


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """The person's notes become ``[erased]``; what the core did first is visible in the same transaction."""
    name = conn.execute(sa.select(Person.__table__.c.display_name).where(Person.__table__.c.id == person_id))
    SEEN_AT_ERASURE.append((pseudonym, name.scalar_one()))
    erase_text(conn, NOTES, NOTES.c.person_id == person_id, "text")


def purge(relationship_id: int, conn: Connection) -> None:
    """Every note about one relationship becomes ``[erased]``."""
    erase_text(conn, NOTES, NOTES.c.relationship_id == relationship_id, "text")


@hookimpl
def mentorflow_migration_locations() -> Iterable[str]:
    return ["tests:notebook_migrations"]


@hookimpl
def mentorflow_startup(engine: Engine) -> None:
    STARTED.append((engine, sorted(engine.guards)))


@hookimpl
def mentorflow_validate_form(form: str, data: dict[str, Any], relationship: Any) -> Iterable[Problem]:
    # A cross-field rule no JSON Schema says: a goal's title is more than its category.
    if form == "goal" and str(data.get("title", "")).strip().lower() == str(data.get("category", "")).lower():
        return [Problem("/title", f"says no more than the category (relationship {relationship.id})")]
    return []


@hookimpl
def mentorflow_register_commands(cli: click.Group) -> None:
    @cli.command("notes")
    @click.argument("person", type=int)
    @click.option("--database-url", required=True)
    def notes(person: int, database_url: str) -> None:
        """Print a person's notes."""
        engine = Engine(database_url, plugins=["tests.notebook"])
        with engine.read() as conn:
            for row in conn.execute(sa.select(NOTES.c.text).where(NOTES.c.person_id == person)):
                click.echo(row.text)


@hookimpl
def mentorflow_frame_ancestors(engine: Engine) -> Iterable[str]:
    return [FRAMED_BY, "not a url"]


@hookimpl
def mentorflow_export_personal_data(person_id: int, connection: Connection) -> dict[str, Any] | None:
    return export(person_id, connection)


@hookimpl
def mentorflow_erase_personal_data(person_id: int, pseudonym: str, connection: Connection) -> None:
    erase(person_id, pseudonym, connection)


@hookimpl
def mentorflow_purge_relationship_content(relationship_id: int, connection: Connection) -> None:
    purge(relationship_id, connection)


@hookimpl
def mentorflow_programme_health(engine: Engine, programme: str, actor: Any) -> dict[str, Any] | None:
    # Only a count: the notes themselves are private to their writers, even from the coordinator.
    R, P = Relationship.__table__, Programme.__table__
    with engine.read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(
            NOTES.join(R, R.c.id == NOTES.c.relationship_id).join(P, P.c.id == R.c.programme_id))
            .where(P.c.key == programme)).scalar_one()
    return {"notebook": {"programme": programme, "notes": count}} if count else None


@hookimpl
def mentorflow_relationship_figures(relationship: Any, workflow: Any, connection: Connection, engine: Engine) -> Any:
    # A count of the relationship's notes, summed over the programme by the figures plugin; never their text.
    from mentorflow.figures import RelationshipFigures

    count = connection.execute(sa.select(sa.func.count()).select_from(NOTES)
                               .where(NOTES.c.relationship_id == relationship.id)).scalar_one()
    return RelationshipFigures(values={"notebook.notes": count})


@hookimpl
def mentorflow_relationship_meetings(engine: Engine, relationship: Any, viewer: int) -> Iterable[MeetingRecord]:
    # A note is its writer's: a meeting recorded in one is seen by the writer only.
    with engine.read() as conn:
        rows = conn.execute(sa.select(NOTES.c.id, NOTES.c.text).where(
            NOTES.c.relationship_id == relationship.id, NOTES.c.person_id == viewer).order_by(NOTES.c.id)).all()
    found = []
    for row in rows:
        met = MET.fullmatch(row.text or "")
        if met:
            found.append(MeetingRecord(id=MEETING_IDS + row.id, held_on=date.fromisoformat(met[1]),
                                       logged_at=engine.clock.now(), duration_minutes=int(met[2]),
                                       format="notebook", agenda=met[3]))
    return found


def _check_profile(profile: Any) -> list[Problem]:
    name = str((profile or {}).get("pen_name", ""))
    return [Problem("/pen_name", "is the notebook's own name")] if name.strip().lower() == "notebook" else []


@hookimpl
def mentorflow_signup_profile(engine: Engine, programme_id: int, workflow: Any) -> SignupProfile | None:
    def store(person_id: int, role: str, profile: Any, actor_id: int) -> None:
        with engine.write() as conn:
            conn.execute(sa.insert(NOTES).values(person_id=person_id, relationship_id=None,
                                                 text=f"pen name as {role} in programme {programme_id}: "
                                                      f"{profile['pen_name']}"))

    return SignupProfile(form="notebook_profile", schema=PROFILE_SCHEMA,
                         title={"en": "Notebook profile", "da": "Notesbogsprofil"}, check=_check_profile, store=store)


@hookimpl
def mentorflow_timer_scan(engine: Engine, now: datetime) -> Iterable[TimerNotice]:
    R = Relationship.__table__
    owed = []
    with engine.write() as conn:
        done = set(conn.execute(sa.select(NOTES.c.relationship_id).where(NOTES.c.text.startswith(DIGEST))).scalars())
        for rel in conn.execute(sa.select(R.c.id, member_in("mentee").label("mentee_id"), R.c.started_at)
                                .where(R.c.closed_at.is_(None)).order_by(R.c.id)):
            due = as_utc(rel.started_at) + DIGEST_AFTER
            if rel.id in done or due > now:
                continue
            conn.execute(sa.insert(NOTES).values(person_id=rel.mentee_id, relationship_id=rel.id,
                                                 text=f"{DIGEST}{due.isoformat()}"))
            owed.append(TimerNotice("digest", rel.mentee_id, "mentee", "notebook_digest", due))
    return owed


NOTE_CHOICES = "notebook.notes"
"""The (imagined) choices provider whose recorded values are note ids: the history names them by their text."""


@hookimpl
def mentorflow_history_labels(engine: Engine, relationship: Any, viewer: int,
                              recorded: Any) -> dict[str, dict[Any, str]] | None:
    # A note is its writer's: the history names it (by its text) to its writer only.
    ids = [v for v in recorded.get(NOTE_CHOICES, ()) if isinstance(v, int)]
    if not ids:
        return None
    with engine.read() as conn:
        rows = conn.execute(sa.select(NOTES.c.id, NOTES.c.text).where(
            NOTES.c.id.in_(ids), NOTES.c.relationship_id == relationship.id, NOTES.c.person_id == viewer))
        return {NOTE_CHOICES: {row.id: row.text for row in rows}}
