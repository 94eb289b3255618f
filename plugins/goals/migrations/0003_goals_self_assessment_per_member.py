"""One start and one closure self-assessment per member, not per relationship (each mentee of a group rates).

The unique constraint on ``mf_goals_self_assessments`` gains ``author_id``. The downgrade refuses, naming the
relationship, when some relationship holds two assessments of one phase (a group's): dropping them would lose
a member's ratings.

Revision ID: goals0003
Revises: goals0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "goals0003"
down_revision = "goals0002"
branch_labels = None
depends_on = None

TABLE = "mf_goals_self_assessments"
PER_RELATIONSHIP = "uq_mf_goals_self_assessments_relationship_id_phase"
PER_MEMBER = "uq_mf_goals_self_assessments_relationship_id_phase_author_id"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(PER_RELATIONSHIP, type_="unique")
        batch.create_unique_constraint(PER_MEMBER, ["relationship_id", "phase", "author_id"])


def downgrade() -> None:
    shared = op.get_bind().execute(sa.text(
        f"SELECT relationship_id FROM {TABLE} GROUP BY relationship_id, phase HAVING count(*) > 1 "
        "ORDER BY relationship_id LIMIT 5")).scalars().all()
    if shared:
        raise RuntimeError(f"cannot downgrade below goals0003: relationships {', '.join(map(str, shared))} hold "
                           "several members' self-assessments of one phase")
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(PER_MEMBER, type_="unique")
        batch.create_unique_constraint(PER_RELATIONSHIP, ["relationship_id", "phase"])
