"""The matching plugin's part of the retention of closed relationships.

A relationship that started from a matching proposal or a mentee's request
keeps that row (run totals and the rule that a pair is not proposed again
depend on it); once the relationship's content is due for removal, the words
in it (the coordinator's note, the request message and the decline reason)
become ``[erased]``.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Connection

from mentorflow.gdpr import ERASED_TEXT

from .models import Proposal, Request


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the free text of the proposal and request that started one relationship."""
    S, Q = Proposal.__table__, Request.__table__
    conn.execute(update(S).where(S.c.relationship_id == relationship_id, S.c.note.is_not(None))
                 .values(note=ERASED_TEXT))
    for column in ("message", "reason"):
        conn.execute(update(Q).where(Q.c.relationship_id == relationship_id, Q.c[column].is_not(None))
                     .values({column: ERASED_TEXT}))
