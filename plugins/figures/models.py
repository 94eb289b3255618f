"""The figures plugin's summary rows: each relationship's figures, the programme's sums, and deadlines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mentorflow.db.models import Base

_REL = "mf_relationships.id"
_PROGRAMME = "mf_programmes.id"


class RelationshipValue(Base):
    """One figure of one relationship, as its plugins last answered (what the programme's sum holds of it)."""

    __tablename__ = "mf_figures_values"
    __table_args__ = (Index("ix_mf_figures_values_programme_id_name", "programme_id", "name", "value"),)

    relationship_id: Mapped[int] = mapped_column(ForeignKey(_REL, ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(96), primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey(_PROGRAMME, ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)


class ProgrammeTotal(Base):
    """A figure summed over a programme's relationships: what the dashboard reads."""

    __tablename__ = "mf_figures_totals"

    programme_id: Mapped[int] = mapped_column(ForeignKey(_PROGRAMME, ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(96), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class FigureDeadline(Base):
    """A moment after which a relationship counts as overdue or at risk (counted by an indexed range)."""

    __tablename__ = "mf_figures_deadlines"
    __table_args__ = (Index("ix_mf_figures_deadlines_programme_id_kind_at", "programme_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey(_REL, ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey(_PROGRAMME, ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    at: Mapped[datetime]
    role: Mapped[str | None] = mapped_column(String(16))
    person_id: Mapped[int | None]
    label: Mapped[str | None] = mapped_column(String(200))
