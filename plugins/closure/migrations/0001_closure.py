"""Closure: extensions, closure forms, early endings, closure conversations, reassignments, rematch queue.

Revision ID: closure0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "closure0001"
down_revision = None
branch_labels = ("closure",)
depends_on = "mf0001_core"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, referred: str, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{referred}.id"], ondelete="CASCADE" if cascade else None,
                                   name=f"fk_{table}_{column}_{referred}")


def _table(name: str, *columns: sa.Column, people: tuple[str, ...] = (), audits: tuple[str, ...] = ("audit_id",),
           extra: tuple[sa.schema.SchemaItem, ...] = ()) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        _fk(name, "relationship_id", "mf_relationships", cascade=True),
        *(_fk(name, c, "mf_people") for c in people),
        *(_fk(name, c, "mf_audit_events", cascade=True) for c in audits),
        *extra,
    )


def upgrade() -> None:
    _table(
        "mf_closure_extensions",
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("requested_by", sa.Integer, nullable=False),
        sa.Column("requested_role", sa.String(16), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("request_audit_id", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("period", sa.String(32), nullable=True),
        sa.Column("end_date", sa.Date, nullable=True),
        sa.Column("previous_end", TS, nullable=True),
        sa.Column("new_end", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pending_for", sa.Integer, nullable=True),
        sa.Column("decided_by", sa.Integer, nullable=True),
        sa.Column("decided_role", sa.String(16), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decision_audit_id", sa.Integer, nullable=True),
        sa.Column("decision_note", sa.Text, nullable=True),
        people=("requested_by", "decided_by"), audits=("request_audit_id", "decision_audit_id"),
        extra=(sa.UniqueConstraint("pending_for", name="uq_mf_closure_extensions_pending_for"),),
    )
    _table(
        "mf_closure_forms",
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("goals", JSON, nullable=False),
        sa.Column("learned", sa.Text, nullable=True),
        sa.Column("satisfaction", sa.Integer, nullable=False),
        sa.Column("private", sa.Boolean, nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        people=("author_id",),
    )
    _table(
        "mf_closure_early_endings",
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("reason_id", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        people=("actor_id",),
    )
    _table(
        "mf_closure_conversations",
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("author_id", sa.Integer, nullable=True),
        sa.Column("author_role", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        people=("author_id",),
    )
    _table(
        "mf_closure_reassignments",
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("old_mentor_id", sa.Integer, nullable=True),
        sa.Column("new_mentor_id", sa.Integer, nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        people=("old_mentor_id", "new_mentor_id", "actor_id"),
    )
    _table(
        "mf_closure_rematch_queue",
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("excluded_mentor_id", sa.Integer, nullable=True),
        sa.Column("requested_by", sa.Integer, nullable=True),
        sa.Column("requested_role", sa.String(16), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        people=("mentee_id", "excluded_mentor_id", "requested_by"),
        extra=(_fk("mf_closure_rematch_queue", "programme_id", "mf_programmes", cascade=True),
               sa.UniqueConstraint("relationship_id", name="uq_mf_closure_rematch_queue_relationship_id")),
    )
    for table in ("mf_closure_extensions", "mf_closure_forms", "mf_closure_early_endings",
                  "mf_closure_conversations", "mf_closure_reassignments"):
        op.create_index(f"ix_{table}_relationship_id", table, ["relationship_id"])
    op.create_index("ix_mf_closure_rematch_queue_programme_id", "mf_closure_rematch_queue", ["programme_id"])
    op.create_index("ix_mf_closure_rematch_queue_mentee_id", "mf_closure_rematch_queue", ["mentee_id"])


def downgrade() -> None:
    for table in ("mf_closure_rematch_queue", "mf_closure_reassignments", "mf_closure_conversations",
                  "mf_closure_early_endings", "mf_closure_forms", "mf_closure_extensions"):
        op.drop_table(table)
