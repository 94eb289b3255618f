"""A test plugin, as a third party would write one: a notebook of private notes, one table, every kind of hook.

It implements the hooks no built-in plugin's test covers on its own (start-up, form validation, command-line
commands, migrations, framing, and the personal-data trio), so tests/test_plugin_hooks.py can show what each
hook does with a plugin that is not the project's own. The personal-data functions (``export``, ``erase``,
``purge``) are also this module's ``gdpr.py`` part, for :func:`mentorflow.gdpr.personal_data_hooks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mentorflow import Engine, Problem, hookimpl
from mentorflow.db.models import Person
from mentorflow.gdpr import erase_text, export_rows

NOTES = sa.Table("test_notebook_notes", sa.MetaData(),  # its own metadata: not one of mentorflow's tables
                 sa.Column("id", sa.Integer, primary_key=True), sa.Column("person_id", sa.Integer),
                 sa.Column("relationship_id", sa.Integer), sa.Column("text", sa.Text))
FRAMED_BY = "https://lms.example.org/course/7?x=1"
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
