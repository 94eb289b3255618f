"""The reflections plugin's tables: one row per reflection, one per pulse-survey answer.

The audit event of the transition keeps the submitted data as the record
of what happened; these rows make the same facts queryable (scores as
columns so programme figures are plain SQL aggregates).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base


class Reflection(Base):
    """A periodic check-in written by the mentor or the mentee."""

    __tablename__ = "mf_reflections_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"), index=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    role: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime]
    period_index: Mapped[int]
    """1 for the author's first reflection on this relationship, 2 for the next duty period, ..."""
    due_at: Mapped[datetime | None]
    """When the duty this reflection fulfilled fell due (None when no recurring timer ran)."""
    visibility: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]]
    trust: Mapped[int | None]
    engagement: Mapped[int | None]
    health: Mapped[int | None]


class PulseAnswer(Base):
    """One person's answer to the pulse survey of one period."""

    __tablename__ = "mf_reflections_pulses"
    __table_args__ = (UniqueConstraint("relationship_id", "author_id", "period_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"))
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    role: Mapped[str] = mapped_column(String(16))
    period_index: Mapped[int]
    submitted_at: Mapped[datetime]
    satisfaction: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
