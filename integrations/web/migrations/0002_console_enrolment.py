"""The coordinator console's enrolment tables: approval setting, applications, invitation links (issue #17).

Revision ID: web0002_enrolment
Revises: web0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "web0002_enrolment"
down_revision = "web0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mf_console_enrolment",
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("approval", sa.Boolean, nullable=False),
        sa.Column("changed_by", sa.Integer, nullable=True),
        sa.Column("changed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("programme_id", name="pk_mf_console_enrolment"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_console_enrolment_programme_id_mf_programmes"),
    )
    op.create_table(
        "mf_console_applications",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("profile", JSON, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_by", sa.Integer, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_console_applications"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_console_applications_programme_id_mf_programmes"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_console_applications_person_id_mf_people"),
    )
    op.create_index("ix_mf_console_applications_programme_id_status", "mf_console_applications",
                    ["programme_id", "status"])
    op.create_index("ix_mf_console_applications_person_id", "mf_console_applications", ["person_id"])
    op.create_table(
        "mf_console_invitations",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("uses", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_console_invitations"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_console_invitations_programme_id_mf_programmes"),
        sa.UniqueConstraint("prefix", name="uq_mf_console_invitations_prefix"),
    )
    op.create_index("ix_mf_console_invitations_programme_id", "mf_console_invitations", ["programme_id"])


def downgrade() -> None:
    op.drop_table("mf_console_invitations")
    op.drop_table("mf_console_applications")
    op.drop_table("mf_console_enrolment")
