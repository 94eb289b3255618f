"""The meeting log and per-author meeting feedback.

Revision ID: meetings0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "meetings0001"
down_revision = None
branch_labels = ("meetings",)
depends_on = "mf0001_core"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_meetings_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("logged_by", sa.Integer, nullable=False),
        sa.Column("logged_role", sa.String(16), nullable=False),
        sa.Column("logged_at", TS, nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("agenda", sa.Text, nullable=True),
        sa.Column("shared_notes", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_meetings_log"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_meetings_log_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_meetings_log_audit_id_mf_audit_events"),
        sa.ForeignKeyConstraint(["logged_by"], ["mf_people.id"], name="fk_mf_meetings_log_logged_by_mf_people"),
        sa.UniqueConstraint("audit_id", name="uq_mf_meetings_log_audit_id"),
    )
    op.create_index("ix_mf_meetings_log_relationship_id", "mf_meetings_log", ["relationship_id"])
    op.create_table(
        "mf_meetings_feedback",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("meeting_id", sa.Integer, nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("private_notes", sa.Text, nullable=True),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_meetings_feedback"),
        sa.ForeignKeyConstraint(["meeting_id"], ["mf_meetings_log.id"], ondelete="CASCADE",
                                name="fk_mf_meetings_feedback_meeting_id_mf_meetings_log"),
        sa.ForeignKeyConstraint(["author_id"], ["mf_people.id"], name="fk_mf_meetings_feedback_author_id_mf_people"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_meetings_feedback_audit_id_mf_audit_events"),
        sa.UniqueConstraint("meeting_id", "author_id", name="uq_mf_meetings_feedback_meeting_id_author_id"),
    )


def downgrade() -> None:
    op.drop_table("mf_meetings_feedback")
    op.drop_index("ix_mf_meetings_log_relationship_id", table_name="mf_meetings_log")
    op.drop_table("mf_meetings_log")
