"""Moodle sites mentorflow calls, and the queue of Mentor role assignments to mirror into them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base

_PERSON = "mf_people.id"


class Site(Base):
    """A Moodle site: its wwwroot (also its LTI issuer), a Web Services token and the Mentor role's id."""

    __tablename__ = "mf_moodle_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(255), unique=True)
    token: Mapped[str] = mapped_column(String(255))
    mentor_role_id: Mapped[int | None]
    """The id of the site's user-context role for mentors (Moodle's "Parent"/"Mentor" role); None: no mirroring."""
    created_at: Mapped[datetime]


class RoleSync(Base):
    """One owed change to Moodle's Mentor role assignments (assign or unassign a mentor over a mentee)."""

    __tablename__ = "mf_moodle_role_sync"
    __table_args__ = (Index("ix_mf_moodle_role_sync_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("mf_moodle_sites.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    relationship_id: Mapped[int | None] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"),
                                                        index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey(_PERSON, ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey(_PERSON, ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    """``pending``, ``done``, ``skipped`` (someone has no Moodle account) or ``failed`` (after the attempts)."""
    attempts: Mapped[int]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class GroupLink(Base):
    """A Moodle course group that started a relationship (issue #18): running again starts no second one."""

    __tablename__ = "mf_moodle_group_links"
    __table_args__ = (UniqueConstraint("site_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("mf_moodle_sites.id", ondelete="CASCADE"))
    group_id: Mapped[int]
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
