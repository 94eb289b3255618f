"""mentorflow's Celery application: periodic scans from beat, delivery and digests as tasks.

Broker: ``MENTORFLOW_BROKER_URL`` (for example ``redis://127.0.0.1:6379/0``),
else an embedded broker in a SQLite file beside the database
(``sqla+sqlite:///mentorflow-broker.db``), so one machine needs no other
service. The database is the source of truth for what is due; tasks carry
no data, so a lost or repeated message only delays or repeats a scan.

Tasks and schedule come from the plugins (``mentorflow_worker_tasks``), this one
included (its ``__init__``): ``MENTORFLOW_SCAN_INTERVAL`` seconds between scans (60),
``MENTORFLOW_DELIVER_INTERVAL`` between delivery rounds (30),
``MENTORFLOW_DIGEST_HOUR`` (UTC) for the daily coordinator digest (7),
``MENTORFLOW_RETENTION_INTERVAL`` seconds between retention runs (86400),
``MENTORFLOW_SCAN_SHARDS`` shard tasks each scan fans out to (1: the scan is one task).
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.local import Proxy
from celery.schedules import crontab
from sqlalchemy.engine import make_url

from mentorflow import extras
from mentorflow.db.database import default_database_url
from mentorflow.i18n import _
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.worker import CollectedTasks, Periodic, claim_task_name, collect_worker_tasks

log = logging.getLogger("mentorflow.worker")


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


def make_app(pm: Any = None) -> Celery:
    """The worker's Celery application, with the tasks and beat entries every loaded plugin declares.

    ``pm`` is the plugin manager to read (:func:`mentorflow.pluginmanager.build_plugin_manager` when not
    given): each plugin's :func:`~mentorflow.hookspecs.mentorflow_worker_tasks` answer becomes includes
    and beat entries, this plugin's own among them. A plugin whose extras are missing, or whose task
    module cannot be imported for want of a dependency, is left out with a log line.
    """
    url = broker_url()
    if url.startswith(("redis://", "rediss://", "redis+socket://")):
        # kombu would only fail on the first connection, deep in a traceback: say which extra is missing now.
        extras.require("redis", _("The Redis broker (MENTORFLOW_BROKER_URL)"))
    if url.startswith("sqla+"):
        _configure_embedded_broker()
    from .due import shard_count

    shard_count()  # a wrong MENTORFLOW_SCAN_SHARDS stops the worker now, with a message naming it
    tasks = _importable_tasks(collect_worker_tasks(pm if pm is not None else build_plugin_manager()))
    app = Celery("mentorflow", broker=url, include=tasks.modules)
    schedule_folder = Path(os.environ.get("MENTORFLOW_STATE_DIR", ".")).resolve()
    app.conf.update(
        task_serializer="json", accept_content=["json"], result_serializer="json",
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_ignore_result=True, timezone="UTC", enable_utc=True,
        broker_connection_retry_on_startup=True,
        beat_schedule_filename=str(schedule_folder / "mentorflow-beat-schedule"),
        beat_schedule={name: {"task": entry.task, "schedule": _celery_schedule(entry)}
                       for name, entry in tasks.schedule.items()},
    )
    return app


def _celery_schedule(entry: Periodic) -> float | crontab:
    seconds = entry.seconds()
    if seconds is not None:
        return seconds
    return crontab(**(entry.crontab_fields() or {}))


def _importable_tasks(collected: CollectedTasks) -> CollectedTasks:
    """Import each plugin's task modules now: a missing dependency leaves that plugin's tasks out (with a log
    line) instead of stopping the worker, and a task name defined by two plugins is an error naming both."""
    failed: set[str] = set()
    for module in collected.modules:
        plugin = collected.owners[f"module:{module}"]
        try:
            loaded = importlib.import_module(module)
        except ModuleNotFoundError as error:
            log.warning("worker: the tasks of plugin %r are left out: %s cannot be imported (missing %s)",
                        plugin, module, error.name)
            failed.add(plugin)
            continue
        for value in vars(loaded).values():
            task = getattr(value, "name", None) if isinstance(value, Proxy | Task) else None
            if isinstance(task, str):
                claim_task_name(collected, task, plugin)
    if not failed:
        return collected
    kept = CollectedTasks(owners=collected.owners, skipped=collected.skipped)
    kept.modules = [m for m in collected.modules if collected.owners[f"module:{m}"] not in failed]
    kept.schedule = {n: e for n, e in collected.schedule.items() if collected.owners[f"entry:{n}"] not in failed}
    return kept


app = make_app()
