"""The rematch queue: mentees of closed relationships waiting for a new mentor (read by a matching plugin)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from mentorflow import EffectContext, GuardContext, effect
from mentorflow.clock import as_utc
from mentorflow.errors import TransitionError
from mentorflow.i18n import _
from mentorflow.plugins.closure.common import day
from mentorflow.plugins.closure.models import RematchRequest

Q = RematchRequest.__table__
WAITING, WITHDRAWN, MATCHED = "waiting", "withdrawn", "matched"
ENQUEUE = "closure.enqueue_rematch"


@dataclass(frozen=True, slots=True)
class RematchEntry:
    """A mentee waiting for a new match; never match them with ``excluded_mentor_id`` again."""

    id: int
    programme_id: int
    mentee_id: int
    relationship_id: int
    excluded_mentor_id: int | None
    requested_by: int | None
    requested_role: str
    requested_at: datetime
    status: str


def entries(conn: Connection, programme_id: int, statuses: tuple[str, ...] | None = (WAITING,)
            ) -> list[RematchEntry]:
    stmt = select(Q).where(Q.c.programme_id == programme_id)
    if statuses is not None:
        stmt = stmt.where(Q.c.status.in_(statuses))
    return [RematchEntry(r.id, r.programme_id, r.mentee_id, r.relationship_id, r.excluded_mentor_id, r.requested_by,
                         r.requested_role, as_utc(r.requested_at), r.status)
            for r in conn.execute(stmt.order_by(Q.c.requested_at, Q.c.id))]


def _enqueue(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Put the closed relationship's mentee in the rematch queue, excluding the previous mentor."""
    event, conn = ctx.event, ctx.connection
    snap = event.before
    assert event.audit_id is not None
    if not event.workflow.states[snap.state].is_terminal:
        raise TransitionError(_("Only the mentee of a closed relationship can be put in the rematch queue."))
    existing = conn.execute(select(Q.c.id, Q.c.status, Q.c.requested_at).where(Q.c.relationship_id == snap.id)).first()
    if existing is not None and existing.status != WITHDRAWN:
        raise TransitionError(_("The mentee is already in the rematch queue (since {date}).").format(
            date=day(as_utc(existing.requested_at))) if existing.status == WAITING else
            _("The mentee has already been rematched after this relationship."))
    values = {"programme_id": snap.programme_id, "mentee_id": snap.mentee_id, "relationship_id": snap.id,
              "excluded_mentor_id": snap.mentor_id, "requested_by": event.actor.person_id,
              "requested_role": event.role, "requested_at": event.at, "audit_id": event.audit_id,
              "status": WAITING}
    if existing is None:
        conn.execute(insert(Q).values(**values))
    else:
        # Reopened, closed again and queued again: one row per relationship, refreshed.
        conn.execute(update(Q).where(Q.c.id == existing.id).values(**values))


def _already_queued(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """The mentee is waiting for (or has had) a rematch after this relationship: nothing to request."""
    existing = ctx.connection.execute(select(Q.c.status, Q.c.requested_at).where(
        Q.c.relationship_id == ctx.relationship.id)).first()
    if existing is None or existing.status == WITHDRAWN:
        return None
    if existing.status == WAITING:
        return _("the mentee is already in the rematch queue (since {date})").format(
            date=day(as_utc(existing.requested_at)))
    return _("the mentee has already been rematched after this relationship")


enqueue_rematch = effect(ENQUEUE, precondition=_already_queued)(_enqueue)
