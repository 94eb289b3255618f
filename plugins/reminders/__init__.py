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
