"""Messages: a conversation per relationship for its members (a pair or a group), written against the public hooks.

- Every current member reads and writes the thread (:mod:`.api`); a member who has left reads none of it
  any more; coordinators see how many messages there are and when the last was written, never the words
  (:func:`mentorflow.policy.conversation_access`, stricter than ``coordinator_sees_content``).
- New messages notify the other members through the notification channels, one notification per burst, in
  each person's language, with a link back to the thread (:mod:`.notify`).
- Unread counts per person: in the panel's heading and on "My mentoring" (:mod:`.panels`).
- REST routes (:mod:`.web`), personal data (:mod:`.gdpr`), its own tables and Alembic branch ``messages``.

A message is not a workflow transition: no audit event is written for it (the audit log would otherwise hold
the words, or a trace of every message in the history both members and coordinators read). See docs/messages.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mentorflow import hookimpl
from mentorflow.gdpr import personal_data_hooks
from mentorflow.worker import Periodic, WorkerTasks

from . import models as models  # the tables join Base.metadata when the plugin loads


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.messages:migrations"]


# Personal data: declared in gdpr.py, wired to the export, erasure and retention hooks by the core.
_personal_data = personal_data_hooks(f"{__name__}.gdpr")
mentorflow_export_personal_data = _personal_data.export
mentorflow_erase_personal_data = _personal_data.erase
mentorflow_purge_relationship_content = _personal_data.purge


@hookimpl(trylast=True)
def mentorflow_web_blueprints(engine: Any) -> Iterable[Any]:
    from .web import blueprints

    return blueprints(engine)


@hookimpl(trylast=True)
def mentorflow_page_panels(engine: Any, page: Any) -> Iterable[Any]:
    from .panels import page_panels

    return page_panels(engine, page)


@hookimpl(trylast=True)
def mentorflow_worker_tasks() -> WorkerTasks:
    """Notifications about new messages are sent every minute (the task reads only due rows)."""
    return WorkerTasks(modules=["mentorflow.plugins.messages.tasks"], schedule={
        "messages.deliver": Periodic("mentorflow.messages.deliver", every_seconds=60,
                                     env="MENTORFLOW_MESSAGES_DELIVER_INTERVAL"),
    })
