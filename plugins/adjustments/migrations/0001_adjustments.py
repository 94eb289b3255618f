"""Adjustments: proposals, their status history, applied changes and relationship settings overrides.

Revision ID: adjustments0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "adjustments0001"
down_revision = None
branch_labels = ("adjustments",)
depends_on = "mf0001_core"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def _audit_fk(table: str, column: str = "audit_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["mf_audit_events.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_{column}_mf_audit_events")


def upgrade() -> None:
    op.create_table(
        "mf_adjustments_proposals",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("proposer_id", sa.Integer, nullable=False),
        sa.Column("proposer_role", sa.String(16), nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("rationale", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pending_for", sa.Integer, nullable=True),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_adjustments_proposals"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_adjustments_proposals_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["proposer_id"], ["mf_people.id"],
                                name="fk_mf_adjustments_proposals_proposer_id_mf_people"),
        _audit_fk("mf_adjustments_proposals"),
        sa.UniqueConstraint("pending_for", name="uq_mf_adjustments_proposals_pending_for"),
    )
    op.create_index("ix_mf_adjustments_proposals_relationship_id", "mf_adjustments_proposals", ["relationship_id"])
    op.create_table(
        "mf_adjustments_history",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("proposal_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_adjustments_history"),
        sa.ForeignKeyConstraint(["proposal_id"], ["mf_adjustments_proposals.id"], ondelete="CASCADE",
                                name="fk_mf_adjustments_history_proposal_id_mf_adjustments_proposals"),
        sa.ForeignKeyConstraint(["actor_id"], ["mf_people.id"],
                                name="fk_mf_adjustments_history_actor_id_mf_people"),
        _audit_fk("mf_adjustments_history"),
    )
    op.create_index("ix_mf_adjustments_history_proposal_id", "mf_adjustments_history",
                    ["proposal_id"])
    op.create_table(
        "mf_adjustments_changes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("proposal_id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("goal_id", sa.Integer, nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("applied_at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_adjustments_changes"),
        sa.ForeignKeyConstraint(["proposal_id"], ["mf_adjustments_proposals.id"], ondelete="CASCADE",
                                name="fk_mf_adjustments_changes_proposal_id_mf_adjustments_proposals"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_adjustments_changes_relationship_id_mf_relationships"),
        _audit_fk("mf_adjustments_changes"),
    )
    op.create_index("ix_mf_adjustments_changes_proposal_id", "mf_adjustments_changes", ["proposal_id"])
    op.create_index("ix_mf_adjustments_changes_relationship_id", "mf_adjustments_changes", ["relationship_id"])
    op.create_table(
        "mf_adjustments_settings",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("proposal_id", sa.Integer, nullable=False),
        sa.Column("applied_at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_adjustments_settings"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_adjustments_settings_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["proposal_id"], ["mf_adjustments_proposals.id"], ondelete="CASCADE",
                                name="fk_mf_adjustments_settings_proposal_id_mf_adjustments_proposals"),
        _audit_fk("mf_adjustments_settings"),
        sa.UniqueConstraint("relationship_id", "key", name="uq_mf_adjustments_settings_relationship_id_key"),
    )


def downgrade() -> None:
    for table in ("mf_adjustments_settings", "mf_adjustments_changes", "mf_adjustments_history",
                  "mf_adjustments_proposals"):
        op.drop_table(table)
