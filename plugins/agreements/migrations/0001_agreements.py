"""Agreement versions and signatures.

Revision ID: agreements0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "agreements0001"
down_revision = None
branch_labels = ("agreements",)
depends_on = "mf0001_core"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_agreements_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("terms", JSON, nullable=False),
        sa.Column("proposed_by", sa.Integer, nullable=True),
        sa.Column("proposed_role", sa.String(16), nullable=False),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_agreements_versions"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_agreements_versions_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["proposed_by"], ["mf_people.id"],
                                name="fk_mf_agreements_versions_proposed_by_mf_people"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_agreements_versions_audit_id_mf_audit_events"),
        sa.UniqueConstraint("relationship_id", "version", name="uq_mf_agreements_versions_relationship_id_version"),
        sa.UniqueConstraint("audit_id", name="uq_mf_agreements_versions_audit_id"),
    )
    op.create_table(
        "mf_agreements_signatures",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("signer_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("signed_at", TS, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_agreements_signatures"),
        sa.ForeignKeyConstraint(["version_id"], ["mf_agreements_versions.id"], ondelete="CASCADE",
                                name="fk_mf_agreements_signatures_version_id_mf_agreements_versions"),
        sa.ForeignKeyConstraint(["signer_id"], ["mf_people.id"],
                                name="fk_mf_agreements_signatures_signer_id_mf_people"),
        sa.ForeignKeyConstraint(["audit_id"], ["mf_audit_events.id"], ondelete="CASCADE",
                                name="fk_mf_agreements_signatures_audit_id_mf_audit_events"),
        sa.UniqueConstraint("version_id", "signer_id", name="uq_mf_agreements_signatures_version_id_signer_id"),
        sa.UniqueConstraint("audit_id", name="uq_mf_agreements_signatures_audit_id"),
    )


def downgrade() -> None:
    op.drop_table("mf_agreements_signatures")
    op.drop_table("mf_agreements_versions")
