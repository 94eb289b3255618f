"""Matching runs report their phase and progress while they run, and can be cancelled.

Revision ID: matching0002
Revises: matching0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "matching0002"
down_revision = "matching0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mf_matching_runs") as batch:
        batch.add_column(sa.Column("phase", sa.String(16), nullable=True))
        batch.add_column(sa.Column("progress", sa.Double, nullable=True))
        batch.add_column(sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("mf_matching_runs") as batch:
        batch.drop_column("cancel_requested")
        batch.drop_column("progress")
        batch.drop_column("phase")
