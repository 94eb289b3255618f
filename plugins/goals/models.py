"""The goals plugin's tables: goals, their history of updates, and the mentee's self-assessments.

A goal row holds the goal as it stands now; every change (progress, a
status change, a revision's old text, the other side's confirmation) is a
row in ``mf_goals_updates`` that is never changed again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base


class Goal(Base):
    """A goal of the pair, with its SMART fields, status and latest progress."""

    __tablename__ = "mf_goals_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    specific: Mapped[str | None] = mapped_column(Text)
    measure: Mapped[str | None] = mapped_column(Text)
    """The measurable criterion: how the pair will know the goal is reached."""
    achievable: Mapped[str | None] = mapped_column(Text)
    relevant: Mapped[str | None] = mapped_column(Text)
    target_date: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, Any] | None]
    """Fields the programme's goal form adds beyond the standard ones."""
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int]
    """The latest progress in percent (0 until the first update)."""
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    proposed_role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    agreed_by: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    """Who on the other side confirmed the goal (None until then, and again after a revision)."""
    agreed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"), index=True)
    """The transition that added the goal (an accepted adjustment may add several)."""


class GoalUpdate(Base):
    """One change to a goal: ``progress``, ``status``, ``agreed`` (with ``previous`` text on a revision)."""

    __tablename__ = "mf_goals_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("mf_goals_goals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    percent: Mapped[int | None]
    status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    previous: Mapped[dict[str, Any] | None]
    """For a revision: the goal's text fields as they were before it."""
    author_id: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    author_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"))


class SelfAssessment(Base):
    """A member's ratings of the programme's competences at the start or at closure (one of each per member)."""

    __tablename__ = "mf_goals_self_assessments"
    __table_args__ = (UniqueConstraint("relationship_id", "phase", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    visibility: Mapped[str] = mapped_column(String(16))
    ratings: Mapped[dict[str, Any]]
    note: Mapped[str | None] = mapped_column(Text)
    assessed_at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"), unique=True)
