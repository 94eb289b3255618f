"""Sending what the outbox owes: claim a row with a lease, send it, mark it sent; retry with backoff on failure."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from mentorflow.db.models import Person
from mentorflow.engine import Engine
from mentorflow.i18n import normalise_locale
from mentorflow.notifications import Message
from mentorflow.outbox import MAX_ATTEMPTS, DeliveryReport, backoff, claim, ready

from .messages import render
from .models import Notification

log = logging.getLogger("mentorflow.reminders")
N = Notification.__table__
P = Person.__table__


def deliver(engine: Engine, now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send up to ``limit`` owed notifications through their channels."""
    now = now or engine.clock.now()
    report = DeliveryReport()
    with engine.read() as conn:
        ids = list(conn.execute(select(N.c.id).where(ready(N, now)).order_by(N.c.id).limit(limit)).scalars())
    for notification_id in ids:
        if not claim(engine, N, notification_id, now):
            continue
        with engine.read() as conn:
            row = conn.execute(select(N, P.c.display_name, P.c.email, P.c.locale).join(
                P, P.c.id == N.c.recipient_id).where(N.c.id == notification_id)).one()
        locale = normalise_locale(row.locale)
        try:
            text = render(row.kind, row.context, row.display_name, locale)
            message = Message(recipient_id=row.recipient_id, recipient_email=row.email, locale=locale,
                              subject=text.subject, body=text.body, kind=row.kind,
                              relationship_id=row.relationship_id, meta={"key": row.key})
            engine.notify(message, channels=(row.channel,))
        except Exception as error:  # any channel failure is recorded on the row, never dropped
            final = row.attempts >= MAX_ATTEMPTS
            with engine.write() as conn:
                conn.execute(update(N).where(N.c.id == notification_id).values(
                    status="failed" if final else "pending", claimed_until=None,
                    next_attempt_at=now + backoff(row.attempts), last_error=f"{type(error).__name__}: {error}"[:2000]))
            if final:
                report.failed += 1
                log.error("notification %s failed for good after %s attempts: %s", row.key, row.attempts, error)
            else:
                report.retried += 1
                log.warning("notification %s failed (attempt %s), will retry: %s", row.key, row.attempts, error)
            report.errors.append(str(error))
            continue
        with engine.write() as conn:
            conn.execute(update(N).where(N.c.id == notification_id, N.c.status == "sending").values(
                status="sent", sent_at=now, claimed_until=None, last_error=None))
        report.sent += 1
    return report
