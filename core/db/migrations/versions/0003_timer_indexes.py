"""Indexes for the timer scans: duties by relationship/transition/role/time, relationships by version and state.

Revision ID: mf0003_timer_indexes
Revises: mf0002_api_tokens
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "mf0003_timer_indexes"
down_revision = "mf0002_api_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mf_audit_events_duty", "mf_audit_events", ["relationship_id", "transition", "actor_role", "at"])
    op.create_index("ix_mf_relationships_version_state", "mf_relationships",
                    ["workflow_version_id", "state", "state_entered_at"])


def downgrade() -> None:
    op.drop_index("ix_mf_relationships_version_state", "mf_relationships")
    op.drop_index("ix_mf_audit_events_duty", "mf_audit_events")
