"""The Celery tasks. They take no arguments: what to do is read from the database each time.

Shared tasks (bound to the worker's application when it loads them): the application imports this module
while it is being made, to check the plugins' task modules, so nothing here may import it back.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from celery import group, shared_task
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from mentorflow.clock import clock_from_environment
from mentorflow.db.database import default_database_url
from mentorflow.engine import Engine

from .delivery import deliver
from .due import Shard, shard_count
from .outbox import owe_digests, scan


@cache
def engine() -> Engine:
    """One engine per worker process, on ``MENTORFLOW_DATABASE_URL`` with the configured clock."""
    return Engine(default_database_url(), clock=clock_from_environment())


RETRYABLE: dict[str, Any] = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_backoff_max": 300,
                             "max_retries": 10}


@shared_task(name="mentorflow.scan", **RETRYABLE)
def scan_task() -> dict[str, Any]:
    """Owe due reminders and escalations, fire passed deadlines, then start a delivery round.

    With ``MENTORFLOW_SCAN_SHARDS`` above 1 the scan is fanned out instead: one
    ``mentorflow.scan_shard`` task per shard, for whichever workers are free.
    """
    count = shard_count()
    if count > 1:
        group(scan_shard_task.si(index, count) for index in range(count)).apply_async()
        return {"shards": count}
    return _scan(None)


@shared_task(name="mentorflow.scan_shard", **RETRYABLE)
def scan_shard_task(index: int, count: int) -> dict[str, Any]:
    """The scan of one shard: the relationships whose id leaves ``index`` divided by ``count``."""
    return _scan(Shard(index, count))


def _scan(shard: Shard | None) -> dict[str, Any]:
    report = scan(engine(), shard=shard)
    if report.notifications_created:
        deliver_task.delay()
    return report.as_dict()


@shared_task(name="mentorflow.deliver", **RETRYABLE)
def deliver_task() -> dict[str, int]:
    report = deliver(engine())
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}


@shared_task(name="mentorflow.digest", **RETRYABLE)
def digest_task() -> int:
    created = owe_digests(engine())
    if created:
        deliver_task.delay()
    return created


@shared_task(name="mentorflow.retention", **RETRYABLE)
def retention_task() -> dict[str, Any]:
    """Remove the content of relationships closed longer than their programme's retention period."""
    from mentorflow.retention import run_retention

    return run_retention(engine()).as_dict()


@shared_task(name="mentorflow.housekeeping", **RETRYABLE)
def housekeeping_task() -> int:
    """Delete delivered messages the embedded broker keeps (kombu leaves them with visible = 0)."""
    broker_url = housekeeping_task.app.conf.broker_url
    if not broker_url.startswith("sqla+"):
        return 0
    from sqlalchemy import create_engine

    broker = create_engine(broker_url.removeprefix("sqla+"))
    with broker.begin() as conn:
        deleted = conn.execute(text("DELETE FROM kombu_message WHERE visible = 0")).rowcount
    broker.dispose()
    return deleted
