"""The web service as a plugin: its commands (``serve``, ``token``), its tables, and their personal data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from mentorflow import hookimpl

from .models import WebSession

S = WebSession.__table__


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.integrations.web:migrations"]


@hookimpl(trylast=True)
def mentorflow_export_personal_data(person_id: int, connection: Connection) -> dict[str, Any] | None:
    """When the person's browser sessions began, were last used and end (no addresses are kept)."""
    rows = connection.execute(select(S.c.created_at, S.c.last_seen_at, S.c.expires_at)
                              .where(S.c.person_id == person_id).order_by(S.c.id)).all()
    if not rows:
        return None
    return {"sessions": [{"created_at": r.created_at.isoformat(), "last_seen_at": r.last_seen_at.isoformat(),
                          "expires_at": r.expires_at.isoformat()} for r in rows]}


@hookimpl(trylast=True)
def mentorflow_erase_personal_data(person_id: int, pseudonym: str, connection: Connection) -> None:
    # Every session of an erased person ends with the erasure: a kept cookie signs nobody in.
    connection.execute(delete(S).where(S.c.person_id == person_id))


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .serve import serve_command
    from .token_commands import token

    cli.add_command(serve_command)
    cli.add_command(token)
