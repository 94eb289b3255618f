"""Celery tasks for the LTI tool: roster syncs and grade retries.

Add ``"mentorflow.integrations.lti.tasks"`` to the worker's includes and
schedule ``mentorflow.lti.sync_rosters`` (e.g. nightly) and
``mentorflow.lti.retry_grades`` (e.g. hourly); see docs/lti.md.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="mentorflow.lti.sync_rosters")
def sync_rosters_task(programme: str | None = None) -> list[dict[str, Any]]:
    from .nrps import sync_all_rosters

    return sync_all_rosters(None, programme)


@shared_task(name="mentorflow.lti.retry_grades")
def retry_grades_task() -> int:
    from mentorflow.db.database import default_database_url
    from mentorflow.engine import Engine

    from .ags import retry_failed

    engine = Engine(default_database_url())
    try:
        return retry_failed(engine)
    finally:
        engine.db.dispose()
