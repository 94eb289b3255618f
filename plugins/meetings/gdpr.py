"""The meetings plugin's part of data-subject requests and of the retention of closed relationships.

- Export: the meetings the person logged (the shared part), the group meetings
  they are recorded as attending, and their own feedback (rating and private
  notes); never the other side's private notes.
- Erasure: the agenda and shared notes of the meetings they logged and their
  private notes become ``[erased]``, and the record of which meetings they
  attended is deleted; dates, durations, formats and ratings stay, so meeting
  figures do not change.
- Purge (retention): the same for every meeting of one closed relationship.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from mentorflow.gdpr import erase_text, export_rows

from .models import Meeting, MeetingAttendance, MeetingFeedback

A = MeetingAttendance.__table__
M = Meeting.__table__
F = MeetingFeedback.__table__


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """Meetings the person logged and the feedback they gave."""
    logged = export_rows(conn, select(M).where(M.c.logged_by == person_id).order_by(M.c.id))
    feedback = export_rows(conn, select(F.c.meeting_id, M.c.relationship_id, M.c.held_on, F.c.role, F.c.rating,
                                        F.c.private_notes, F.c.updated_at).join(M, M.c.id == F.c.meeting_id)
                           .where(F.c.author_id == person_id).order_by(F.c.id))
    attended = export_rows(conn, select(A.c.meeting_id, M.c.relationship_id, M.c.held_on, A.c.role)
                           .join(M, M.c.id == A.c.meeting_id).where(A.c.person_id == person_id).order_by(A.c.id))
    found = {"meetings_logged": logged, "meetings_attended": attended, "own_feedback": feedback}
    return found if logged or attended or feedback else None


def _scrub(conn: Connection, meetings: Any, feedback: Any) -> None:
    erase_text(conn, M, meetings, "agenda", "shared_notes")
    erase_text(conn, F, feedback, "private_notes")


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Scrub the person's meeting notes and forget which meetings they attended; keep dates, formats, ratings."""
    _scrub(conn, M.c.logged_by == person_id, F.c.author_id == person_id)
    conn.execute(delete(A).where(A.c.person_id == person_id))


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the notes of every meeting of one relationship."""
    in_relationship = select(M.c.id).where(M.c.relationship_id == relationship_id)
    _scrub(conn, M.c.relationship_id == relationship_id, F.c.meeting_id.in_(in_relationship))
