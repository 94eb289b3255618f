"""The test plugin notebook's table (tests/notebook.py): one note per person and relationship.

Revision ID: notebook0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "notebook0001"
down_revision = None
branch_labels = ("notebook",)
depends_on = "mf0001_core"


def upgrade() -> None:
    op.create_table(
        "test_notebook_notes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_test_notebook_notes"),
    )


def downgrade() -> None:
    op.drop_table("test_notebook_notes")
