"""A relationship's row as stored: the one SELECT for it, and the snapshot built from it.

:mod:`mentorflow.policy` reads the row to decide who may see it, and
:mod:`mentorflow.transitions` reads and locks it to check a transition; both
import it from here, so neither imports the other for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.db.database import WRITE_OPTION
from mentorflow.db.models import Relationship, RelationshipMember
from mentorflow.db.reads import remembered
from mentorflow.errors import NotFound
from mentorflow.i18n import _
from mentorflow.snapshots import Member, RelationshipSnapshot

R = Relationship.__table__
M = RelationshipMember.__table__

SELECT_RELATIONSHIP = select(R.c.id, R.c.programme_id, R.c.workflow_version_id, R.c.state, R.c.version,
                             R.c.started_at, R.c.state_entered_at, R.c.closed_at).where(R.c.id == bindparam("rid"))
"""The columns of :class:`RelationshipSnapshot`, in its field order, for relationship ``:rid`` (members apart)."""

SELECT_MEMBERS = select(M.c.person_id, M.c.role, M.c.joined_at).where(
    M.c.relationship_id == bindparam("rid"), M.c.left_at.is_(None)).order_by(M.c.joined_seq, M.c.id)
"""The current members of relationship ``:rid`` (the fields of :class:`Member`), in the order they joined."""


def members_from_rows(rows: Iterable[Any]) -> tuple[Member, ...]:
    return tuple(Member(person, role, as_utc(joined)) for person, role, joined in rows)


def snapshot_from_row(row: Any, members: tuple[Member, ...]) -> RelationshipSnapshot:
    return RelationshipSnapshot(
        id=row.id, programme_id=row.programme_id, workflow_version_id=row.workflow_version_id,
        state=row.state, version=row.version, started_at=as_utc(row.started_at),
        state_entered_at=as_utc(row.state_entered_at), closed_at=as_utc(row.closed_at) if row.closed_at else None,
        members=members,
    )


def snapshot_from_values(values: tuple[Any, ...], members: tuple[Member, ...]) -> RelationshipSnapshot:
    """A snapshot from the columns of :data:`SELECT_RELATIONSHIP` in order (the field order of RelationshipSnapshot)."""
    rid, programme, version_id, state, version, started, entered, closed = values
    return RelationshipSnapshot(rid, programme, version_id, state, version, as_utc(started), as_utc(entered),
                                as_utc(closed) if closed else None, members)


def read_members(conn: Connection, relationship_id: int) -> tuple[Member, ...]:
    """The current members of one relationship, in the order they joined."""
    return members_from_rows(conn.execute(SELECT_MEMBERS, {"rid": relationship_id}))


def members_of(conn: Connection, relationship_ids: Iterable[int]) -> dict[int, tuple[Member, ...]]:
    """The current members of many relationships in one query (a page of them), by relationship id."""
    ids = sorted(set(relationship_ids))
    found: dict[int, list[Any]] = {rid: [] for rid in ids}
    for start in range(0, len(ids), 500):  # bounded IN lists
        chunk = ids[start:start + 500]
        for rid, person, role, joined in conn.execute(
                select(M.c.relationship_id, M.c.person_id, M.c.role, M.c.joined_at).where(
                    M.c.relationship_id.in_(chunk), M.c.left_at.is_(None)).order_by(M.c.joined_seq, M.c.id)):
            found[rid].append((person, role, joined))
    return {rid: members_from_rows(rows) for rid, rows in found.items()}


def snapshots(conn: Connection, rows: Iterable[Any]) -> list[RelationshipSnapshot]:
    """Snapshots of relationship rows (any select of the table), their members read in one more query."""
    rows = list(rows)
    members = members_of(conn, (r.id for r in rows))
    return [snapshot_from_row(r, members[r.id]) for r in rows]


def membership_of(person_id: int, *, roles: Iterable[str] | None = None) -> Any:
    """The ids of relationships ``person_id`` is a current member of (in ``roles``), as a subquery for ``IN``."""
    query = select(M.c.relationship_id).where(M.c.person_id == person_id, M.c.left_at.is_(None))
    if roles is not None:
        query = query.where(M.c.role.in_(sorted(roles)))
    return query


def member_in(role: str) -> Any:
    """The first current member in ``role`` of the outer query's relationship row, as a column.

    For code that reads relationships as pairs (a pair's, a group's single mentor; a pair's mentee):
    ``select(R.c.id, member_in("mentor").label("mentor_id"))``. A group's several mentees need
    :func:`members_of` instead.
    """
    inner = M.alias(f"{role}_member")  # never correlated with a members table the outer query joins
    return (select(inner.c.person_id).where(inner.c.relationship_id == R.c.id, inner.c.role == role,
                                            inner.c.left_at.is_(None))
            .order_by(inner.c.joined_seq, inner.c.id).limit(1).correlate(R).scalar_subquery())


def current_members(person_ids: Any) -> Any:
    """The ids of relationships any of ``person_ids`` (ids or a subquery) is a current member of (for ``IN``)."""
    return select(M.c.relationship_id).where(M.c.person_id.in_(person_ids), M.c.left_at.is_(None))


def ever_member(person_ids: Any) -> Any:
    """The ids of relationships any of ``person_ids`` (ids or a subquery) is or was a member of (for ``IN``)."""
    return select(M.c.relationship_id).where(M.c.person_id.in_(person_ids))


def missing(relationship_id: int) -> NotFound:
    """The error for a relationship that does not exist (and, from :mod:`mentorflow.policy`, for a stranger)."""
    return NotFound(_("Relationship {id} does not exist.").format(id=relationship_id))


def read_relationship(conn: Connection, relationship_id: int, *, lock: bool = False) -> RelationshipSnapshot:
    """The relationship as stored (locked for update when ``lock``); NotFound when there is none.

    Read connections inside a request's read scope remember it until the next write (a page asks three
    times); a write transaction always reads the row itself.
    """
    if lock or conn.get_execution_options().get(WRITE_OPTION):
        return _read_relationship(conn, relationship_id, lock)
    return remembered(conn, ("relationship", relationship_id), lambda: _read_relationship(conn, relationship_id, False))


def _read_relationship(conn: Connection, relationship_id: int, lock: bool) -> RelationshipSnapshot:
    stmt = SELECT_RELATIONSHIP.with_for_update() if lock and conn.dialect.name != "sqlite" else SELECT_RELATIONSHIP
    row = conn.execute(stmt, {"rid": relationship_id}).first()
    if row is None:
        raise missing(relationship_id)
    return snapshot_from_row(row, read_members(conn, relationship_id))
