"""Moodle's Web Services as a mentorflow plugin: sites table, ``moodle`` channel and commands, Mentor roles.

Registered in the ``mentorflow`` entry-point group as ``moodle``. Its HTTP client (httpx) is the
``moodle`` extra, imported only where Moodle is called, so the plugin loads on a plain install and
its channel and commands say what to install when used.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import delete, or_
from sqlalchemy.engine import Connection

from mentorflow import NotificationChannel, hookimpl
from mentorflow.worker import Periodic, WorkerTasks

from . import models  # noqa: F401 (the tables join Base.metadata when the plugin loads)
from .models import RoleSync

if TYPE_CHECKING:
    from mentorflow.engine import Engine
    from mentorflow.errors import Problem
    from mentorflow.snapshots import RelationshipSnapshot, TransitionEvent
    from mentorflow.workflow.model import Workflow

log = logging.getLogger("mentorflow.moodle")
NEEDS_EXTRAS = ("moodle",)
"""Optional dependencies this plugin uses (``mentorflow plugins`` lists those not installed)."""


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.integrations.moodle:migrations"]


@hookimpl(trylast=True)
def mentorflow_frame_ancestors(engine: Engine) -> Iterable[str]:
    """A configured Moodle site may show mentorflow's pages in its own frames."""
    from .sites import list_sites

    return [site.url for site in list_sites(engine)]


@hookimpl(trylast=True)
def mentorflow_notification_channels() -> Iterable[NotificationChannel]:
    from .channel import MoodleChannel

    return [MoodleChannel()]


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .cli import moodle

    cli.add_command(moodle)


@hookimpl(trylast=True)
def mentorflow_worker_tasks() -> WorkerTasks:
    """Queued Mentor role assignments are sent every minute (the task reads only pending rows)."""
    return WorkerTasks(modules=["mentorflow.integrations.moodle.tasks"], schedule={
        "moodle.sync_mentors": Periodic("mentorflow.moodle.sync_mentors", every_seconds=60,
                                        env="MENTORFLOW_MOODLE_SYNC_INTERVAL"),
    })


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    from .settings import check

    return check(document)


@hookimpl(trylast=True)
def mentorflow_relationship_started(relationship: RelationshipSnapshot, workflow: Workflow,
                                    connection: Connection) -> None:
    from .mentor_roles import on_start

    on_start(relationship, workflow, connection)


@hookimpl(trylast=True)
def mentorflow_after_transition(event: TransitionEvent, engine: Engine) -> None:
    from .mentor_roles import on_transition

    on_transition(engine, event)


@hookimpl(trylast=True)
def mentorflow_erase_personal_data(person_id: int, pseudonym: str, connection: Connection) -> None:
    Q = RoleSync.__table__
    connection.execute(delete(Q).where(or_(Q.c.mentor_id == person_id, Q.c.mentee_id == person_id)))

