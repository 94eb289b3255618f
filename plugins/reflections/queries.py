"""SQL over the audit log that feeds the schedule: when a run of the timer began, when each role last reflected.

Both facts come from ``mf_audit_events``, the engine's record of every
transition, so they hold whatever plugin wrote (or did not write) rows of
its own. Lookups for one relationship use the audit table's
``(relationship_id, seq)`` index; :func:`due_statement` answers for a whole
programme with two ``GROUP BY`` subqueries joined to the relationships in
the timer's states, so the database, not Python, picks the due ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.db.models import AuditEvent, Relationship, RelationshipMember
from mentorflow.workflow.model import Timer

from .schedule import DUTY_ROLES

A = AuditEvent.__table__
R = Relationship.__table__
M = RelationshipMember.__table__


def _entries_into(states: list[str]) -> Any:
    """Audit rows that moved a relationship into ``states`` from outside them (or started it there)."""
    return and_(A.c.to_state.in_(states), or_(A.c.from_state.is_(None), A.c.from_state.not_in(states)))


def active_since(conn: Connection, relationship_id: int, timer: Timer, before_seq: int | None = None
                 ) -> datetime | None:
    """When the relationship last entered the timer's states from outside them."""
    stmt = select(func.max(A.c.at)).where(A.c.relationship_id == relationship_id, _entries_into(sorted(timer.states)))
    if before_seq is not None:
        stmt = stmt.where(A.c.seq < before_seq)
    value = conn.execute(stmt).scalar()
    return as_utc(value) if value is not None else None


def last_done(conn: Connection, relationship_id: int, timer: Timer, before_seq: int | None = None
              ) -> dict[str, datetime | None]:
    """When each owing role last fired one of the timer's satisfying transitions."""
    stmt = (select(A.c.actor_role, func.max(A.c.at))
            .where(A.c.relationship_id == relationship_id, A.c.transition.in_(sorted(timer.satisfied_by)),
                   A.c.actor_role.in_(timer.who))
            .group_by(A.c.actor_role))
    if before_seq is not None:
        stmt = stmt.where(A.c.seq < before_seq)
    found = {role: as_utc(at) for role, at in conn.execute(stmt)}
    return {role: found.get(role) for role in timer.who}


def due_statement(version_id: int, timer: Timer, cutoff: datetime, programme_id: int | None = None) -> Select[Any]:
    """Relationships on workflow version ``version_id`` in which some owing role's period began by ``cutoff``.

    A role's period starts at the later of entering the timer's states and
    its last satisfying transition, so it is due exactly when both are at or
    before ``cutoff`` (``now - every``): plain comparisons of stored times.
    """
    states = sorted(timer.states)
    scope = [R.c.workflow_version_id == version_id, R.c.state.in_(states)]
    if programme_id is not None:
        scope.append(R.c.programme_id == programme_id)
    candidates = select(R.c.id).where(*scope)
    entered = (select(A.c.relationship_id.label("rid"), func.max(A.c.at).label("entered_at"))
               .where(A.c.relationship_id.in_(candidates), _entries_into(states))
               .group_by(A.c.relationship_id).subquery("entered"))
    roles = [r for r in DUTY_ROLES if r in timer.who]
    done = (select(A.c.relationship_id.label("rid"),
                   *[func.max(case((A.c.actor_role == role, A.c.at))).label(f"{role}_last") for role in roles])
            .where(A.c.relationship_id.in_(candidates), A.c.transition.in_(sorted(timer.satisfied_by)),
                   A.c.actor_role.in_(roles))
            .group_by(A.c.relationship_id).subquery("done"))
    active = func.coalesce(entered.c.entered_at, R.c.state_entered_at)
    owing = [and_(R.c.id.in_(select(M.c.relationship_id).where(M.c.role == role, M.c.left_at.is_(None))),
                  or_(done.c[f"{role}_last"].is_(None), done.c[f"{role}_last"] <= cutoff))
             for role in roles]
    return (select(R.c.id, R.c.programme_id, R.c.workflow_version_id, R.c.state,
                   R.c.version, R.c.started_at, R.c.state_entered_at, R.c.closed_at,
                   active.label("active_since"), *[done.c[f"{role}_last"] for role in roles])
            .select_from(R.outerjoin(entered, entered.c.rid == R.c.id).outerjoin(done, done.c.rid == R.c.id))
            .where(*scope, active <= cutoff, or_(*owing))
            .order_by(R.c.id))


def live_versions(conn: Connection, programme_id: int | None = None) -> list[int]:
    """Workflow versions that open relationships (of one programme) are pinned to."""
    stmt = select(R.c.workflow_version_id).where(R.c.closed_at.is_(None)).distinct()
    if programme_id is not None:
        stmt = stmt.where(R.c.programme_id == programme_id)
    return sorted(conn.execute(stmt).scalars())
