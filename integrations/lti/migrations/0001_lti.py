"""The LTI tool's tables.

Revision ID: lti0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "lti0001"
down_revision = None
branch_labels = ("lti",)
depends_on = "mf0001_core"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mf_lti_platforms",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("auth_login_url", sa.String(500), nullable=False),
        sa.Column("auth_token_url", sa.String(500), nullable=False),
        sa.Column("jwks_url", sa.String(500), nullable=False),
        sa.Column("token_audience", sa.String(500), nullable=True),
        sa.Column("jwks", JSON, nullable=True),
        sa.Column("jwks_fetched_at", TS, nullable=True),
        sa.Column("registration", JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_lti_platforms"),
        sa.UniqueConstraint("issuer", "client_id", name="uq_mf_lti_platforms_issuer_client_id"),
    )
    op.create_table(
        "mf_lti_deployments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("platform_id", sa.Integer, nullable=False),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("role_map", JSON, nullable=True),
        sa.Column("programmes", JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_lti_deployments"),
        sa.ForeignKeyConstraint(["platform_id"], ["mf_lti_platforms.id"], ondelete="CASCADE",
                                name="fk_mf_lti_deployments_platform_id_mf_lti_platforms"),
        sa.UniqueConstraint("platform_id", "deployment_id", name="uq_mf_lti_deployments_platform_id_deployment_id"),
    )
    op.create_table(
        "mf_lti_keys",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("private_jwk", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("retired_at", TS, nullable=True),
        sa.Column("expires_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_lti_keys"),
        sa.UniqueConstraint("kid", name="uq_mf_lti_keys_kid"),
    )
    op.create_table(
        "mf_lti_nonces",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("platform_id", sa.Integer, nullable=False),
        sa.Column("nonce", sa.String(255), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_lti_nonces"),
        sa.ForeignKeyConstraint(["platform_id"], ["mf_lti_platforms.id"], ondelete="CASCADE",
                                name="fk_mf_lti_nonces_platform_id_mf_lti_platforms"),
        sa.UniqueConstraint("platform_id", "nonce", name="uq_mf_lti_nonces_platform_id_nonce"),
    )
    op.create_index("ix_mf_lti_nonces_expires_at", "mf_lti_nonces", ["expires_at"])
    op.create_table(
        "mf_lti_states",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("platform_id", sa.Integer, nullable=True),
        sa.Column("nonce", sa.String(64), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_lti_states"),
        sa.ForeignKeyConstraint(["platform_id"], ["mf_lti_platforms.id"], ondelete="CASCADE",
                                name="fk_mf_lti_states_platform_id_mf_lti_platforms"),
        sa.UniqueConstraint("state", name="uq_mf_lti_states_state"),
    )
    op.create_index("ix_mf_lti_states_expires_at", "mf_lti_states", ["expires_at"])
    op.create_table(
        "mf_lti_contexts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("platform_id", sa.Integer, nullable=False),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("context_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(255), nullable=True),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("memberships_url", sa.String(500), nullable=True),
        sa.Column("lineitems_url", sa.String(500), nullable=True),
        sa.Column("lineitem_url", sa.String(500), nullable=True),
        sa.Column("scopes", JSON, nullable=True),
        sa.Column("roster_synced_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_lti_contexts"),
        sa.ForeignKeyConstraint(["platform_id"], ["mf_lti_platforms.id"], ondelete="CASCADE",
                                name="fk_mf_lti_contexts_platform_id_mf_lti_platforms"),
        sa.ForeignKeyConstraint(["programme_id"], ["mf_programmes.id"], ondelete="CASCADE",
                                name="fk_mf_lti_contexts_programme_id_mf_programmes"),
        sa.UniqueConstraint("platform_id", "context_id", "programme_id",
                            name="uq_mf_lti_contexts_platform_id_context_id_programme_id"),
    )
    op.create_index("ix_mf_lti_contexts_programme_id", "mf_lti_contexts", ["programme_id"])
    op.create_table(
        "mf_lti_members",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("lti_context_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("roles", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_lti_members"),
        sa.ForeignKeyConstraint(["lti_context_id"], ["mf_lti_contexts.id"], ondelete="CASCADE",
                                name="fk_mf_lti_members_lti_context_id_mf_lti_contexts"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_lti_members_person_id_mf_people"),
        sa.UniqueConstraint("lti_context_id", "person_id", name="uq_mf_lti_members_lti_context_id_person_id"),
    )
    op.create_index("ix_mf_lti_members_person_id", "mf_lti_members", ["person_id"])
    op.create_table(
        "mf_lti_scores",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("lti_context_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("score_given", sa.Float, nullable=False),
        sa.Column("score_maximum", sa.Float, nullable=False),
        sa.Column("activity_progress", sa.String(16), nullable=False),
        sa.Column("grading_progress", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mf_lti_scores"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_lti_scores_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["lti_context_id"], ["mf_lti_contexts.id"], ondelete="CASCADE",
                                name="fk_mf_lti_scores_lti_context_id_mf_lti_contexts"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"], ondelete="CASCADE",
                                name="fk_mf_lti_scores_person_id_mf_people"),
        sa.UniqueConstraint("relationship_id", "lti_context_id", "person_id",
                            name="uq_mf_lti_scores_relationship_id_lti_context_id_person_id"),
    )
    op.create_index("ix_mf_lti_scores_status", "mf_lti_scores", ["status"])
    op.create_index("ix_mf_lti_scores_person_id", "mf_lti_scores", ["person_id"])


def downgrade() -> None:
    for table in ("mf_lti_scores", "mf_lti_members", "mf_lti_contexts", "mf_lti_states", "mf_lti_nonces",
                  "mf_lti_keys", "mf_lti_deployments", "mf_lti_platforms"):
        op.drop_table(table)
