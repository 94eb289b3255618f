"""Course groups that seeded relationships (issue #18): ``mf_lti_group_links``.

Revision ID: lti0003
Revises: lti0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "lti0003"
down_revision = "lti0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mf_lti_group_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lti_context_id", sa.Integer, sa.ForeignKey("mf_lti_contexts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("group_id", sa.String(255), nullable=False),
        sa.Column("relationship_id", sa.Integer, sa.ForeignKey("mf_relationships.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("lti_context_id", "group_id"),
    )


def downgrade() -> None:
    op.drop_table("mf_lti_group_links")
