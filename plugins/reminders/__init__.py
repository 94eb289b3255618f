"""Reminders, escalations, deadline timers and coordinator digests, run by Celery.

Registers the reminder outbox table, the ``email`` notification channel
the ``worker`` and ``reminders`` commands, and its tasks for the worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

from mentorflow import NotificationChannel, hookimpl
from mentorflow.gdpr import personal_data_hooks
from mentorflow.worker import Periodic, WorkerTasks

from . import models  # noqa: F401 (the outbox table belongs on the shared metadata as soon as the plugin loads)


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.reminders:migrations"]


@hookimpl(trylast=True)
def mentorflow_web_blueprints(engine: Any) -> Iterable[Any]:
    from .web import blueprints

    return blueprints(engine)


@hookimpl(trylast=True)
def mentorflow_notification_channels() -> Iterable[NotificationChannel]:
    from .email_channel import EmailChannel

    return [EmailChannel()]


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .cli import beat_command, reminders_command, worker_command

    cli.add_command(worker_command)
    cli.add_command(beat_command)
    cli.add_command(reminders_command)


@hookimpl(trylast=True)
def mentorflow_worker_tasks() -> WorkerTasks:
    """The scans, deliveries, digest, housekeeping and retention runs, declared like any plugin's tasks."""
    return WorkerTasks(modules=["mentorflow.plugins.reminders.tasks"], schedule={
        "scan": Periodic("mentorflow.scan", every_seconds=60, env="MENTORFLOW_SCAN_INTERVAL"),
        "deliver": Periodic("mentorflow.deliver", every_seconds=30, env="MENTORFLOW_DELIVER_INTERVAL"),
        "digest": Periodic("mentorflow.digest", crontab={"minute": 0, "hour": 7}, env="MENTORFLOW_DIGEST_HOUR"),
        "housekeeping": Periodic("mentorflow.housekeeping", every_seconds=3600),
        "retention": Periodic("mentorflow.retention", every_seconds=86400, env="MENTORFLOW_RETENTION_INTERVAL"),
    })


@hookimpl(trylast=True)
def mentorflow_apply_transition(event: Any, connection: Any) -> None:
    """Keep the due table (:mod:`.due`) right in the transition's own transaction."""
    from .due import on_transition

    on_transition(event, connection)


@hookimpl(trylast=True)
def mentorflow_relationship_started(relationship: Any, workflow: Any, connection: Any) -> None:
    """A new relationship's due rows, in its creating transaction."""
    from .due import on_started

    on_started(relationship, workflow, connection)


# Personal data: declared in gdpr.py, wired to the export, erasure and retention hooks by the core.
_personal_data = personal_data_hooks(f"{__name__}.gdpr")
mentorflow_export_personal_data = _personal_data.export
mentorflow_erase_personal_data = _personal_data.erase
mentorflow_purge_relationship_content = _personal_data.purge


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
