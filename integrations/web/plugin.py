"""Registers the web service's commands (``serve``, ``token``) with the mentorflow CLI."""

from __future__ import annotations

import click

from mentorflow import hookimpl


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .serve import serve_command
    from .token_commands import token

    cli.add_command(serve_command)
    cli.add_command(token)
