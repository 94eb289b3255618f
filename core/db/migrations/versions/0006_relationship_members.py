"""Relationship members: who is on a relationship moves from two columns to rows, one per person and role.

Every existing relationship gets its mentee, and its mentor if it has one, as members since the relationship
started (``joined_seq`` 1, the creation event); then ``mf_relationships.mentor_id`` and ``mentee_id`` go. Nothing
is lost: the pair's history stays in the audit log, and a plugin that kept earlier mentors (the closure plugin's
reassignments) backfills them in its own migration.

The downgrade puts the two columns back from the current members. It refuses, saying which relationship, when a
relationship cannot be a pair (several mentees or mentors, a circle's peers or facilitator): dropping them would
lose who is in the group.

Revision ID: mf0006_relationship_members
Revises: mf0005_programme_owners
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "mf0006_relationship_members"
down_revision = "mf0005_programme_owners"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
CURRENT = sa.text("left_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "mf_relationship_members",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("relationship_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.Column("joined_seq", sa.Integer, nullable=False),
        sa.Column("left_at", TS, nullable=True),
        sa.Column("left_seq", sa.Integer, nullable=True),
        sa.Column("left_reason", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mf_relationship_members"),
        sa.ForeignKeyConstraint(["relationship_id"], ["mf_relationships.id"], ondelete="CASCADE",
                                name="fk_mf_relationship_members_relationship_id_mf_relationships"),
        sa.ForeignKeyConstraint(["person_id"], ["mf_people.id"],
                                name="fk_mf_relationship_members_person_id_mf_people"),
    )
    op.create_index("ix_mf_relationship_members_relationship_id", "mf_relationship_members", ["relationship_id"])
    op.create_index("ix_mf_relationship_members_person", "mf_relationship_members", ["person_id", "left_at"])
    op.create_index("ix_mf_relationship_members_current", "mf_relationship_members", ["relationship_id", "person_id"],
                    unique=True, sqlite_where=CURRENT, postgresql_where=CURRENT)
    for role in ("mentee", "mentor"):
        op.execute(sa.text(
            "INSERT INTO mf_relationship_members (relationship_id, person_id, role, joined_at, joined_seq) "
            f"SELECT id, {role}_id, '{role}', started_at, 1 FROM mf_relationships WHERE {role}_id IS NOT NULL "
            "ORDER BY id"))
    op.drop_index("ix_mf_relationships_mentor_id", "mf_relationships")
    op.drop_index("ix_mf_relationships_mentee_id", "mf_relationships")
    with op.batch_alter_table("mf_relationships") as batch:
        batch.drop_constraint("fk_mf_relationships_mentor_id_mf_people", type_="foreignkey")
        batch.drop_constraint("fk_mf_relationships_mentee_id_mf_people", type_="foreignkey")
        batch.drop_column("mentor_id")
        batch.drop_column("mentee_id")


def downgrade() -> None:
    conn = op.get_bind()
    unpaired = conn.execute(sa.text(
        "SELECT relationship_id FROM mf_relationship_members WHERE left_at IS NULL "
        "GROUP BY relationship_id HAVING SUM(CASE WHEN role = 'mentee' THEN 1 ELSE 0 END) <> 1 "
        "OR SUM(CASE WHEN role = 'mentor' THEN 1 ELSE 0 END) > 1 "
        "OR SUM(CASE WHEN role NOT IN ('mentee', 'mentor') THEN 1 ELSE 0 END) > 0 "
        "ORDER BY relationship_id LIMIT 5")).scalars().all()
    if unpaired:
        raise RuntimeError(
            "cannot downgrade below mf0006_relationship_members: relationships "
            f"{', '.join(map(str, unpaired))} are not pairs (one mentee, at most one mentor); their members "
            "would be lost. Close and erase them, or stay on this revision.")
    with op.batch_alter_table("mf_relationships") as batch:
        batch.add_column(sa.Column("mentor_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("mentee_id", sa.Integer, nullable=True))
    for role in ("mentee", "mentor"):
        op.execute(sa.text(
            f"UPDATE mf_relationships SET {role}_id = (SELECT m.person_id FROM mf_relationship_members m "
            f"WHERE m.relationship_id = mf_relationships.id AND m.role = '{role}' AND m.left_at IS NULL)"))
    with op.batch_alter_table("mf_relationships") as batch:
        batch.alter_column("mentee_id", existing_type=sa.Integer, nullable=False)
        batch.create_foreign_key("fk_mf_relationships_mentor_id_mf_people", "mf_people", ["mentor_id"], ["id"])
        batch.create_foreign_key("fk_mf_relationships_mentee_id_mf_people", "mf_people", ["mentee_id"], ["id"])
    op.create_index("ix_mf_relationships_mentor_id", "mf_relationships", ["mentor_id"])
    op.create_index("ix_mf_relationships_mentee_id", "mf_relationships", ["mentee_id"])
    op.drop_index("ix_mf_relationship_members_current", "mf_relationship_members")
    op.drop_index("ix_mf_relationship_members_person", "mf_relationship_members")
    op.drop_index("ix_mf_relationship_members_relationship_id", "mf_relationship_members")
    op.drop_table("mf_relationship_members")
