"""The web service as a plugin: its commands (``serve``, ``token``), its tables, and their personal data (browser
sessions, and the console's applications to programmes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from mentorflow import hookimpl

from .models import Application, WebSession

S, A = WebSession.__table__, Application.__table__


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.integrations.web:migrations"]


@hookimpl(trylast=True)
def mentorflow_export_personal_data(person_id: int, connection: Connection) -> dict[str, Any] | None:
    """When the person's browser sessions began, were last used and end (no addresses are kept); their applications."""
    rows = connection.execute(select(S.c.created_at, S.c.last_seen_at, S.c.expires_at)
                              .where(S.c.person_id == person_id).order_by(S.c.id)).all()
    applications = connection.execute(select(A).where(A.c.person_id == person_id).order_by(A.c.id)).all()
    if not rows and not applications:
        return None
    return {"sessions": [{"created_at": r.created_at.isoformat(), "last_seen_at": r.last_seen_at.isoformat(),
                          "expires_at": r.expires_at.isoformat()} for r in rows],
            "applications": [{"programme_id": a.programme_id, "role": a.role, "profile": a.profile,
                              "status": a.status, "reason": a.reason, "created_at": a.created_at.isoformat(),
                              "decided_at": a.decided_at.isoformat() if a.decided_at else None}
                             for a in applications]}


@hookimpl(trylast=True)
def mentorflow_erase_personal_data(person_id: int, pseudonym: str, connection: Connection) -> None:
    # Every session of an erased person ends with the erasure: a kept cookie signs nobody in.
    connection.execute(delete(S).where(S.c.person_id == person_id))
    # What they wrote when applying, and what a coordinator wrote about them, goes; that they applied stays.
    connection.execute(update(A).where(A.c.person_id == person_id).values(profile=None, reason=None))


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .serve import serve_command
    from .token_commands import token

    cli.add_command(serve_command)
    cli.add_command(token)
