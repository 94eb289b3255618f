"""The calendar plugin's table: one row per feed token a person was given (only its SHA-256 is stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base


class CalendarFeed(Base):
    """A person's secret calendar-feed address; revoked when replaced, so at most one is live per person."""

    __tablename__ = "mf_calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
