"""The agreements plugin's tables: every proposed version of a pair's agreement, and every signature.

Nothing here is ever updated or deleted by the plugin: an amendment is a
new version, and signatures of older versions stay as the record of what
each side accepted and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base


class AgreementVersion(Base):
    """One version of a relationship's agreement terms (1 for the first proposal, then one per change)."""

    __tablename__ = "mf_agreements_versions"
    __table_args__ = (UniqueConstraint("relationship_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("mf_relationships.id", ondelete="CASCADE"))
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    """``proposal`` (while contracting) or ``amendment`` (a change once the relationship is under way)."""
    terms: Mapped[dict[str, Any]]
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("mf_people.id"))
    proposed_role: Mapped[str] = mapped_column(String(16))
    proposed_at: Mapped[datetime]
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"), unique=True)


class AgreementSignature(Base):
    """A person's acceptance of one agreement version, with the time and an optional comment."""

    __tablename__ = "mf_agreements_signatures"
    __table_args__ = (UniqueConstraint("version_id", "signer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("mf_agreements_versions.id", ondelete="CASCADE"))
    signer_id: Mapped[int] = mapped_column(ForeignKey("mf_people.id"))
    role: Mapped[str] = mapped_column(String(16))
    signed_at: Mapped[datetime]
    comment: Mapped[str | None] = mapped_column(Text)
    audit_id: Mapped[int] = mapped_column(ForeignKey("mf_audit_events.id", ondelete="CASCADE"), unique=True)
