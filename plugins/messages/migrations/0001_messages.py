"""Messages, read marks and the notifications owed about new messages.

Revision ID: messages0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "messages0001"
down_revision = None
branch_labels = ("messages",)
depends_on = "mf0001_core"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_messages_posts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("author_role", sa.String(16), nullable=False),
        sa.Column("posted_at", TS, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_messages_posts"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_messages_posts_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["author_id"], ["mf_people.id"], name="fk_mf_messages_posts_author_id_mf_people"),
    )
    op.create_index("ix_mf_messages_posts_relationship_id_id", "mf_messages_posts", ["relationship_id", "id"])
    op.create_table(
        "mf_messages_reads",
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("last_read_id", sa.Integer, nullable=False),
        sa.Column("read_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("relationship_id", "person_id", name="pk_mf_messages_reads"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_messages_reads_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], name="fk_mf_messages_reads_person_id_mf_people"),
    )
    op.create_table(
        "mf_messages_notices",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("recipient_id", sa.Integer, nullable=False),
        sa.Column("pending_key", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_message_id", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("messages", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_messages_notices"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_messages_notices_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["recipient_id"], ["mf_people.id"],
                                name="fk_mf_messages_notices_recipient_id_mf_people"),
        sa.UniqueConstraint("pending_key", name="uq_mf_messages_notices_pending_key"),
    )
    op.create_index("ix_mf_messages_notices_relationship_id", "mf_messages_notices", ["relationship_id"])


def downgrade() -> None:
    op.drop_index("ix_mf_messages_notices_relationship_id", table_name="mf_messages_notices")
    op.drop_table("mf_messages_notices")
    op.drop_table("mf_messages_reads")
    op.drop_index("ix_mf_messages_posts_relationship_id_id", table_name="mf_messages_posts")
    op.drop_table("mf_messages_posts")
