"""Celery task for the messages plugin: sending the notifications about new messages that are due.

Declared through ``mentorflow_worker_tasks`` (see ``__init__.py``): ``mentorflow worker`` runs
``mentorflow.messages.deliver`` every minute (``MENTORFLOW_MESSAGES_DELIVER_INTERVAL``). The queue is in the
database, so the task takes no arguments.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="mentorflow.messages.deliver")
def deliver_task() -> dict[str, Any]:
    from mentorflow.clock import clock_from_environment
    from mentorflow.db.database import default_database_url
    from mentorflow.engine import Engine

    from .notify import deliver

    engine = Engine(default_database_url(), clock=clock_from_environment())
    try:
        return deliver(engine).as_dict()
    finally:
        engine.db.dispose()
