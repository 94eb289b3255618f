"""The people of a programme as its coordinators see them (issue #17): each with their roles and relationships.

Framework-free (the console's people page and the REST API call it). A coordinator sees who holds a role in their
programme, and the relationships of the programme each person is or was a member of, with the stage: what
:mod:`mentorflow.policy` lets a coordinator see of a relationship (``programme`` items), never its content.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from mentorflow import policy
from mentorflow.actors import Actor, as_actor
from mentorflow.db.models import Person, ProgrammeRole, Relationship, RelationshipMember
from mentorflow.engine import Engine
from mentorflow.i18n import _

PEOPLE, T, R, M = (Person.__table__, ProgrammeRole.__table__, Relationship.__table__,
                   RelationshipMember.__table__)
PAGE = 200
"""People listed per page."""


def people(engine: Engine, key: str, actor: Actor | int, *, administrator: bool = False, offset: int = 0,
           limit: int = PAGE) -> tuple[list[dict[str, Any]], int]:
    """The programme's people (by name) with their roles and relationships there, and how many there are in all."""
    actor = as_actor(actor)
    with engine.read() as conn:
        programme_id = engine.programme_id(key, conn)
        if not administrator:
            policy.coordinator_for(conn, actor, programme_id,
                                   refusal=_("Only a coordinator of programme '{key}' may do this.").format(key=key))
        roles: dict[int, set[str]] = {}
        for person_id, role in conn.execute(select(T.c.person_id, T.c.role).where(T.c.programme_id == programme_id)):
            roles.setdefault(person_id, set()).add(role)
        ordered = conn.execute(select(PEOPLE.c.id, PEOPLE.c.display_name, PEOPLE.c.email).where(
            PEOPLE.c.id.in_(sorted(roles))).order_by(PEOPLE.c.display_name, PEOPLE.c.id)).all() if roles else []
        shown = ordered[offset:offset + limit]
        ids = [p.id for p in shown]
        memberships: dict[int, list[dict[str, Any]]] = {}
        if ids:
            rows = conn.execute(select(M.c.person_id, M.c.role, M.c.left_at, R.c.id, R.c.state,
                                       R.c.workflow_version_id).join(R, R.c.id == M.c.relationship_id).where(
                R.c.programme_id == programme_id, M.c.person_id.in_(ids)).order_by(R.c.id)).all()
            for row in rows:
                workflow = engine.workflow_by_version(row.workflow_version_id, conn)
                state = workflow.states.get(row.state)
                memberships.setdefault(row.person_id, []).append({
                    "id": row.id, "role": row.role, "state": row.state,
                    "stage": state.title() if state is not None else row.state, "left": row.left_at is not None})
    return [{"person_id": p.id, "display_name": p.display_name, "email": p.email,
             "roles": sorted(roles.get(p.id, ())), "relationships": memberships.get(p.id, [])}
            for p in shown], len(ordered)
