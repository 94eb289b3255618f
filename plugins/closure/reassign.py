"""A coordinator gives a relationship a new mentor; the old one loses access at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from mentorflow import EffectContext, Problem, RelationshipSnapshot, effect, members
from mentorflow.db.models import Person, ProgrammeRole
from mentorflow.i18n import _
from mentorflow.plugins.closure.common import form_invalid, text_or_none
from mentorflow.plugins.closure.models import Reassignment

PEOPLE = Person.__table__
ROLES = ProgrammeRole.__table__
RA = Reassignment.__table__
REASSIGN = "closure.reassign_mentor"


def _mentor_problem(conn: Connection, snap: RelationshipSnapshot, new: Any) -> str | None:
    if not isinstance(new, int) or isinstance(new, bool):
        return _("must be the id of a person")
    if conn.execute(select(PEOPLE.c.id).where(PEOPLE.c.id == new)).first() is None:
        return _("person {id} does not exist").format(id=new)
    if new in snap.people("mentor"):
        return _("person {id} is already the mentor").format(id=new)
    if new in snap.member_ids:
        return _("the mentee cannot be their own mentor")
    programme_id = snap.programme_id
    if conn.execute(select(ROLES.c.id).where(ROLES.c.programme_id == programme_id, ROLES.c.person_id == new,
                                             ROLES.c.role == "mentor")).first() is None:
        return _("person {id} is not a mentor in this programme").format(id=new)
    return None


def _reassign(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Make ``mentor_id`` the relationship's mentor in place of the current one (kept as a past member)."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None and event.audit_id is not None
    new = event.data.get("mentor_id")
    problem = _mentor_problem(conn, snap, new)
    if problem is not None:
        raise form_invalid(event, [Problem("/mentor_id", problem)])
    assert isinstance(new, int)  # _mentor_problem refused anything else
    old = snap.mentor_id
    seq = snap.version  # the audit event of this transition
    after = members.leave(conn, snap, old, event.at, seq, "reassigned") if old is not None else snap
    # Later hooks and the caller's returned snapshot must see the new mentor, or the old one could act on it.
    event.after = members.join(conn, after, event.workflow.format, new, "mentor", event.at, seq)
    conn.execute(insert(RA).values(relationship_id=snap.id, old_mentor_id=old, new_mentor_id=new,
                                   actor_id=event.actor.person_id, actor_role=event.role, at=event.at,
                                   audit_id=event.audit_id, reason=text_or_none(event.data.get("reason"))))


def reassignment_count(conn: Connection, relationship_id: int) -> int:
    return len(conn.execute(select(RA.c.id).where(RA.c.relationship_id == relationship_id)).all())


reassign_mentor = effect(REASSIGN)(_reassign)
