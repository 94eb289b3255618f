"""The meetings plugin's tables: the shared meeting log, who attended a group meeting, and each person's own
feedback on a meeting.

Private notes and ratings live in ``mf_meetings_feedback``, one row per
meeting and author, so a query for the shared log never touches them and
a person's private notes are only ever read back for that person.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base


class Meeting(Base):
    """A meeting of the pair as logged by one of them: the part both may read."""

    __tablename__ = "mf_meetings_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"), index=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"), unique=True)
    logged_by: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    logged_role: Mapped[str] = mapped_column(String(16))
    logged_at: Mapped[datetime]
    held_on: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int]
    format: Mapped[str] = mapped_column(String(16))
    agenda: Mapped[str | None] = mapped_column(Text)
    shared_notes: Mapped[str | None] = mapped_column(Text)


class MeetingFeedback(Base):
    """One person's rating (1-4) and private notes on a meeting: theirs alone."""

    __tablename__ = "mf_meetings_feedback"
    __table_args__ = (UniqueConstraint("meeting_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mf_meetings_log.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    role: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int | None]
    private_notes: Mapped[str | None] = mapped_column(Text)
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"))
    """The transition that last changed this row."""
    updated_at: Mapped[datetime]


class MeetingAttendance(Base):
    """Who attended a group meeting: one row per meeting and member, written with the meeting."""

    __tablename__ = "mf_meetings_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mf_meetings_log.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    """The member's role on the relationship when the meeting was logged."""
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"))
    """The transition that logged the meeting (the attendance is audited with it)."""
