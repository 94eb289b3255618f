"""Grades through an outbox, line items tied to the launch's resource link.

``mf_lti_contexts.resource_link_id``: the resource link of the launch that
linked the course, sent as ``resourceLinkId`` when the tool creates a line
item (Open edX passes a score to the course grade only for its own block).
``mf_lti_scores`` becomes the grades' outbox: ``pending`` rows owed by a
transition, claimed with a lease (``claimed_until``) and retried at
``next_attempt_at``; ``sent_timestamp`` is the score timestamp last sent,
so a retry after a ``409`` sends a later one.

Revision ID: lti0002
Revises: lti0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "lti0002"
down_revision = "lti0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("mf_lti_contexts") as table:
        table.add_column(sa.Column("resource_link_id", sa.String(255), nullable=True))
    with op.batch_alter_table("mf_lti_scores") as table:
        table.add_column(sa.Column("next_attempt_at", TS, nullable=True))
        table.add_column(sa.Column("claimed_until", TS, nullable=True))
        table.add_column(sa.Column("sent_timestamp", TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mf_lti_scores") as table:
        table.drop_column("sent_timestamp")
        table.drop_column("claimed_until")
        table.drop_column("next_attempt_at")
    with op.batch_alter_table("mf_lti_contexts") as table:
        table.drop_column("resource_link_id")
