"""``mentorflow retention run [--dry-run]``: remove the content of relationships closed past their retention."""

from __future__ import annotations

import json

import click

from mentorflow.cli_help import LocalizedGroup
from mentorflow.i18n import _, _lazy

DATABASE = click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", metavar="URL",
                        help=_lazy("SQLAlchemy database URL (env MENTORFLOW_DATABASE_URL)."))


@click.group("retention", cls=LocalizedGroup)
def retention() -> None:
    """Apply the programmes' retention periods (settings.retention.closed_content)."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help=_lazy("Only list the relationships that are due; change nothing."))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@DATABASE
def run_command(dry_run: bool, output: str, database_url: str | None) -> None:
    """Scrub the content of every relationship closed longer ago than its programme keeps content."""
    from mentorflow.clock import clock_from_environment
    from mentorflow.engine import Engine
    from mentorflow.retention import run_retention

    report = run_retention(Engine(database_url, clock=clock_from_environment()), dry_run=dry_run)
    if output == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
    elif dry_run:
        click.echo(_("{n} relationships are due for removal of their content: {ids}").format(
            n=len(report.due), ids=", ".join(map(str, report.due)) or "-"))
    else:
        click.echo(_("Removed the content of {n} relationships: {ids}").format(
            n=len(report.purged), ids=", ".join(map(str, report.purged)) or "-"))
    for relationship_id, error in report.errors.items():
        click.echo(_("Relationship {id} failed (tried again next run): {error}").format(id=relationship_id,
                                                                                       error=error), err=True)
    if report.errors:
        raise SystemExit(1)
