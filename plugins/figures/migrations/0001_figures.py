"""The programme figures' summary rows.

Revision ID: figures0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "figures0001"
down_revision = None
branch_labels = ("figures",)
depends_on = "mf0001_core"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_figures_values",
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(96), nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("relationship_id", "name", name="pk_mf_figures_values"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_figures_values_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_figures_values_programme_id_mf_programmes"),
    )
    op.create_index("ix_mf_figures_values_programme_id_name", "mf_figures_values", ["programme_id", "name", "value"])
    op.create_table(
        "mf_figures_totals",
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(96), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("programme_id", "name", name="pk_mf_figures_totals"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_figures_totals_programme_id_mf_programmes"),
    )
    op.create_table(
        "mf_figures_deadlines",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("person_id", sa.Integer, nullable=True),
        sa.Column("label", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_figures_deadlines"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_figures_deadlines_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_figures_deadlines_programme_id_mf_programmes"),
    )
    op.create_index("ix_mf_figures_deadlines_relationship_id", "mf_figures_deadlines", ["relationship_id"])
    op.create_index("ix_mf_figures_deadlines_programme_id_kind_at", "mf_figures_deadlines",
                    ["programme_id", "kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_mf_figures_deadlines_programme_id_kind_at", table_name="mf_figures_deadlines")
    op.drop_index("ix_mf_figures_deadlines_relationship_id", table_name="mf_figures_deadlines")
    op.drop_table("mf_figures_deadlines")
    op.drop_table("mf_figures_totals")
    op.drop_index("ix_mf_figures_values_programme_id_name", table_name="mf_figures_values")
    op.drop_table("mf_figures_values")
