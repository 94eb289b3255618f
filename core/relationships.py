"""A relationship's row as stored: the one SELECT for it, and the snapshot built from it.

:mod:`mentorflow.policy` reads the row to decide who may see it, and
:mod:`mentorflow.transitions` reads and locks it to check a transition; both
import it from here, so neither imports the other for it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.db.database import WRITE_OPTION
from mentorflow.db.models import Relationship
from mentorflow.db.reads import remembered
from mentorflow.errors import NotFound
from mentorflow.i18n import _
from mentorflow.snapshots import RelationshipSnapshot

R = Relationship.__table__

SELECT_RELATIONSHIP = select(R.c.id, R.c.programme_id, R.c.workflow_version_id, R.c.mentor_id, R.c.mentee_id,
                             R.c.state, R.c.version, R.c.started_at, R.c.state_entered_at, R.c.closed_at).where(
    R.c.id == bindparam("rid"))
"""The columns of :class:`RelationshipSnapshot`, in its field order, for relationship ``:rid``."""


def snapshot_from_row(row: Any) -> RelationshipSnapshot:
    return RelationshipSnapshot(
        id=row.id, programme_id=row.programme_id, workflow_version_id=row.workflow_version_id,
        mentor_id=row.mentor_id, mentee_id=row.mentee_id, state=row.state, version=row.version,
        started_at=as_utc(row.started_at), state_entered_at=as_utc(row.state_entered_at),
        closed_at=as_utc(row.closed_at) if row.closed_at else None,
    )


def snapshot_from_values(values: tuple[Any, ...]) -> RelationshipSnapshot:
    """A snapshot from the columns of :data:`SELECT_RELATIONSHIP` in order (the field order of RelationshipSnapshot)."""
    rid, programme, version_id, mentor, mentee, state, version, started, entered, closed = values
    return RelationshipSnapshot(rid, programme, version_id, mentor, mentee, state, version, as_utc(started),
                                as_utc(entered), as_utc(closed) if closed else None)


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
    return snapshot_from_row(row)
