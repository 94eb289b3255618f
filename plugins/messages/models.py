"""The messages plugin's tables: the messages, how far each member has read, and the notifications owed.

A message is not a workflow transition, so it has no audit event: the row is the record (who, when, the words),
and the coordinators' view (how many, the last one when) is read from it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base


class Message(Base):
    """One message in a relationship's conversation, seen by its current members."""

    __tablename__ = "mf_messages_posts"
    __table_args__ = (Index("ix_mf_messages_posts_relationship_id_id", "relationship_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    author_role: Mapped[str] = mapped_column(String(16))
    posted_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)


class ReadMark(Base):
    """How far one member has read one relationship's conversation (messages above ``last_read_id`` are unread)."""

    __tablename__ = "mf_messages_reads"

    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"),
                                                 primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"), primary_key=True)
    last_read_id: Mapped[int]
    read_at: Mapped[datetime]


class Notice(Base):
    """A notification owed to one member about new messages: one pending row per member and relationship.

    ``pending_key`` (``"{relationship}:{recipient}"``) is unique while the row waits and NULL once it is sent or
    skipped, so messages posted meanwhile join the waiting notification instead of owing another.
    """

    __tablename__ = "mf_messages_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    pending_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    """``pending``, ``sending``, ``sent``, ``skipped`` (read before it was due) or ``failed``."""
    first_message_id: Mapped[int]
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int]
    sent_at: Mapped[datetime | None]
    messages: Mapped[int | None]
    """How many unread messages the notification told of (when sent)."""
    last_error: Mapped[str | None] = mapped_column(Text)
