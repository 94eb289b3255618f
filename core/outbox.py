"""What every outbox in mentorflow shares: how long a claim holds, how retries back off, what a round reports.

The reminders plugin's notifications and the LTI tool's grades are both rows a worker claims with a lease,
sends, and retries with a growing delay until they end ``failed``; a plugin with an outbox of its own
(Moodle's role queue, a third party's) uses the same rules so an operator reads every queue the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Table, and_, or_, update

if TYPE_CHECKING:
    from mentorflow.engine import Engine

MAX_ATTEMPTS = 5
"""Attempts before a row ends ``failed`` (and is shown as such)."""

LEASE = timedelta(minutes=5)
"""How long a claimed row stays with the worker that claimed it; after that another worker may take it over."""


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` tries: 1, 5, 25, 125 minutes ... capped at 12 hours."""
    return min(timedelta(minutes=5 ** max(attempts - 1, 0)), timedelta(hours=12))


@dataclass
class DeliveryReport:
    """What one delivery round did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (a Celery task's result)."""
        return {"sent": self.sent, "retried": self.retried, "failed": self.failed, "errors": self.errors}


def ready(table: Table, now: datetime) -> ColumnElement[bool]:
    """Rows of an outbox ``table`` a worker may take now: pending and due, or sending with an expired lease.

    The table has ``status``, ``next_attempt_at``, ``claimed_until`` and ``attempts`` columns.
    """
    c = table.c
    return or_(and_(c.status == "pending", c.next_attempt_at <= now),
               and_(c.status == "sending", c.claimed_until < now))


def claim(engine: Engine, table: Table, row_id: int, now: datetime) -> bool:
    """Take one row for sending; only one worker wins it (an expired lease can be taken over)."""
    with engine.write() as conn:
        won = conn.execute(update(table).where(table.c.id == row_id, ready(table, now)).values(
            status="sending", claimed_until=now + LEASE, attempts=table.c.attempts + 1)).rowcount
    return bool(won == 1)
