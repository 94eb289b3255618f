"""Several goals per transition: ``mf_goals_goals.audit_id`` becomes a plain index instead of unique.

An accepted adjustment may add several goals, all recorded against the acceptance's audit row.
(``mf_goals_self_assessments.audit_id`` stays unique: one transition records one self-assessment.)

Revision ID: goals0002
Revises: goals0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op

revision = "goals0002"
down_revision = "goals0001"
branch_labels = None
depends_on = None

UNIQUE = "uq_mf_goals_goals_audit_id"
INDEX = "ix_mf_goals_goals_audit_id"
_KEPT = "_mf_goals_updates_kept"


@contextmanager
def _goal_updates_kept() -> Iterator[None]:
    """On SQLite, keep ``mf_goals_updates`` across the rebuild of ``mf_goals_goals``.

    SQLite can only change a table's constraints by copying it into a new table and dropping the old
    one. Migrations run in a transaction with ``PRAGMA foreign_keys=ON`` (which cannot be switched off
    inside a transaction), so that DROP deletes every row first, cascading to the goals' updates. The
    updates are copied aside and put back once the rebuilt table has taken the old one's name (goal ids
    are copied unchanged, so the references still hold).
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(f"CREATE TEMP TABLE {_KEPT} AS SELECT * FROM mf_goals_updates")
    yield
    if sqlite:
        op.execute("DELETE FROM mf_goals_updates")  # empty already unless foreign keys were off
        op.execute(f"INSERT INTO mf_goals_updates SELECT * FROM {_KEPT}")
        op.execute(f"DROP TABLE {_KEPT}")


def upgrade() -> None:
    with _goal_updates_kept(), op.batch_alter_table("mf_goals_goals") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_index(INDEX, ["audit_id"])


def downgrade() -> None:
    # Fails (IntegrityError, nothing changed) once a transition has added several goals.
    with _goal_updates_kept(), op.batch_alter_table("mf_goals_goals") as batch:
        batch.drop_index(INDEX)
        batch.create_unique_constraint(UNIQUE, ["audit_id"])
