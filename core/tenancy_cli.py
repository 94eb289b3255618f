"""``mentorflow programmes share|unshare|shares``: administrators let Open edX courses run programmes they do not own.

A share lets the course's blocks run the programme (and its staff
coordinate it); it never lets them publish to it. Every share and revocation
is kept with who made it and when (``shares`` lists them).
"""

from __future__ import annotations

import getpass
import json

import click

from mentorflow.cli_help import LocalizedGroup
from mentorflow.i18n import _, _lazy

DATABASE = click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", metavar="URL",
                        help=_lazy("SQLAlchemy database URL (env MENTORFLOW_DATABASE_URL)."))
BY = click.option("--by", "by", metavar="NAME",
                  help=_lazy("Who is sharing, for the record (default: cli:<your user name>)."))


def _who(by: str | None) -> str:
    if by and by.strip():
        return by.strip()
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in this environment (a container without one)
        return "cli"


@click.group("programmes", cls=LocalizedGroup)
def programmes() -> None:
    """Programme owners and shares (who may run which programme)."""


@programmes.command("share")
@click.argument("key")
@click.argument("course")
@BY
@DATABASE
def share_command(key: str, course: str, by: str | None, database_url: str | None) -> None:
    """Let Open edX COURSE (such as course-v1:Uni+Mentoring+2026) run programme KEY."""
    from mentorflow.engine import Engine
    from mentorflow.tenancy import share

    if share(Engine(database_url), key, course, _who(by)):
        click.echo(_("Programme {key} is now shared with {course}.").format(key=key, course=course))
    else:
        click.echo(_("Programme {key} was already shared with {course}.").format(key=key, course=course))


@programmes.command("unshare")
@click.argument("key")
@click.argument("course")
@BY
@DATABASE
def unshare_command(key: str, course: str, by: str | None, database_url: str | None) -> None:
    """Revoke COURSE's share of programme KEY (its blocks stop running it at their next view)."""
    from mentorflow.engine import Engine
    from mentorflow.errors import UserError
    from mentorflow.tenancy import unshare

    if not unshare(Engine(database_url), key, course, _who(by)):
        raise UserError(_("Programme {key} is not shared with {course}.").format(key=key, course=course))
    click.echo(_("Programme {key} is no longer shared with {course}.").format(key=key, course=course))


@programmes.command("shares")
@click.argument("key", required=False)
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@DATABASE
def shares_command(key: str | None, output: str, database_url: str | None) -> None:
    """Every share (of programme KEY, or of all), revoked ones included, with who made it and when."""
    from mentorflow.engine import Engine
    from mentorflow.tenancy import shares

    found = shares(Engine(database_url), key)
    if output == "json":
        click.echo(json.dumps([s.as_dict() for s in found], indent=2))
        return
    for s in found:
        revoked = _("revoked {at} by {by}").format(at=s.revoked_at.isoformat(), by=s.revoked_by) \
            if s.revoked_at else _("active")
        click.echo(f"{s.programme}  {s.course}  " + _("shared {at} by {by}").format(
            at=s.granted_at.isoformat(), by=s.granted_by) + f"  ({revoked})")
