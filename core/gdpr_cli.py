"""``mentorflow gdpr export|erase PERSON``: data-subject rights from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mentorflow.cli_help import LocalizedGroup
from mentorflow.i18n import _, _lazy

DATABASE = click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", metavar="URL",
                        help=_lazy("SQLAlchemy database URL (env MENTORFLOW_DATABASE_URL)."))


@click.group("gdpr", cls=LocalizedGroup)
def gdpr() -> None:
    """Export or erase a person's personal data."""


@gdpr.command("export")
@click.argument("person_id", type=int)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help=_lazy("Write to this file."))
@DATABASE
def export_command(person_id: int, output: Path | None, database_url: str | None) -> None:
    """Print (or write) everything stored about PERSON_ID as JSON."""
    from mentorflow.engine import Engine
    from mentorflow.gdpr import export_person

    text = json.dumps(export_person(Engine(database_url), person_id), indent=2, ensure_ascii=False)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(_("Written to {path}").format(path=output))
    else:
        click.echo(text)


@gdpr.command("erase")
@click.argument("person_id", type=int)
@click.option("--yes", is_flag=True, help=_lazy("Do not ask for confirmation."))
@DATABASE
def erase_command(person_id: int, yes: bool, database_url: str | None) -> None:
    """Pseudonymise PERSON_ID everywhere; the other party's records and statistics stay intact."""
    from mentorflow.engine import Engine
    from mentorflow.gdpr import erase_person

    if not yes:
        click.confirm(_("Erase person {id}? This cannot be undone.").format(id=person_id), abort=True)
    pseudonym = erase_person(Engine(database_url), person_id)
    click.echo(_("Person {id} is now '{pseudonym}'.").format(id=person_id, pseudonym=pseudonym))


@gdpr.command("reclaim")
@click.option("--full", is_flag=True, help=_lazy("Rewrite the tables (VACUUM FULL): locks each table while it runs."))
@DATABASE
def reclaim_command(full: bool, database_url: str | None) -> None:
    """Vacuum the database so erased texts are gone from its files too (erasure already vacuums what it changed)."""
    from mentorflow.engine import Engine
    from mentorflow.gdpr import reclaim_erased_space

    if not reclaim_erased_space(Engine(database_url), full=full):
        raise click.ClickException(_("Vacuuming failed; the log says why. The erasures themselves stand."))
    click.echo(_("Done: the space erased data held is reclaimed."))
