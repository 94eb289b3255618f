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
from typing import TYPE_CHECKING

import click

from mentorflow import Engine, hookimpl
from mentorflow.gdpr import personal_data_hooks

from . import models as models  # the table joins Base.metadata when the plugin loads

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


# Personal data: declared in gdpr.py, wired to the export and erasure hooks by the core (no relationship
# content, so no retention purge).
_personal_data = personal_data_hooks(f"{__name__}.gdpr")
mentorflow_export_personal_data = _personal_data.export
mentorflow_erase_personal_data = _personal_data.erase
