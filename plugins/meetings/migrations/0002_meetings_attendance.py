"""Who attended a group meeting (issue #18): ``mf_meetings_attendance``.

Revision ID: meetings0002
Revises: meetings0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "meetings0002"
down_revision = "meetings0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mf_meetings_attendance",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("meeting_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_meetings_attendance"),
        sa.ForeignKeyConstraint(["meeting_id"], ["mf_meetings_log.id"], ondelete="CASCADE",
                                name="fk_mf_meetings_attendance_meeting_id_mf_meetings_log"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], name="fk_mf_meetings_attendance_person_id_mf_people"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_meetings_attendance_audit_id_mf_audit_events"),
        sa.UniqueConstraint("meeting_id", "person_id", name="uq_mf_meetings_attendance_meeting_id_person_id"),
    )
    op.create_index("ix_mf_meetings_attendance_meeting_id", "mf_meetings_attendance", ["meeting_id"])
    op.create_index("ix_mf_meetings_attendance_person_id", "mf_meetings_attendance", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_mf_meetings_attendance_person_id", table_name="mf_meetings_attendance")
    op.drop_index("ix_mf_meetings_attendance_meeting_id", table_name="mf_meetings_attendance")
    op.drop_table("mf_meetings_attendance")
