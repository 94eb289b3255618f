"""The core tables as SQLAlchemy 2.x typed declarative models.

The engine's hot path writes through these tables with prebuilt Core
statements (see :mod:`mentorflow.transitions`); the ORM classes are for
reading, administration and plugins. Alembic migrations in
``mentorflow/db/migrations`` create them; keep both in step (a test
compares them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")
UTCDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    """Declarative base for mentorflow's tables; plugins may use it for their own."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType, datetime: UTCDateTime}
    # Every model here is mapped to one table (none to a join or a select), so its __table__ is a Table:
    # Core statements (insert(Model.__table__), .c columns) are typed as such.
    __table__: ClassVar[Table]


class Programme(Base):
    """A mentoring programme: the unit coordinators run and workflows belong to."""

    __tablename__ = "mf_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict[str, Any]]
    context: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    owner_kind: Mapped[str] = mapped_column(String(16), default="web", server_default="web")
    """Who the programme belongs to (:class:`mentorflow.policy.OwnerKind`): ``web`` or ``openedx``."""
    owner_ref: Mapped[str | None] = mapped_column(String(255))
    """The owning Open edX course id (``openedx`` programmes)."""


class ProgrammeShare(Base):
    """An administrator's permission for an Open edX course to run a programme it does not own.

    Rows are never deleted: revoking sets ``revoked_at``, so the table is
    the audit trail of who shared what with whom, and when.
    """

    __tablename__ = "mf_programme_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(255))
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime]
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None]


class WorkflowVersion(Base):
    """One published version of a programme's workflow; relationships pin the version they started on."""

    __tablename__ = "mf_workflow_versions"
    __table_args__ = (UniqueConstraint("programme_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"))
    version: Mapped[int]
    workflow_id: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Person(Base):
    """A participant or coordinator. Identified across LMSs by :class:`ExternalIdentity` rows."""

    __tablename__ = "mf_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime]


class ExternalIdentity(Base):
    """A person's id in one external system (``source`` such as ``moodle:https://lms.example.edu``)."""

    __tablename__ = "mf_external_identities"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(255))


class ProgrammeRole(Base):
    """A person's role in a programme: ``coordinator``, ``mentor`` or ``mentee``."""

    __tablename__ = "mf_programme_roles"
    __table_args__ = (UniqueConstraint("programme_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class Relationship(Base):
    """One mentoring relationship (a pair, a group, a circle, co-mentoring) and where it stands in its workflow.

    Who is on it lives in :class:`RelationshipMember`; the workflow's ``format`` says which roles it has and how many.
    """

    __tablename__ = "mf_relationships"
    __table_args__ = (
        Index("ix_mf_relationships_programme_state", "programme_id", "state"),
        Index("ix_mf_relationships_version_state", "workflow_version_id", "state", "state_entered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id"))
    workflow_version_id: Mapped[int] = mapped_column(ForeignKey("mf_workflow_versions.id"))
    state: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime]
    state_entered_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class RelationshipMember(Base):
    """A person's membership of a relationship in one role, from ``joined_at`` until ``left_at``.

    Rows are never deleted while the relationship lives: leaving sets ``left_at`` (and the reason), so a group's
    history of who was in it, and a replaced mentor, stay readable. ``joined_seq`` and ``left_seq`` are the audit
    events that made the change. A person holds at most one current membership of a relationship.
    """

    __tablename__ = "mf_relationship_members"
    __table_args__ = (
        Index("ix_mf_relationship_members_current", "relationship_id", "person_id", unique=True,
              sqlite_where=text("left_at IS NULL"), postgresql_where=text("left_at IS NULL")),
        Index("ix_mf_relationship_members_person", "person_id", "left_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime]
    joined_seq: Mapped[int]
    left_at: Mapped[datetime | None]
    left_seq: Mapped[int | None]
    left_reason: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(Base):
    """An append-only record of one change: who, when, from, to, which transition, with what data.

    ``seq`` equals the relationship version the change produced; the unique
    constraint makes a second writer of the same version impossible.
    ``engine_event`` marks what the engine wrote itself (a relationship's
    creation, a retention purge) rather than a workflow transition, so the
    privacy rules never depend on a name a workflow could choose.
    """

    __tablename__ = "mf_audit_events"
    __table_args__ = (
        UniqueConstraint("relationship_id", "seq"),
        Index("ix_mf_audit_events_duty", "relationship_id", "transition", "actor_role", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    actor_role: Mapped[str] = mapped_column(String(16))
    transition: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any] | None]
    engine_event: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ApiToken(Base):
    """An API token: only its SHA-256 is stored; scoped to programmes; revocable."""

    __tablename__ = "mf_api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    programmes: Mapped[list[str] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
