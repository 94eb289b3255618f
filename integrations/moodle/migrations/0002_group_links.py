"""Moodle course groups that seeded relationships (issue #18): ``mf_moodle_group_links``.

Revision ID: moodle0002
Revises: moodle0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "moodle0002"
down_revision = "moodle0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mf_moodle_group_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("mf_moodle_sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, sa.ForeignKey("mf_relationships.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("site_id", "group_id"),
    )


def downgrade() -> None:
    op.drop_table("mf_moodle_group_links")
