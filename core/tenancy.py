"""Programme owners and shares: what :mod:`mentorflow.policy`'s tenancy decisions are made from.

A programme's owner is recorded when it is created (see
:meth:`mentorflow.engine.Engine.publish_workflow`). Administrators share a
programme with an Open edX course (``mentorflow programmes share``); a share
is never deleted, only revoked, so the table keeps who allowed what and when.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.db.models import Programme, ProgrammeShare
from mentorflow.errors import NotFound, UserError
from mentorflow.i18n import _
from mentorflow.policy import Owner, OwnerKind

if TYPE_CHECKING:
    from mentorflow.engine import Engine

log = logging.getLogger("mentorflow.tenancy")
P, S = Programme.__table__, ProgrammeShare.__table__
COURSE_LIMIT = 255


@dataclass(frozen=True)
class Share:
    """One administrator's permission for a course to run a programme."""

    programme: str
    course: str
    granted_by: str
    granted_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {"programme": self.programme, "course": self.course, "granted_by": self.granted_by,
                "granted_at": self.granted_at.isoformat(), "revoked_by": self.revoked_by,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


def owner_in(conn: Connection, programme_key: str) -> Owner | None:
    """The owner of the programme with this key; None when there is no such programme."""
    row = conn.execute(select(P.c.owner_kind, P.c.owner_ref).where(P.c.key == programme_key)).first()
    return None if row is None else Owner(OwnerKind(row.owner_kind), row.owner_ref)


def owner_of(engine: Engine, programme_key: str) -> Owner | None:
    with engine.read() as conn:
        return owner_in(conn, programme_key)


def standing(engine: Engine, programme_key: str) -> tuple[Owner | None, frozenset[str]]:
    """The programme's owner (None: no such programme) and the courses it is shared with now, in one read."""
    with engine.read() as conn:
        owner = owner_in(conn, programme_key)
        if owner is None:
            return None, frozenset()
        return owner, frozenset(conn.execute(select(S.c.course).join(P, P.c.id == S.c.programme_id).where(
            P.c.key == programme_key, S.c.revoked_at.is_(None))).scalars())


def claim(engine: Engine, programme_key: str, course: str) -> None:
    """Record ``course`` as the owner of an Open edX programme from before owners were kept (no course yet)."""
    with engine.write() as conn:
        conn.execute(update(P).where(P.c.key == programme_key, P.c.owner_kind == OwnerKind.OPENEDX.value,
                                     P.c.owner_ref.is_(None)).values(owner_ref=course[:COURSE_LIMIT]))


def _programme_id(conn: Connection, programme_key: str) -> int:
    pid: int | None = conn.execute(select(P.c.id).where(P.c.key == programme_key)).scalar()
    if pid is None:
        raise NotFound(_("Programme '{key}' does not exist.").format(key=programme_key))
    return pid


def _course(course: str) -> str:
    course = course.strip()
    if not course or len(course) > COURSE_LIMIT or any(c.isspace() for c in course):
        raise UserError(_("A course id is 1 to {n} characters without spaces, such as course-v1:Uni+Mentoring+2026."
                          ).format(n=COURSE_LIMIT))
    return course


def share(engine: Engine, programme_key: str, course: str, granted_by: str) -> bool:
    """Let Open edX ``course`` run the programme; False when it was shared with the course already."""
    course = _course(course)
    with engine.write() as conn:
        pid = _programme_id(conn, programme_key)
        if conn.execute(select(S.c.id).where(S.c.programme_id == pid, S.c.course == course,
                                             S.c.revoked_at.is_(None))).first() is not None:
            return False
        conn.execute(insert(S).values(programme_id=pid, course=course, granted_by=granted_by[:200],
                                      granted_at=engine.clock.now()))
    log.info(json.dumps({"event": "programme_shared", "programme": programme_key, "course": course,
                         "by": granted_by}))
    return True


def unshare(engine: Engine, programme_key: str, course: str, revoked_by: str) -> bool:
    """Revoke the course's share of the programme; False when there was none.

    The course's blocks stop running the programme at their next view;
    coordinator roles already given stay until an administrator removes them.
    """
    course = _course(course)
    with engine.write() as conn:
        pid = _programme_id(conn, programme_key)
        changed = conn.execute(update(S).where(S.c.programme_id == pid, S.c.course == course,
                                               S.c.revoked_at.is_(None)).values(
            revoked_by=revoked_by[:200], revoked_at=engine.clock.now())).rowcount
    if changed:
        log.info(json.dumps({"event": "programme_unshared", "programme": programme_key, "course": course,
                             "by": revoked_by}))
    return bool(changed)


def shares(engine: Engine, programme_key: str | None = None) -> list[Share]:
    """Every share (revoked ones too), oldest first; of one programme when ``programme_key`` is given."""
    query = select(S, P.c.key).join(P, P.c.id == S.c.programme_id).order_by(S.c.id)
    with engine.read() as conn:
        if programme_key is not None:
            query = query.where(S.c.programme_id == _programme_id(conn, programme_key))
        return [Share(r.key, r.course, r.granted_by, as_utc(r.granted_at), r.revoked_by,
                      as_utc(r.revoked_at) if r.revoked_at else None) for r in conn.execute(query)]
