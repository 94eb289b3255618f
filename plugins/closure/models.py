"""The closure plugin's tables: extensions, closure forms, early endings, closure conversations,
mentor reassignments and the rematch queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base, JSONType

_REL = "mf_relationships.id"
_AUDIT = "mf_audit_events.id"
_PERSON = "mf_people.id"


class Extension(Base):
    """A request to move the planned end date, and the coordinator's decision.

    ``pending_for`` is the relationship id while undecided (NULL after): at
    most one open request per relationship, enforced by the database too.
    """

    __tablename__ = "mf_closure_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey(_REL, ondelete="CASCADE"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey(_PERSON))
    requested_role: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    request_audit_id: Mapped[int] = mapped_column(ForeignKey(_AUDIT, ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    period: Mapped[str | None] = mapped_column(String(32))
    end_date: Mapped[date | None]
    previous_end: Mapped[datetime | None]
    new_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    pending_for: Mapped[int | None] = mapped_column(Integer, unique=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey(_PERSON))
    decided_role: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[datetime | None]
    decision_audit_id: Mapped[int | None] = mapped_column(ForeignKey(_AUDIT, ondelete="CASCADE"))
    decision_note: Mapped[str | None] = mapped_column(Text)


class ClosureForm(Base):
    """One side's closure form: goal attainment, what was learned (optional), satisfaction (1-5)."""

    __tablename__ = "mf_closure_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey(_REL, ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey(_PERSON))
    role: Mapped[str] = mapped_column(String(16))
    goals: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    learned: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int]
    private: Mapped[bool]
    submitted_at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey(_AUDIT, ondelete="CASCADE"))


class EarlyEnding(Base):
    """A no-fault early closure: the reason from the programme's list, never a person to blame."""

    __tablename__ = "mf_closure_early_endings"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey(_REL, ondelete="CASCADE"), index=True)
    reason_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(_PERSON))
    actor_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey(_AUDIT, ondelete="CASCADE"))


class Conversation(Base):
    """The closure conversation: when it was held and notes shared with the pair."""

    __tablename__ = "mf_closure_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey(_REL, ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    notes: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey(_PERSON))
    author_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey(_AUDIT, ondelete="CASCADE"))


class Reassignment(Base):
    """A coordinator gave the relationship a new mentor."""

    __tablename__ = "mf_closure_reassignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey(_REL, ondelete="CASCADE"), index=True)
    old_mentor_id: Mapped[int | None] = mapped_column(ForeignKey(_PERSON))
    new_mentor_id: Mapped[int] = mapped_column(ForeignKey(_PERSON))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(_PERSON))
    actor_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey(_AUDIT, ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(Text)


class RematchRequest(Base):
    """A mentee waiting for a new match after a closed relationship; the matching plugin reads this queue.

    ``excluded_mentor_id`` is the previous mentor: the pair must not be matched again.
    """

    __tablename__ = "mf_closure_rematch_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey(_PERSON), index=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey(_REL, ondelete="CASCADE"), unique=True)
    excluded_mentor_id: Mapped[int | None] = mapped_column(ForeignKey(_PERSON))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey(_PERSON))
    requested_role: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey(_AUDIT, ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    """``waiting``; ``withdrawn`` when the relationship is reopened; the matching plugin sets ``matched``."""
