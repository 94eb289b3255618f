"""Celery tasks for the LTI tool: roster syncs, grade delivery and grade retries.

The LTI plugin declares them through ``mentorflow_worker_tasks`` (see its
``plugin.py``), so ``mentorflow worker`` runs them with no configuration:
``mentorflow.lti.deliver_grades`` every 30 seconds, ``mentorflow.lti.sync_rosters``
nightly and ``mentorflow.lti.retry_grades`` (failed ones) daily; see docs/lti.md.
Each task's engine reads the configured clock (``MENTORFLOW_CLOCK_FILE``), as the
reminders' do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task

SOON = timedelta(seconds=30)
"""A retry due sooner than this (a 409 waiting for the next second) is sent by a follow-up task, not the schedule."""


@shared_task(name="mentorflow.lti.sync_rosters")
def sync_rosters_task(programme: str | None = None) -> list[dict[str, Any]]:
    from .nrps import sync_all_rosters

    return sync_all_rosters(None, programme)


@shared_task(name="mentorflow.lti.retry_grades")
def retry_grades_task() -> int:
    from mentorflow.clock import clock_from_environment
    from mentorflow.db.database import default_database_url
    from mentorflow.engine import Engine

    from .ags import retry_failed

    engine = Engine(default_database_url(), clock=clock_from_environment())
    try:
        return retry_failed(engine)
    finally:
        engine.db.dispose()


@shared_task(name="mentorflow.lti.deliver_grades", bind=True)
def deliver_grades_task(self: Any) -> dict[str, Any]:
    from sqlalchemy import func, select

    from mentorflow.clock import as_utc, clock_from_environment
    from mentorflow.db.database import default_database_url
    from mentorflow.engine import Engine

    from .ags import S, deliver_grades

    engine = Engine(default_database_url(), clock=clock_from_environment())
    try:
        report = deliver_grades(engine)
        now = engine.clock.now()
        with engine.read() as conn:
            due = conn.execute(select(func.min(S.c.next_attempt_at)).where(S.c.status == "pending")).scalar()
        wait = as_utc(due) - now if due is not None else None
        if wait is not None and wait < SOON:
            self.apply_async(countdown=max(0.0, wait.total_seconds()))
        return report.as_dict()
    finally:
        engine.db.dispose()
