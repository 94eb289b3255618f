"""The web service's tables: browser sessions, rate-limit counters and the console's enrolment (issue #17).

Both live in the database (not in a process) so every gunicorn worker sees
the same sessions and counts the same attempts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base, JSONType


class WebSession(Base):
    """One signed-in browser: the signed cookie carries a secret whose SHA-256 is the key here.

    Signing out deletes the row; erasing a person deletes all of theirs. A
    cookie whose row is gone, idle too long or past ``expires_at`` is signed out.
    """

    __tablename__ = "mf_web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RateLimitCounter(Base):
    """Attempts in one fixed window for one bucket (``sign-in:ip:…``, ``token:prefix:…``); swept when old."""

    __tablename__ = "mf_web_rate_limits"
    __table_args__ = (Index("ix_mf_web_rate_limits_window_start", "window_start"),)

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    """The window's start in seconds since the epoch."""
    count: Mapped[int] = mapped_column(Integer)


class EnrolmentSetting(Base):
    """Whether a programme's sign-ups wait for a coordinator's approval (no row: approval is off)."""

    __tablename__ = "mf_console_enrolment"

    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"), primary_key=True)
    approval: Mapped[bool]
    changed_by: Mapped[int | None]
    changed_at: Mapped[datetime]


class Application(Base):
    """A person's application to a programme in a role: ``pending``, then ``approved`` or ``declined`` with a reason.

    Kept after the decision (who decided and when is the audit record); the applicant reads the reason.
    """

    __tablename__ = "mf_console_applications"
    __table_args__ = (Index("ix_mf_console_applications_programme_id_status", "programme_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    decided_by: Mapped[int | None]
    decided_at: Mapped[datetime | None]


class Invitation(Base):
    """An invitation link to a programme in one role: signed, expiring and revocable; only its SHA-256 is kept."""

    __tablename__ = "mf_console_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mf_programmes.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    uses: Mapped[int]
