"""The kudos table.

Revision ID: kudos0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "kudos0001"
down_revision = None
branch_labels = ("kudos",)
depends_on = "mf0001_core"


def upgrade():
    op.create_table(
        "kudos_items",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kudos_items"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_kudos_items_relationship_id"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_kudos_items_audit_id"),
    )
    op.create_index("ix_kudos_items_relationship_id", "kudos_items", ["relationship_id"])


def downgrade():
    op.drop_table("kudos_items")
