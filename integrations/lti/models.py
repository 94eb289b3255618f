"""The LTI tool's tables: platforms and deployments, the tool's own keys, launch state, course contexts.

Everything a launch needs to be validated and remembered lives here, so any
web worker (and the worker processes that sync rosters and publish grades)
sees the same registrations, keys, used nonces and pending states.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base

JSONList = JSON().with_variant(JSONB(), "postgresql")
_PLATFORM = "mf_lti_platforms.id"
_PERSON = "mf_people.id"


class Platform(Base):
    """A registered LTI platform (an LMS installation): its issuer, our client id there and its endpoints."""

    __tablename__ = "mf_lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    jwks_url: Mapped[str] = mapped_column(String(500))
    token_audience: Mapped[str | None] = mapped_column(String(500))
    jwks: Mapped[dict[str, Any] | None]
    """The platform's key set as last fetched (shared by every worker)."""
    jwks_fetched_at: Mapped[datetime | None]
    registration: Mapped[dict[str, Any] | None]
    """What dynamic registration returned, for reference."""
    created_at: Mapped[datetime]


class Deployment(Base):
    """One deployment of the tool on a platform, with how its LTI roles map onto programme roles."""

    __tablename__ = "mf_lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey(_PLATFORM, ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    role_map: Mapped[dict[str, Any] | None]
    """LTI role name (Instructor, Learner, Administrator, ...) to coordinator/mentor/mentee/participant/none."""
    programmes: Mapped[list[str] | None] = mapped_column(JSONList)
    """Programme keys launches from this deployment may link to; ``None`` allows every programme."""
    created_at: Mapped[datetime]


class ToolKey(Base):
    """One of the tool's RSA signing keys (a private JWK). The newest unretired key signs."""

    __tablename__ = "mf_lti_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_jwk: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    """After this a retired key leaves the published key set."""


class Nonce(Base):
    """A nonce a platform used in an accepted launch; a second launch with it is a replay."""

    __tablename__ = "mf_lti_nonces"
    __table_args__ = (UniqueConstraint("platform_id", "nonce"),
                      Index("ix_mf_lti_nonces_expires_at", "expires_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey(_PLATFORM, ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime]


class LaunchState(Base):
    """Server-side state: an OIDC login in progress, a deep-linking choice, or a registration invitation.

    Kept by its random ``state`` value so a launch still validates when the
    browser drops the state cookie (a third-party iframe); each is used once.
    """

    __tablename__ = "mf_lti_states"
    __table_args__ = (Index("ix_mf_lti_states_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey(_PLATFORM, ondelete="CASCADE"))
    nonce: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Context(Base):
    """A course (LTI context) on a platform linked to one programme, with its service endpoints.

    A course may hold activities for several programmes: one row per course and programme.
    """

    __tablename__ = "mf_lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey(_PLATFORM, ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"), index=True)
    memberships_url: Mapped[str | None] = mapped_column(String(500))
    lineitems_url: Mapped[str | None] = mapped_column(String(500))
    lineitem_url: Mapped[str | None] = mapped_column(String(500))
    """The gradebook column mentorflow publishes to (found or created on first use)."""
    resource_link_id: Mapped[str | None] = mapped_column(String(255))
    """The resource link of the launch that linked the course: a created line item's ``resourceLinkId``."""
    scopes: Mapped[list[str] | None] = mapped_column(JSONList)
    roster_synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Member(Base):
    """A person's membership of a context, from a launch or a roster sync (NRPS)."""

    __tablename__ = "mf_lti_members"
    __table_args__ = (UniqueConstraint("lti_context_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lti_context_id: Mapped[int] = mapped_column(ForeignKey("mf_lti_contexts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON, ondelete="CASCADE"), index=True)
    roles: Mapped[list[str]] = mapped_column(JSONList)
    status: Mapped[str] = mapped_column(String(16))
    last_seen_at: Mapped[datetime]


class Score(Base):
    """The last score published (or owed) for one person of one relationship in one course gradebook."""

    __tablename__ = "mf_lti_scores"
    __table_args__ = (UniqueConstraint("relationship_id", "lti_context_id", "person_id"),
                      Index("ix_mf_lti_scores_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"))
    lti_context_id: Mapped[int] = mapped_column(ForeignKey("mf_lti_contexts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey(_PERSON, ondelete="CASCADE"), index=True)
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(16))
    grading_progress: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    """``pending`` (owed, the worker sends it), ``sending`` (claimed), ``sent``, or ``failed`` for good
    (``mentorflow lti grades --retry`` owes failed ones again)."""
    attempts: Mapped[int]
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    """A worker's lease on a ``sending`` row; an expired lease may be taken over."""
    sent_timestamp: Mapped[datetime | None]
    """The ``timestamp`` of the score last sent: a retry after a 409 sends a later one."""


class GroupLink(Base):
    """A course group (NRPS ``group_enrollments``) that started a relationship: running again starts no second one."""

    __tablename__ = "mf_lti_group_links"
    __table_args__ = (UniqueConstraint("lti_context_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lti_context_id: Mapped[int] = mapped_column(ForeignKey("mf_lti_contexts.id", ondelete="CASCADE"))
    group_id: Mapped[str] = mapped_column(String(255))
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
