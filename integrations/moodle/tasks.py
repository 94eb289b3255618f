"""Celery tasks for Moodle: sending queued Mentor role assignments.

The Moodle plugin declares it through ``mentorflow_worker_tasks`` (see its
``plugin.py``): ``mentorflow worker`` runs ``mentorflow.moodle.sync_mentors``
every minute (``MENTORFLOW_MOODLE_SYNC_INTERVAL``; see docs/moodle.md). The
task takes no arguments: the queue is in the database.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="mentorflow.moodle.sync_mentors")
def sync_mentors_task() -> dict[str, int]:
    from mentorflow.clock import clock_from_environment
    from mentorflow.db.database import default_database_url
    from mentorflow.engine import Engine

    from .mentor_roles import process_pending

    engine = Engine(default_database_url(), clock=clock_from_environment())
    try:
        return process_pending(engine).as_dict()
    finally:
        engine.db.dispose()
