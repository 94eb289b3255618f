"""The reminder outbox.

Revision ID: reminders0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "reminders0001"
down_revision = None
branch_labels = ("reminders",)
depends_on = "mf0001_core"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_reminders_outbox",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=True),
        sa.Column("recipient_id", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("context", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_reminders_outbox"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_reminders_outbox_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["recipient_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_reminders_outbox_recipient_id_mf_people"),
        sa.UniqueConstraint("key", name="uq_mf_reminders_outbox_key"),
    )
    op.create_index("ix_mf_reminders_outbox_due", "mf_reminders_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_mf_reminders_outbox_relationship_id", "mf_reminders_outbox", ["relationship_id"])
    op.create_index("ix_mf_reminders_outbox_recipient_id", "mf_reminders_outbox", ["recipient_id"])


def downgrade() -> None:
    op.drop_table("mf_reminders_outbox")
