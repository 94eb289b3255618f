"""``mentorflow calendar export PERSON`` and ``mentorflow calendar feed PERSON``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mentorflow.cli_help import LocalizedGroup
from mentorflow.i18n import _, _lazy

if TYPE_CHECKING:
    from mentorflow import Engine


def _engine(database_url: str | None) -> Engine:
    from mentorflow import Engine

    return Engine(database_url)


DATABASE = click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", metavar="URL",
                        help=_lazy("SQLAlchemy database URL (env MENTORFLOW_DATABASE_URL)."))


@click.group("calendar", cls=LocalizedGroup)
def calendar() -> None:
    """Meetings and reflection due dates as iCalendar files and feeds."""


@calendar.command("export")
@click.argument("person", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help=_lazy("Write the .ics file here (default: standard output)."))
@DATABASE
def export_command(person: int, output: Path | None, database_url: str | None) -> None:
    """Print PERSON's calendar (meetings and due dates) as an iCalendar (.ics) file."""
    from .events import person_events
    from .feeds import uid_domain
    from .ics import render

    engine = _engine(database_url)
    name = engine.person(person)["display_name"]
    body = render(person_events(engine, person, domain=uid_domain()), name=_("Mentoring: {name}").format(name=name))
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(body)
        click.echo(_("Wrote {path}").format(path=output), err=True)


@calendar.command("feed")
@click.argument("person", type=int)
@click.option("--rotate", is_flag=True,
              help=_lazy("Required when PERSON already has a feed: the old address stops working."))
@click.option("--revoke", is_flag=True, help=_lazy("Only revoke PERSON's feed address."))
@click.option("--base-url", envvar="MENTORFLOW_BASE_URL", metavar="URL",
              help=_lazy("Public address of the web service (env MENTORFLOW_BASE_URL)."))
@DATABASE
def feed_command(person: int, rotate: bool, revoke: bool, base_url: str | None, database_url: str | None) -> None:
    """Make PERSON's secret calendar-feed address (shown once) for subscribing in a calendar application."""
    from sqlalchemy import select

    from mentorflow.errors import UserError

    from .feeds import F, create_feed, feed_url, revoke_feeds

    engine = _engine(database_url)
    engine.person(person)
    if revoke:
        n = revoke_feeds(engine, person)
        click.echo(_("Revoked {n} feed address(es) of person {id}.").format(n=n, id=person))
        return
    with engine.read() as conn:
        live = conn.execute(select(F.c.id).where(F.c.person_id == person, F.c.revoked_at.is_(None))).first()
    if live is not None and not rotate:
        raise UserError(_("Person {id} already has a calendar feed; its address was shown when it was made. "
                          "Use --rotate to make a new one (the old address stops working).").format(id=person))
    click.echo(feed_url(create_feed(engine, person), base_url))
