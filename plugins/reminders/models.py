"""The reminder outbox: one row per notification that is owed, keyed so it can exist only once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base


class Notification(Base):
    """An owed notification. ``key`` is unique: a relationship, kind, period (and recipient) is sent once.

    Status moves ``pending`` → ``sending`` (claimed with a lease) → ``sent``,
    or back to ``pending`` with a later ``next_attempt_at`` after a failure,
    and to ``failed`` once the attempts are used up.
    """

    __tablename__ = "mf_reminders_outbox"
    __table_args__ = (Index("ix_mf_reminders_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    relationship_id: Mapped[int | None] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"),
                                                        index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    context: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class DueDuty(Base):
    """When each relationship's duty of each timer falls due next: what the scan reads, instead of the audit log.

    One row per relationship, timer and role (``""`` for a deadline), kept by the
    plugin in the transaction of every transition that changes it (:mod:`.due`).
    ``next_at`` is when the scan has something to look at again: the duty's first
    reminder (or the deadline) at first, then the next reminder or escalation after
    each scan, NULL when nothing more comes in this period. It is a cursor, not a fact:
    ``mentorflow reminders rebuild-due`` recomputes every row from the states and the audit log.
    """

    __tablename__ = "mf_reminder_due"
    __table_args__ = (Index("ix_mf_reminder_due_next_at", "next_at"),
                      Index("ix_mf_reminder_due_programme_due", "programme_id", "due_at"))

    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"),
                                                 primary_key=True)
    timer: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    """The member who owes a recurring duty (each mentee of a group has a row); 0 for a deadline's row."""
    kind: Mapped[str] = mapped_column(String(16))
    """``recurring`` or ``deadline``."""
    programme_id: Mapped[int]
    workflow_version_id: Mapped[int]
    period_start: Mapped[datetime]
    due_at: Mapped[datetime]
    next_at: Mapped[datetime | None]
