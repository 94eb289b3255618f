"""API tokens.

Revision ID: mf0002_api_tokens
Revises: mf0001_core
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "mf0002_api_tokens"
down_revision = "mf0001_core"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_api_tokens",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=True),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("programmes", JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_api_tokens"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_api_tokens_person_id_mf_people"),
        sa.UniqueConstraint("prefix", name="uq_mf_api_tokens_prefix"),
    )


def downgrade() -> None:
    op.drop_table("mf_api_tokens")
