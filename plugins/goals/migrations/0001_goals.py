"""Goals, goal updates and self-assessments.

Revision ID: goals0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "goals0001"
down_revision = None
branch_labels = ("goals",)
depends_on = "mf0001_core"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_goals_goals",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("specific", sa.Text, nullable=True),
        sa.Column("measure", sa.Text, nullable=True),
        sa.Column("achievable", sa.Text, nullable=True),
        sa.Column("relevant", sa.Text, nullable=True),
        sa.Column("target_date", sa.Date, nullable=True),
        sa.Column("details", JSON, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("proposed_by", sa.Integer, nullable=True),
        sa.Column("proposed_role", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("agreed_by", sa.Integer, nullable=True),
        sa.Column("agreed_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_goals_goals"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_goals_goals_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["proposed_by"], ["mf_people.id"], name="fk_mf_goals_goals_proposed_by_mf_people"),
        sa.ForeignKeyConstraint(["agreed_by"], ["mf_people.id"], name="fk_mf_goals_goals_agreed_by_mf_people"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_goals_goals_audit_id_mf_audit_events"),
        sa.UniqueConstraint("audit_id", name="uq_mf_goals_goals_audit_id"),
    )
    op.create_index("ix_mf_goals_goals_relationship_id", "mf_goals_goals", ["relationship_id"])
    op.create_table(
        "mf_goals_updates",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("goal_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("percent", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("previous", JSON, nullable=True),
        sa.Column("author_id", sa.Integer, nullable=True),
        sa.Column("author_role", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_goals_updates"),
        sa.ForeignKeyConstraint(["goal_id"], ["mf_goals_goals.id"], ondelete="CASCADE",
                                name="fk_mf_goals_updates_goal_id_mf_goals_goals"),
        sa.ForeignKeyConstraint(["author_id"], ["mf_people.id"], name="fk_mf_goals_updates_author_id_mf_people"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_goals_updates_audit_id_mf_audit_events"),
    )
    op.create_index("ix_mf_goals_updates_goal_id", "mf_goals_updates", ["goal_id"])
    op.create_table(
        "mf_goals_self_assessments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("ratings", JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("assessed_at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_goals_self_assessments"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_goals_self_assessments_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["author_id"], ["mf_people.id"],
                                name="fk_mf_goals_self_assessments_author_id_mf_people"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_goals_self_assessments_audit_id_mf_audit_events"),
        sa.UniqueConstraint("relationship_id", "phase", name="uq_mf_goals_self_assessments_relationship_id_phase"),
        sa.UniqueConstraint("audit_id", name="uq_mf_goals_self_assessments_audit_id"),
    )


def downgrade() -> None:
    op.drop_table("mf_goals_self_assessments")
    op.drop_index("ix_mf_goals_updates_goal_id", table_name="mf_goals_updates")
    op.drop_table("mf_goals_updates")
    op.drop_index("ix_mf_goals_goals_relationship_id", table_name="mf_goals_goals")
    op.drop_table("mf_goals_goals")
