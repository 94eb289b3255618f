"""Calendar invitations: logged meetings and reflection due dates as iCalendar (RFC 5545) files and feeds.

Mentors and mentees subscribe to a secret per-person address
(``/calendar/<token>.ics`` on the web service, made with
``mentorflow calendar feed PERSON``) or save a file
(``mentorflow calendar export PERSON``), so their mentoring shows up in
the calendar they already use. Rendering needs the ``calendar`` extra
(``icalendar``); the plugin loads without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from mentorflow import Engine, hookimpl

from . import models as models  # the table joins Base.metadata when the plugin loads
from .models import CalendarFeed

if TYPE_CHECKING:
    from flask import Blueprint


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.calendar:migrations"]


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .cli import calendar

    cli.add_command(calendar)


@hookimpl(trylast=True)
def mentorflow_web_blueprints(engine: Engine) -> Iterable[Blueprint]:
    from .web import feed_blueprint

    return [feed_blueprint(engine)]


@hookimpl(trylast=True)
def mentorflow_export_personal_data(person_id: int, connection: Connection) -> dict[str, Any] | None:
    F = CalendarFeed.__table__
    rows = connection.execute(select(F.c.created_at, F.c.revoked_at).where(F.c.person_id == person_id)
                              .order_by(F.c.id)).all()
    if not rows:
        return None
    return {"feeds": [{"created_at": r.created_at.isoformat(),
                       "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None} for r in rows]}


@hookimpl(trylast=True)
def mentorflow_erase_personal_data(person_id: int, connection: Connection) -> None:
    # A feed address leads to the person's calendar: an erased person has none.
    F = CalendarFeed.__table__
    connection.execute(delete(F).where(F.c.person_id == person_id))
