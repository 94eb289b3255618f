"""Group proposals: a run of a group, circle or co-mentoring programme proposes whole groups.

Revision ID: matching0004
Revises: matching0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "matching0004"
down_revision = "matching0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)
T = "mf_matching_groups"


def _fk(column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete, name=f"fk_{T}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("anchor_id", sa.Integer, nullable=True),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("members", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=True),
        sa.Column("decided_by", sa.Integer, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{T}"),
        _fk("run_id", "mf_matching_runs", "CASCADE"),
        _fk("anchor_id", "mf_people"),
        _fk("relationship_id", "mf_relationships", "SET NULL"),
        _fk("decided_by", "mf_people"),
    )
    op.create_index(f"ix_{T}_run_id", T, ["run_id"])


def downgrade() -> None:
    op.drop_index(f"ix_{T}_run_id", table_name=T)
    op.drop_table(T)
