"""The matching plugin's tables: profiles, runs with their proposals, exclusions, requests and preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Double, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base


class Profile(Base):
    """A participant's matching profile in one programme and role, valid against the programme's profile schema."""

    __tablename__ = "mf_matching_profiles"
    __table_args__ = (UniqueConstraint("programme_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))


class Run(Base):
    """One run of the matching algorithm over a programme's pool (or over a previous run's unmatched)."""

    __tablename__ = "mf_matching_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"), index=True)
    parent_run_id: Mapped[int | None] = mapped_column(ForeignKey("mf_matching_runs.id"))
    algorithm: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    total_score: Mapped[float] = mapped_column(Double)
    settings: Mapped[dict[str, Any]]
    """The ``settings.matching`` the run used (so a breakdown stays explainable after the programme changes)."""
    stats: Mapped[dict[str, Any]]
    phase: Mapped[str | None] = mapped_column(String(16))
    """While running: scoring, solving, pricing or storing; None once finished."""
    progress: Mapped[float | None] = mapped_column(Double)
    """Share (0..1) of the current phase done."""
    cancel_requested: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    """Set by a cancel; the running solver checks it between blocks and rounds and stops."""
    heartbeat_at: Mapped[datetime | None]
    """While running: when the run's process last showed it was alive (see ``runs.LEASE``)."""


class Proposal(Base):
    """A proposed pair of a run (or an unmatched mentee: no mentor) with its score breakdown and review status."""

    __tablename__ = "mf_matching_proposals"
    __table_args__ = (UniqueConstraint("run_id", "mentee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("mf_matching_runs.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    proposed_mentor_id: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    """The algorithm's choice, kept when a coordinator overrides it."""
    score: Mapped[float | None] = mapped_column(Double)
    breakdown: Mapped[list[Any] | None] = mapped_column(Base.type_annotation_map[dict[str, Any]])
    status: Mapped[str] = mapped_column(String(16))
    relationship_id: Mapped[int | None] = mapped_column(ForeignKey("mf_relationships.id", ondelete="SET NULL"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class Exclusion(Base):
    """A pair a coordinator ruled out: never proposed, suggested or approved again in the programme."""

    __tablename__ = "mf_matching_exclusions"
    __table_args__ = (UniqueConstraint("programme_id", "mentee_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    reason: Mapped[str | None] = mapped_column(Text)


class Request(Base):
    """A mentee's request to a mentor (mentee-requests mode), answered or expired."""

    __tablename__ = "mf_matching_requests"
    __table_args__ = (Index("ix_mf_matching_requests_programme_status", "programme_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Double)
    breakdown: Mapped[list[Any]] = mapped_column(Base.type_annotation_map[dict[str, Any]])
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    relationship_id: Mapped[int | None] = mapped_column(ForeignKey("mf_relationships.id", ondelete="SET NULL"))


class Preference(Base):
    """A mentee's pick among their suggested mentors (rank 1 = most wanted)."""

    __tablename__ = "mf_matching_preferences"
    __table_args__ = (UniqueConstraint("programme_id", "mentee_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"))
    rank: Mapped[int]
    created_at: Mapped[datetime]


class GroupProposal(Base):
    """A proposed group of a run (a group, a circle, a co-mentoring team): its members, each with the parts of
    the score they bring, and its review status. Approving it starts one relationship with all its members."""

    __tablename__ = "mf_matching_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("mf_matching_runs.id", ondelete="CASCADE"), index=True)
    anchor_id: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    """Who the group is formed around (its mentor, facilitator or co-mentored mentee); None: a peers-only circle."""
    score: Mapped[float] = mapped_column(Double)
    members: Mapped[list[Any]] = mapped_column(Base.type_annotation_map[dict[str, Any]])
    """``[{"person_id", "role", "score", "breakdown"}]``: each member's contributions add up to its score."""
    status: Mapped[str] = mapped_column(String(16))
    """proposed, approved or superseded."""
    relationship_id: Mapped[int | None] = mapped_column(ForeignKey("mf_relationships.id", ondelete="SET NULL"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    decided_at: Mapped[datetime | None]
