"""Mark the engine's own audit events (creation, retention purge) so privacy never keys on a transition's name.

Existing rows are marked by what only the engine writes: the creation event
``start`` is the one event without a ``from_state`` (every transition has
one), and a purge is ``retention_purge`` by the system that stays in its state.

Revision ID: mf0004_engine_events
Revises: mf0003_timer_indexes
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "mf0004_engine_events"
down_revision = "mf0003_timer_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("mf_audit_events", sa.Column("engine_event", sa.Boolean, nullable=False,
                                               server_default=sa.false()))
    events = sa.table("mf_audit_events", sa.column("transition", sa.String), sa.column("from_state", sa.String),
                      sa.column("to_state", sa.String), sa.column("actor_role", sa.String),
                      sa.column("engine_event", sa.Boolean))
    started = sa.and_(events.c.transition == "start", events.c.from_state.is_(None))
    purged = sa.and_(events.c.transition == "retention_purge", events.c.actor_role == "system",
                     events.c.from_state == events.c.to_state)
    op.execute(events.update().where(sa.or_(started, purged)).values(engine_event=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("mf_audit_events") as batch:
        batch.drop_column("engine_event")
