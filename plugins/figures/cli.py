"""``mentorflow figures rebuild``: recompute the programme figures' summary rows from the relationships' own rows."""

from __future__ import annotations

import click

from mentorflow.cli_help import LocalizedCommand, LocalizedGroup
from mentorflow.i18n import _, _lazy


@click.group("figures", cls=LocalizedGroup)
def figures_command() -> None:
    """The programme figures the dashboard reads."""


@figures_command.command("rebuild", cls=LocalizedCommand)
@click.option("--programme", default=None, help=_lazy("Only this programme (its key); every programme by default."))
@click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", help=_lazy("SQLAlchemy database URL."))
def rebuild_command(programme: str | None, database_url: str | None) -> None:
    """Recompute every relationship's figures and the programmes' sums, in one transaction."""
    from mentorflow.engine import Engine

    from .store import rebuild

    engine = Engine(database_url)
    with engine.write() as conn:
        programme_id = engine.programme_id(programme, conn) if programme is not None else None
        done = rebuild(engine, conn, programme_id)
    click.echo(_("Rebuilt the figures of {n} relationships.").format(n=done))
