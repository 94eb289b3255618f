"""What every outbox in mentorflow shares: how long a claim holds, how retries back off, what a round reports.

The reminders plugin's notifications and the LTI tool's grades are both rows a worker claims with a lease,
sends, and retries with a growing delay until they end ``failed``; a plugin with an outbox of its own
(Moodle's role queue, a third party's) uses the same rules so an operator reads every queue the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

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
