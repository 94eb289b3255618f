"""The closure plugin's part of data-subject requests and of the retention of closed relationships.

- Export: the extensions the person asked for or decided, their closure
  forms, the early endings and closure conversations they recorded, the
  reassignments they made or that concern them as mentor, and their places
  in the rematch queue.
- Erasure: the reasons, notes and "what I learned" they wrote become
  ``[erased]``; dates, statuses, reason ids, goal attainment and satisfaction
  stay, so closure figures and the other side's forms do not change.
- Purge (retention): the same for every closure record of one closed
  relationship.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from mentorflow.gdpr import erase_text, export_rows

from .models import ClosureForm, Conversation, EarlyEnding, Extension, Reassignment, RematchRequest

X = Extension.__table__
F = ClosureForm.__table__
EE = EarlyEnding.__table__
CV = Conversation.__table__
RA = Reassignment.__table__
Q = RematchRequest.__table__


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """Every closure record the person wrote or that is about them."""
    found = {
        "extensions": export_rows(conn, select(X).where(or_(X.c.requested_by == person_id,
                                                            X.c.decided_by == person_id)).order_by(X.c.id)),
        "closure_forms": export_rows(conn, select(F).where(F.c.author_id == person_id).order_by(F.c.id)),
        "early_endings": export_rows(conn, select(EE).where(EE.c.actor_id == person_id).order_by(EE.c.id)),
        "conversations": export_rows(conn, select(CV).where(CV.c.author_id == person_id).order_by(CV.c.id)),
        "reassignments": export_rows(conn, select(RA).where(or_(RA.c.actor_id == person_id,
                                                                RA.c.old_mentor_id == person_id,
                                                                RA.c.new_mentor_id == person_id)).order_by(RA.c.id)),
        "rematch_requests": export_rows(conn, select(Q).where(or_(Q.c.mentee_id == person_id,
                                                                  Q.c.requested_by == person_id)).order_by(Q.c.id)),
    }
    return found if any(found.values()) else None


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Scrub the words the person wrote in closure records."""
    erase_text(conn, X, X.c.requested_by == person_id, "reason")
    erase_text(conn, X, X.c.decided_by == person_id, "decision_note")
    erase_text(conn, F, F.c.author_id == person_id, "learned")
    erase_text(conn, EE, EE.c.actor_id == person_id, "note")
    erase_text(conn, CV, CV.c.author_id == person_id, "notes")
    erase_text(conn, RA, RA.c.actor_id == person_id, "reason")


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the words of every closure record of one relationship."""
    erase_text(conn, X, X.c.relationship_id == relationship_id, "reason", "decision_note")
    erase_text(conn, F, F.c.relationship_id == relationship_id, "learned")
    erase_text(conn, EE, EE.c.relationship_id == relationship_id, "note")
    erase_text(conn, CV, CV.c.relationship_id == relationship_id, "notes")
    erase_text(conn, RA, RA.c.relationship_id == relationship_id, "reason")
