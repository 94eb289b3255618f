"""``mentorflow simulate WORKFLOW``: a dry run of one relationship on a virtual clock."""

from __future__ import annotations

import click

from mentorflow import hookimpl


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .cli import simulate_command

    cli.add_command(simulate_command)
