"""The due table: each relationship's next due time per duty, filled from the states and the audit log.

Revision ID: reminders0002
Revises: reminders0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "reminders0002"
down_revision = "reminders0001"
branch_labels = None
depends_on = "mf0006_relationship_members"  # the rows are derived from the members

TS = sa.DateTime(timezone=True)
log = logging.getLogger("mentorflow.reminders")


def upgrade() -> None:
    op.create_table(
        "mf_reminder_due",
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("timer", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("workflow_version_id", sa.Integer, nullable=False),
        sa.Column("period_start", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("next_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("relationship_id", "timer", "role", "person_id", name="pk_mf_reminder_due"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_reminder_due_relationship_id_mf_relationships"),
    )
    op.create_index("ix_mf_reminder_due_next_at", "mf_reminder_due", ["next_at"])
    op.create_index("ix_mf_reminder_due_programme_due", "mf_reminder_due", ["programme_id", "due_at"])
    # Data migration: an existing database gets its rows now, derived the way the scan used to derive them.
    # It reads through the current models, so it must run on the current core schema: a new core revision
    # that changes mf_relationships belongs in depends_on. A fresh database has nothing to derive.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM mf_relationships LIMIT 1")).first() is None:
        return
    from mentorflow.plugins.reminders.due import rebuild, stored_workflows

    rows = rebuild(bind, stored_workflows())
    log.info("reminders: %s due rows built from the states and the audit log", rows)


def downgrade() -> None:
    op.drop_table("mf_reminder_due")
