"""The web service's tables: server-side sessions and rate-limit counters.

Revision ID: web0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web0001"
down_revision = None
branch_labels = ("web",)
depends_on = "mf0001_core"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_web_sessions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_web_sessions"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_web_sessions_person_id_mf_people"),
        sa.UniqueConstraint("token_hash", name="uq_mf_web_sessions_token_hash"),
    )
    op.create_index("ix_mf_web_sessions_person_id", "mf_web_sessions", ["person_id"])
    op.create_index("ix_mf_web_sessions_expires_at", "mf_web_sessions", ["expires_at"])
    op.create_table(
        "mf_web_rate_limits",
        sa.Column("bucket", sa.String(200), nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name="pk_mf_web_rate_limits"),
    )
    op.create_index("ix_mf_web_rate_limits_window_start", "mf_web_rate_limits", ["window_start"])


def downgrade() -> None:
    op.drop_table("mf_web_rate_limits")
    op.drop_table("mf_web_sessions")
