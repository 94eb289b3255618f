"""Reminders, escalations, deadline timers and coordinator digests, run by Celery.

Registers the reminder outbox table, the ``email`` notification channel
and the ``worker`` and ``reminders`` commands.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from mentorflow import NotificationChannel, hookimpl
from mentorflow.gdpr import personal_data_hooks

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
    from .cli import beat_command, reminders_command, worker_command

    cli.add_command(worker_command)
    cli.add_command(beat_command)
    cli.add_command(reminders_command)


# Personal data: declared in gdpr.py, wired to the export, erasure and retention hooks by the core.
_personal_data = personal_data_hooks(f"{__name__}.gdpr")
mentorflow_export_personal_data = _personal_data.export
mentorflow_erase_personal_data = _personal_data.erase
mentorflow_purge_relationship_content = _personal_data.purge
