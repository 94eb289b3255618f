"""The Celery tasks. They take no arguments: what to do is read from the database each time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from .celery_app import RETRYABLE, app, engine
from .delivery import deliver
from .outbox import owe_digests, scan


@app.task(name="mentorflow.scan", **RETRYABLE)
def scan_task() -> dict[str, Any]:
    """Owe due reminders and escalations, fire passed deadlines, then start a delivery round."""
    report = scan(engine())
    if report.notifications_created:
        deliver_task.delay()
    return report.as_dict()


@app.task(name="mentorflow.deliver", **RETRYABLE)
def deliver_task() -> dict[str, int]:
    report = deliver(engine())
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}


@app.task(name="mentorflow.digest", **RETRYABLE)
def digest_task() -> int:
    created = owe_digests(engine())
    if created:
        deliver_task.delay()
    return created


@app.task(name="mentorflow.retention", **RETRYABLE)
def retention_task() -> dict[str, Any]:
    """Remove the content of relationships closed longer than their programme's retention period."""
    from mentorflow.retention import run_retention

    return run_retention(engine()).as_dict()


@app.task(name="mentorflow.housekeeping", **RETRYABLE)
def housekeeping_task() -> int:
    """Delete delivered messages the embedded broker keeps (kombu leaves them with visible = 0)."""
    if not app.conf.broker_url.startswith("sqla+"):
        return 0
    from sqlalchemy import create_engine

    broker = create_engine(app.conf.broker_url.removeprefix("sqla+"))
    with broker.begin() as conn:
        deleted = conn.execute(text("DELETE FROM kombu_message WHERE visible = 0")).rowcount
    broker.dispose()
    return deleted
