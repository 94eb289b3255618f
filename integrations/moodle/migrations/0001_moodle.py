"""Moodle sites and the Mentor role queue.

Revision ID: moodle0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "moodle0001"
down_revision = None
branch_labels = ("moodle",)
depends_on = "mf0001_core"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_moodle_sites",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("url", sa.String(255), nullable=False),
        sa.Column("token", sa.String(255), nullable=False),
        sa.Column("mentor_role_id", sa.Integer, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_moodle_sites"),
        sa.UniqueConstraint("url", name="uq_mf_moodle_sites_url"),
    )
    op.create_table(
        "mf_moodle_role_sync",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=True),
        sa.Column("mentor_id", sa.Integer, nullable=False),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("done_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_moodle_role_sync"),
        sa.ForeignKeyConstraint(["site_id"], ["mf_moodle_sites.id"], ondelete="CASCADE",
                                name="fk_mf_moodle_role_sync_site_id_mf_moodle_sites"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_moodle_role_sync_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["mentor_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_moodle_role_sync_mentor_id_mf_people"),
        sa.ForeignKeyConstraint(["mentee_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_moodle_role_sync_mentee_id_mf_people"),
    )
    op.create_index("ix_mf_moodle_role_sync_status", "mf_moodle_role_sync", ["status"])
    op.create_index("ix_mf_moodle_role_sync_relationship_id", "mf_moodle_role_sync", ["relationship_id"])


def downgrade() -> None:
    op.drop_table("mf_moodle_role_sync")
    op.drop_table("mf_moodle_sites")
