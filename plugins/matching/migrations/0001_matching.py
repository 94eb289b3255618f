"""Matching: profiles, runs, proposals, exclusions, requests, preferences.

Revision ID: matching0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "matching0001"
down_revision = None
branch_labels = ("matching",)
depends_on = "mf0001_core"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    t = "mf_matching_profiles"
    op.create_table(
        t,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
        _fk(t, "programme_id", "mf_programmes", "CASCADE"),
        _fk(t, "person_id", "mf_people", "CASCADE"),
        _fk(t, "updated_by", "mf_people"),
        sa.UniqueConstraint("programme_id", "person_id", "role", name=f"uq_{t}_programme_id_person_id_role"),
    )
    op.create_index(f"ix_{t}_person_id", t, ["person_id"])

    t = "mf_matching_runs"
    op.create_table(
        t,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("parent_run_id", sa.Integer, nullable=True),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("total_score", sa.Double, nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("stats", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
        _fk(t, "programme_id", "mf_programmes", "CASCADE"),
        _fk(t, "parent_run_id", "mf_matching_runs"),
        _fk(t, "created_by", "mf_people"),
    )
    op.create_index(f"ix_{t}_programme_id", t, ["programme_id"])

    t = "mf_matching_proposals"
    op.create_table(
        t,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("mentor_id", sa.Integer, nullable=True),
        sa.Column("proposed_mentor_id", sa.Integer, nullable=True),
        sa.Column("score", sa.Double, nullable=True),
        sa.Column("breakdown", JSON, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=True),
        sa.Column("decided_by", sa.Integer, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
        _fk(t, "run_id", "mf_matching_runs", "CASCADE"),
        _fk(t, "mentee_id", "mf_people"),
        _fk(t, "mentor_id", "mf_people"),
        _fk(t, "proposed_mentor_id", "mf_people"),
        _fk(t, "relationship_id", "mf_relationships", "SET NULL"),
        _fk(t, "decided_by", "mf_people"),
        sa.UniqueConstraint("run_id", "mentee_id", name=f"uq_{t}_run_id_mentee_id"),
    )
    op.create_index(f"ix_{t}_mentee_id", t, ["mentee_id"])

    t = "mf_matching_exclusions"
    op.create_table(
        t,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("mentor_id", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
        _fk(t, "programme_id", "mf_programmes", "CASCADE"),
        _fk(t, "mentee_id", "mf_people", "CASCADE"),
        _fk(t, "mentor_id", "mf_people", "CASCADE"),
        _fk(t, "created_by", "mf_people"),
        sa.UniqueConstraint("programme_id", "mentee_id", "mentor_id",
                            name=f"uq_{t}_programme_id_mentee_id_mentor_id"),
    )

    t = "mf_matching_requests"
    op.create_table(
        t,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("mentor_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("breakdown", JSON, nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("relationship_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
        _fk(t, "programme_id", "mf_programmes", "CASCADE"),
        _fk(t, "mentee_id", "mf_people"),
        _fk(t, "mentor_id", "mf_people"),
        _fk(t, "relationship_id", "mf_relationships", "SET NULL"),
    )
    op.create_index(f"ix_{t}_mentee_id", t, ["mentee_id"])
    op.create_index(f"ix_{t}_mentor_id", t, ["mentor_id"])
    op.create_index(f"ix_{t}_programme_status", t, ["programme_id", "status"])

    t = "mf_matching_preferences"
    op.create_table(
        t,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("mentor_id", sa.Integer, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{t}"),
        _fk(t, "programme_id", "mf_programmes", "CASCADE"),
        _fk(t, "mentee_id", "mf_people", "CASCADE"),
        _fk(t, "mentor_id", "mf_people", "CASCADE"),
        sa.UniqueConstraint("programme_id", "mentee_id", "mentor_id",
                            name=f"uq_{t}_programme_id_mentee_id_mentor_id"),
    )


def downgrade() -> None:
    for table in ("mf_matching_preferences", "mf_matching_requests", "mf_matching_exclusions",
                  "mf_matching_proposals", "mf_matching_runs", "mf_matching_profiles"):
        op.drop_table(table)
