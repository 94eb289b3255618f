"""Programme owners (web or an Open edX course) and administrators' shares of programmes with courses.

Existing programmes whose key is an Open edX course's default key
(``openedx-...``) become Open edX programmes without a known course: the
first course whose default key it is claims it. Every other programme
belongs to the web service.

Revision ID: mf0005_programme_owners
Revises: mf0004_engine_events
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "mf0005_programme_owners"
down_revision = "mf0004_engine_events"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("mf_programmes") as batch:
        batch.add_column(sa.Column("owner_kind", sa.String(16), nullable=False, server_default="web"))
        batch.add_column(sa.Column("owner_ref", sa.String(255), nullable=True))
    programmes = sa.table("mf_programmes", sa.column("key", sa.String), sa.column("owner_kind", sa.String))
    op.execute(programmes.update().where(programmes.c.key.like("openedx-%")).values(owner_kind="openedx"))
    op.create_table(
        "mf_programme_shares",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("course", sa.String(255), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_programme_shares"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_programme_shares_programme_id_mf_programmes"),
    )
    op.create_index("ix_mf_programme_shares_programme_id", "mf_programme_shares", ["programme_id"])


def downgrade() -> None:
    op.drop_index("ix_mf_programme_shares_programme_id", "mf_programme_shares")
    op.drop_table("mf_programme_shares")
    with op.batch_alter_table("mf_programmes") as batch:
        batch.drop_column("owner_ref")
        batch.drop_column("owner_kind")
