"""The messages plugin's part of data-subject requests and of the retention of closed relationships.

- Export: the messages the person wrote (with their words), how far they read each conversation, and the
  notifications they were sent about new messages. Never the words of the other members' messages: those
  are the other members' data.
- Erasure: the words of the person's messages become ``[erased]``; the rows stay (who wrote when, so the
  others' conversation keeps its shape and the counts do not change), and the author is shown under the
  pseudonym the core gives the person row.
- Purge (retention): the words of every message of one closed relationship become ``[erased]``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mentorflow.gdpr import erase_text, export_rows

from .models import Message, Notice, ReadMark

M = Message.__table__
R = ReadMark.__table__
N = Notice.__table__


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """The person's messages, read marks and message notifications."""
    written = export_rows(conn, select(M.c.id, M.c.relationship_id, M.c.author_role, M.c.posted_at, M.c.body)
                          .where(M.c.author_id == person_id).order_by(M.c.id))
    reads = export_rows(conn, select(R.c.relationship_id, R.c.last_read_id, R.c.read_at)
                        .where(R.c.person_id == person_id).order_by(R.c.relationship_id))
    notices = export_rows(conn, select(N.c.relationship_id, N.c.channel, N.c.status, N.c.created_at, N.c.sent_at,
                                       N.c.messages).where(N.c.recipient_id == person_id).order_by(N.c.id))
    if not (written or reads or notices):
        return None
    return {"messages_written": written, "read_marks": reads, "notifications": notices}


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Scrub the words of the person's messages; keep who wrote when (shown under the person's pseudonym)."""
    erase_text(conn, M, M.c.author_id == person_id, "body")
    # Notifications told of others' messages only by count; the rows keep no words to scrub.


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the words of every message of one relationship."""
    erase_text(conn, M, M.c.relationship_id == relationship_id, "body")
