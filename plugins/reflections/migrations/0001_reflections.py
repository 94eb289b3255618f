"""Reflections and pulse-survey answers.

Revision ID: reflections0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "reflections0001"
down_revision = None
branch_labels = ("reflections",)
depends_on = "mf0001_core"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_reflections_entries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("period_index", sa.Integer, nullable=False),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("trust", sa.Integer, nullable=True),
        sa.Column("engagement", sa.Integer, nullable=True),
        sa.Column("health", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_reflections_entries"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_reflections_entries_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_reflections_entries_audit_id_mf_audit_events"),
        sa.ForeignKeyConstraint(["author_id"], ["mf_people.id"], name="fk_mf_reflections_entries_author_id_mf_people"),
        sa.UniqueConstraint("audit_id", name="uq_mf_reflections_entries_audit_id"),
    )
    op.create_index("ix_mf_reflections_entries_relationship_id", "mf_reflections_entries", ["relationship_id"])
    op.create_table(
        "mf_reflections_pulses",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("period_index", sa.Integer, nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("satisfaction", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_reflections_pulses"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_reflections_pulses_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_reflections_pulses_audit_id_mf_audit_events"),
        sa.ForeignKeyConstraint(["author_id"], ["mf_people.id"], name="fk_mf_reflections_pulses_author_id_mf_people"),
        sa.UniqueConstraint("audit_id", name="uq_mf_reflections_pulses_audit_id"),
        sa.UniqueConstraint("relationship_id", "author_id", "period_index",
                            name="uq_mf_reflections_pulses_relationship_id_author_id_period_index"),
    )


def downgrade() -> None:
    op.drop_table("mf_reflections_pulses")
    op.drop_index("ix_mf_reflections_entries_relationship_id", table_name="mf_reflections_entries")
    op.drop_table("mf_reflections_entries")
