"""Core tables: programmes, workflow versions, people, identities, roles, relationships, audit events.

Revision ID: mf0001_core
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "mf0001_core"
down_revision = None
branch_labels = ("mentorflow",)
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_programmes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", JSON, nullable=False),
        sa.Column("context", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_programmes"),
        sa.UniqueConstraint("key", name="uq_mf_programmes_key"),
    )
    op.create_table(
        "mf_workflow_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("workflow_id", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_workflow_versions"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_workflow_versions_programme_id_mf_programmes"),
        sa.UniqueConstraint("programme_id", "version", name="uq_mf_workflow_versions_programme_id_version"),
    )
    op.create_table(
        "mf_people",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_people"),
    )
    op.create_table(
        "mf_external_identities",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_external_identities"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_external_identities_person_id_mf_people"),
        sa.UniqueConstraint("source", "external_id", name="uq_mf_external_identities_source_external_id"),
    )
    op.create_index("ix_mf_external_identities_person_id", "mf_external_identities", ["person_id"])
    op.create_table(
        "mf_programme_roles",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_programme_roles"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_programme_roles_programme_id_mf_programmes"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_programme_roles_person_id_mf_people"),
        sa.UniqueConstraint("programme_id", "person_id", "role",
                            name="uq_mf_programme_roles_programme_id_person_id_role"),
    )
    op.create_index("ix_mf_programme_roles_person_id", "mf_programme_roles", ["person_id"])
    op.create_table(
        "mf_relationships",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("workflow_version_id", sa.Integer, nullable=False),
        sa.Column("mentor_id", sa.Integer, nullable=True),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("state_entered_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_relationships"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"],
                                name="fk_mf_relationships_programme_id_mf_programmes"),
        sa.ForeignKeyConstraint(["workflow_version_id"], ["mf_workflow_versions.id"],
                                name="fk_mf_relationships_workflow_version_id_mf_workflow_versions"),
        sa.ForeignKeyConstraint(["mentor_id"], ["mf_people.id"], name="fk_mf_relationships_mentor_id_mf_people"),
        sa.ForeignKeyConstraint(["mentee_id"], ["mf_people.id"], name="fk_mf_relationships_mentee_id_mf_people"),
    )
    op.create_index("ix_mf_relationships_mentor_id", "mf_relationships", ["mentor_id"])
    op.create_index("ix_mf_relationships_mentee_id", "mf_relationships", ["mentee_id"])
    op.create_index("ix_mf_relationships_programme_state", "mf_relationships", ["programme_id", "state"])
    op.create_table(
        "mf_audit_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("transition", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(64), nullable=True),
        sa.Column("to_state", sa.String(64), nullable=False),
        sa.Column("data", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_audit_events"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_audit_events_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["actor_id"], ["mf_people.id"], name="fk_mf_audit_events_actor_id_mf_people"),
        sa.UniqueConstraint("relationship_id", "seq", name="uq_mf_audit_events_relationship_id_seq"),
    )


def downgrade() -> None:
    for table in ("mf_audit_events", "mf_relationships", "mf_programme_roles", "mf_external_identities",
                  "mf_people", "mf_workflow_versions", "mf_programmes"):
        op.drop_table(table)
