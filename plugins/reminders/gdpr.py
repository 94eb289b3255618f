"""The reminders plugin's part of data-subject requests and of the retention of closed relationships.

The outbox holds the notifications owed to or sent to a person (with the
last delivery error, which may name their address) and, in escalations to
coordinators, the name of the person who is late.

- Export: the notifications addressed to the person.
- Erasure: those rows are deleted (nobody else relies on them), and the name
  in escalations about the person becomes their pseudonym.
- Purge (retention): the names and errors in the notifications of one closed
  relationship are scrubbed; the rows stay, so nothing is owed twice. Its due
  rows (:mod:`.due`: ids and times only, no personal data) are removed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from mentorflow.db.models import RelationshipMember
from mentorflow.gdpr import ERASED_TEXT, erase_text, export_rows

from .models import Notification

N = Notification.__table__
M = RelationshipMember.__table__


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """The notifications owed or sent to the person."""
    rows = export_rows(conn, select(N.c.kind, N.c.relationship_id, N.c.channel, N.c.context, N.c.status,
                                    N.c.attempts, N.c.created_at, N.c.sent_at, N.c.last_error)
                       .where(N.c.recipient_id == person_id).order_by(N.c.id))
    return {"notifications": rows} if rows else None


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Delete the person's notifications; name them by their pseudonym in escalations about them."""
    conn.execute(delete(N).where(N.c.recipient_id == person_id))
    roles = {(r.relationship_id, r.role) for r in conn.execute(
        select(M.c.relationship_id, M.c.role).where(M.c.person_id == person_id))}
    if not roles:
        return
    escalations = conn.execute(select(N.c.id, N.c.relationship_id, N.c.context).where(
        N.c.kind == "escalate", N.c.relationship_id.in_({rid for rid, _role in roles}))).all()
    for row in escalations:
        context = dict(row.context or {})
        if (row.relationship_id, context.get("role")) in roles and "person_name" in context:
            context["person_name"] = pseudonym
            conn.execute(update(N).where(N.c.id == row.id).values(context=context))


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub names and delivery errors in the notifications of one relationship; drop its due rows."""
    from .due import forget

    forget(relationship_id, conn)
    for row in conn.execute(select(N.c.id, N.c.context).where(N.c.relationship_id == relationship_id)).all():
        context = dict(row.context or {})
        if "person_name" in context:
            context["person_name"] = ERASED_TEXT
            conn.execute(update(N).where(N.c.id == row.id).values(context=context))
    erase_text(conn, N, N.c.relationship_id == relationship_id, "last_error")
