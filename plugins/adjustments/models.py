"""The adjustments plugin's tables: proposals, their status history, applied changes and settings overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base, JSONType


class Proposal(Base):
    """One adjustment proposal: who proposed which changes, and where it stands.

    ``pending_for`` holds the relationship id while the proposal waits for an
    answer and NULL afterwards; its unique constraint makes a second pending
    proposal on one relationship impossible even for a buggy caller.
    """

    __tablename__ = "mf_adjustments_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"), index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    proposer_role: Mapped[str] = mapped_column(String(16))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    rationale: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    pending_for: Mapped[int | None] = mapped_column(Integer, unique=True)
    proposed_at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"))


class ProposalEvent(Base):
    """A proposal's status history: proposed, accepted, rejected (with the reason) or lapsed."""

    __tablename__ = "mf_adjustments_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("mf_adjustments_proposals.id", ondelete="CASCADE"),
                                             index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    actor_role: Mapped[str] = mapped_column(String(16))
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(Text)


class AppliedChange(Base):
    """One item of an accepted proposal as applied, in proposal order.

    Goal items (``revise_goal``, ``drop_goal``, ``add_goal``) are recorded
    here for the goals plugin to act on: ``goal_id`` is the goal concerned
    (NULL for ``add_goal``) and ``data`` the rest of the item (``text``,
    ``reason`` or ``title`` and ``category``).
    """

    __tablename__ = "mf_adjustments_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("mf_adjustments_proposals.id", ondelete="CASCADE"),
                                             index=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    goal_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    applied_at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"))


class SettingOverride(Base):
    """A relationship's current override of a programme setting (``cadence``, ``meeting_format``)."""

    __tablename__ = "mf_adjustments_settings"
    __table_args__ = (UniqueConstraint("relationship_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(200))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("mf_adjustments_proposals.id", ondelete="CASCADE"))
    applied_at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"))
