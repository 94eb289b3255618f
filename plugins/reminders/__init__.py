"""Reminders, escalations, deadline timers and coordinator digests, run by Celery.

Registers the reminder outbox table, the ``email`` notification channel
and the ``worker`` and ``reminders`` commands.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from mentorflow import NotificationChannel, hookimpl

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

from . import models  # noqa: F401 (the outbox table belongs on the shared metadata as soon as the plugin loads)


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.reminders:migrations"]


@hookimpl(trylast=True)
def mentorflow_notification_channels() -> Iterable[NotificationChannel]:
    from .email_channel import EmailChannel

    return [EmailChannel()]


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .commands import beat_command, reminders_command, worker_command

    cli.add_command(worker_command)
    cli.add_command(beat_command)
    cli.add_command(reminders_command)


@hookimpl(trylast=True)
def mentorflow_export_personal_data(person_id: int, connection: Connection) -> dict[str, Any] | None:
    from . import gdpr

    return gdpr.export(person_id, connection)


@hookimpl(trylast=True)
def mentorflow_erase_personal_data(person_id: int, pseudonym: str, connection: Connection) -> None:
    from . import gdpr

    gdpr.erase(person_id, pseudonym, connection)


@hookimpl(trylast=True)
def mentorflow_purge_relationship_content(relationship_id: int, connection: Connection) -> None:
    from . import gdpr

    gdpr.purge(relationship_id, connection)


@hookimpl(trylast=True)
def mentorflow_timer_scan(engine: Any, now: Any) -> Iterable[Any]:
    """The outbox scan (:func:`.outbox.scan`), and the notifications it added to the outbox."""
    from datetime import datetime

    from sqlalchemy import func, select

    from mentorflow.timers import TimerNotice

    from .models import Notification
    from .outbox import scan

    N = Notification.__table__
    with engine.read() as conn:
        before = conn.execute(select(func.max(N.c.id))).scalar() or 0
    scan(engine, now)  # owes reminders and escalations first, then fires deadlines
    with engine.read() as conn:
        rows = conn.execute(select(N.c.kind, N.c.recipient_id, N.c.context).where(N.c.id > before)
                            .order_by(N.c.id)).all()
    notices = []
    for row in rows:
        context = row.context or {}
        due = context.get("due_at")
        notices.append(TimerNotice(kind={"remind": "reminder", "escalate": "escalation"}.get(row.kind, row.kind),
                                   recipient_id=row.recipient_id, role=context.get("role"),
                                   timer=context.get("timer"), due_at=datetime.fromisoformat(due) if due else None))
    return notices
