"""Telling members about new messages: one notification per burst, through the notification channels.

The rule (docs/messages.md): when a message is posted, every other current member is owed a notification
that falls due :data:`BATCH_DELAY` later. Until it is sent, further messages in that relationship join it (one
waiting notification per member and relationship: a unique ``pending_key``), so a burst of twenty messages
sends one e-mail. When it falls due it tells how many messages are unread and links back to the thread; when
the member has read them all meanwhile, nothing is sent (the row ends ``skipped``). The words of the messages
are never in the notification: e-mail and Moodle are not the places the members chose to say them.

Sending uses the core's outbox rules (:mod:`mentorflow.outbox`: a lease, retries with backoff, ``failed`` after
:data:`~mentorflow.outbox.MAX_ATTEMPTS`), in the recipient's stored language. The channel is
``MENTORFLOW_NOTIFICATION_CHANNEL``, else ``email`` when ``MENTORFLOW_SMTP_HOST`` is set, else ``log``: the
rule the reminders use, so one setting sends every notification the same way.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from mentorflow.db.models import Person
from mentorflow.engine import Engine
from mentorflow.i18n import _, get_locale, ngettext, normalise_locale, set_locale
from mentorflow.notifications import Message as Notification
from mentorflow.outbox import MAX_ATTEMPTS, DeliveryReport, backoff, claim, ready
from mentorflow.snapshots import RelationshipSnapshot

from .models import Message, Notice, ReadMark

log = logging.getLogger("mentorflow.messages")
N = Notice.__table__
M = Message.__table__
R = ReadMark.__table__
P = Person.__table__

BATCH_DELAY = timedelta(minutes=10)
"""How long after the first unnotified message the notification is sent (``MENTORFLOW_MESSAGES_BATCH_MINUTES``)."""


def batch_delay() -> timedelta:
    value = os.environ.get("MENTORFLOW_MESSAGES_BATCH_MINUTES", "")
    return timedelta(minutes=float(value)) if value.replace(".", "", 1).isdigit() else BATCH_DELAY


def channel() -> str:
    """``MENTORFLOW_NOTIFICATION_CHANNEL``, else ``email`` when SMTP is configured, else ``log``."""
    return os.environ.get("MENTORFLOW_NOTIFICATION_CHANNEL") or (
        "email" if os.environ.get("MENTORFLOW_SMTP_HOST") else "log")


def pending_key(relationship_id: int, recipient_id: int) -> str:
    return f"{relationship_id}:{recipient_id}"


def owe_notices(conn: Connection, snap: RelationshipSnapshot, author_id: int, message_id: int, now: datetime) -> None:
    """In the posting transaction: a waiting notification for each other current member who has none yet."""
    recipients = [p for p in snap.member_ids if p != author_id]
    if not recipients:
        return
    waiting = set(conn.execute(select(N.c.recipient_id).where(
        N.c.pending_key.in_([pending_key(snap.id, p) for p in recipients]))).scalars())
    due, via = now + batch_delay(), channel()
    rows = [{"relationship_id": snap.id, "recipient_id": p, "pending_key": pending_key(snap.id, p), "channel": via,
             "status": "pending", "first_message_id": message_id, "created_at": now, "next_attempt_at": due,
             "claimed_until": None, "attempts": 0, "sent_at": None, "messages": None, "last_error": None}
            for p in recipients if p not in waiting]
    if rows:
        # Two posts at once may both see no waiting row: the unique key keeps the first, the other adds nothing.
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(insert(N).values(rows).on_conflict_do_nothing(index_elements=["pending_key"]))


def _link(relationship_id: int) -> str:
    base = os.environ.get("MENTORFLOW_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return f"{base}/relationships/{relationship_id}#messages"


def render(count: int, authors: list[str], recipient: str, relationship_id: int, locale: str) -> tuple[str, str]:
    """Subject and body in ``locale``: how many new messages, from whom, and the link back (never their words)."""
    previous = get_locale()
    set_locale(locale)
    try:
        who = ", ".join(authors)
        subject = ngettext("{n} new message from {who}", "{n} new messages from {who}", count).format(n=count, who=who)
        text = _("{who} wrote to you in your mentoring conversation.").format(who=who)
        body = "\n\n".join([_("Hello {name},").format(name=recipient), text,
                            _("Read and answer them here: {link}").format(link=_link(relationship_id)),
                            _("Kind regards,\nmentorflow")]) + "\n"
        return subject, body
    finally:
        set_locale(previous)


def deliver(engine: Engine, now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send up to ``limit`` notifications that are due; skip those whose messages were read meanwhile."""
    now = now or engine.clock.now()
    report = DeliveryReport()
    with engine.read() as conn:
        ids = list(conn.execute(select(N.c.id).where(ready(N, now)).order_by(N.c.id).limit(limit)).scalars())
    for notice_id in ids:
        if not claim(engine, N, notice_id, now):
            continue
        with engine.read() as conn:
            row = conn.execute(select(N, P.c.display_name, P.c.email, P.c.locale).join(
                P, P.c.id == N.c.recipient_id).where(N.c.id == notice_id)).one()
            seen = conn.execute(select(R.c.last_read_id).where(R.c.relationship_id == row.relationship_id,
                                                               R.c.person_id == row.recipient_id)).scalar() or 0
            unread = conn.execute(select(M.c.author_id, func.count()).where(
                M.c.relationship_id == row.relationship_id, M.c.author_id != row.recipient_id,
                M.c.id > seen).group_by(M.c.author_id).order_by(func.min(M.c.id))).all()
            names = engine.display_names([a for a, _n in unread])
        count = sum(n for _a, n in unread)
        if not count:
            _finish(engine, notice_id, status="skipped", now=now)
            continue
        locale = normalise_locale(row.locale)
        subject, body = render(count, [names.get(a, "") for a, _n in unread], row.display_name,
                               row.relationship_id, locale)
        message = Notification(recipient_id=row.recipient_id, recipient_email=row.email, locale=locale,
                               subject=subject, body=body, kind="messages", relationship_id=row.relationship_id,
                               meta={"key": f"messages.{row.id}"})
        try:
            engine.notify(message, channels=(row.channel,))
        except Exception as error:  # any channel failure is recorded on the row, never dropped
            final = row.attempts >= MAX_ATTEMPTS
            with engine.write() as conn:
                conn.execute(update(N).where(N.c.id == notice_id).values(
                    status="failed" if final else "pending", claimed_until=None,
                    pending_key=None if final else row.pending_key,
                    next_attempt_at=now + backoff(row.attempts), last_error=f"{type(error).__name__}: {error}"[:2000]))
            report.failed += final
            report.retried += not final
            report.errors.append(str(error))
            log.warning("message notification %s failed (attempt %s): %s", row.id, row.attempts, error)
            continue
        _finish(engine, notice_id, status="sent", now=now, messages=count)
        report.sent += 1
    return report


def _finish(engine: Engine, notice_id: int, *, status: str, now: datetime, messages: int | None = None) -> None:
    # The key is freed, so the next message owes a new notification.
    with engine.write() as conn:
        conn.execute(update(N).where(N.c.id == notice_id, N.c.status == "sending").values(
            status=status, pending_key=None, claimed_until=None, last_error=None,
            sent_at=now if status == "sent" else None, messages=messages))
