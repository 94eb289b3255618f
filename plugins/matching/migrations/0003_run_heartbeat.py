"""A running run beats its row (``heartbeat_at``), so a run whose process died can be told from a slow one.

Revision ID: matching0003
Revises: matching0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "matching0003"
down_revision = "matching0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mf_matching_runs") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mf_matching_runs") as batch:
        batch.drop_column("heartbeat_at")
