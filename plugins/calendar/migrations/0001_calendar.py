"""Calendar feed tokens.

Revision ID: calendar0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "calendar0001"
down_revision = None
branch_labels = ("calendar",)
depends_on = "mf0001_core"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_calendar_feeds",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_calendar_feeds"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_calendar_feeds_person_id_mf_people"),
        sa.UniqueConstraint("token_hash", name="uq_mf_calendar_feeds_token_hash"),
    )
    op.create_index("ix_mf_calendar_feeds_person_id", "mf_calendar_feeds", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_mf_calendar_feeds_person_id", table_name="mf_calendar_feeds")
    op.drop_table("mf_calendar_feeds")
