"""The web service's tables: browser sessions and rate-limit counters.

Both live in the database (not in a process) so every gunicorn worker sees
the same sessions and counts the same attempts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base


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
