"""mentorflow's Celery application: periodic scans from beat, delivery and digests as tasks.

Broker: ``MENTORFLOW_BROKER_URL`` (for example ``redis://127.0.0.1:6379/0``),
else an embedded broker in a SQLite file beside the database
(``sqla+sqlite:///mentorflow-broker.db``), so one machine needs no other
service. The database is the source of truth for what is due; tasks carry
no data, so a lost or repeated message only delays or repeats a scan.

Schedule: ``MENTORFLOW_SCAN_INTERVAL`` seconds between scans (60),
``MENTORFLOW_DELIVER_INTERVAL`` between delivery rounds (30),
``MENTORFLOW_DIGEST_HOUR`` (UTC) for the daily coordinator digest (7),
``MENTORFLOW_RETENTION_INTERVAL`` seconds between retention runs (86400).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from celery import Celery
from celery.schedules import crontab
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from mentorflow import extras
from mentorflow.clock import clock_from_environment
from mentorflow.db.database import default_database_url
from mentorflow.engine import Engine
from mentorflow.i18n import _


def broker_url() -> str:
    explicit = os.environ.get("MENTORFLOW_BROKER_URL")
    if explicit:
        return explicit
    database = make_url(default_database_url())
    folder = Path(database.database).resolve().parent if database.get_backend_name() == "sqlite" and \
        database.database not in (None, "", ":memory:") else Path.cwd()
    return f"sqla+sqlite:///{folder / 'mentorflow-broker.db'}"


def _configure_embedded_broker() -> None:
    # kombu's SQLAlchemy transport polls; its default 1 s makes every task wait
    # ~0.7 s. The interval cannot go through transport options (they are passed
    # to create_engine), so it is set on the transport class.
    from kombu.transport.sqlalchemy import Transport

    Transport.polling_interval = float(os.environ.get("MENTORFLOW_BROKER_POLL", "0.2"))


def make_app() -> Celery:
    url = broker_url()
    if url.startswith(("redis://", "rediss://", "redis+socket://")):
        # kombu would only fail on the first connection, deep in a traceback: say which extra is missing now.
        extras.require("redis", _("The Redis broker (MENTORFLOW_BROKER_URL)"))
    if url.startswith("sqla+"):
        _configure_embedded_broker()
    app = Celery("mentorflow", broker=url, include=["mentorflow.plugins.reminders.tasks"])
    schedule_folder = Path(os.environ.get("MENTORFLOW_STATE_DIR", ".")).resolve()
    app.conf.update(
        task_serializer="json", accept_content=["json"], result_serializer="json",
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_ignore_result=True, timezone="UTC", enable_utc=True,
        broker_connection_retry_on_startup=True,
        beat_schedule_filename=str(schedule_folder / "mentorflow-beat-schedule"),
        beat_schedule={
            "scan": {"task": "mentorflow.scan", "schedule": float(os.environ.get("MENTORFLOW_SCAN_INTERVAL", "60"))},
            "deliver": {"task": "mentorflow.deliver",
                        "schedule": float(os.environ.get("MENTORFLOW_DELIVER_INTERVAL", "30"))},
            "digest": {"task": "mentorflow.digest",
                       "schedule": crontab(minute=0, hour=int(os.environ.get("MENTORFLOW_DIGEST_HOUR", "7")))},
            "housekeeping": {"task": "mentorflow.housekeeping", "schedule": 3600.0},
            "retention": {"task": "mentorflow.retention",
                          "schedule": float(os.environ.get("MENTORFLOW_RETENTION_INTERVAL", "86400"))},
        },
    )
    return app


@cache
def engine() -> Engine:
    """One engine per worker process, on ``MENTORFLOW_DATABASE_URL`` with the configured clock."""
    return Engine(default_database_url(), clock=clock_from_environment())


RETRYABLE: dict[str, Any] = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_backoff_max": 300,
                             "max_retries": 10}

app = make_app()
