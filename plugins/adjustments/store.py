"""Reading and writing the adjustments tables on a connection (inside the caller's transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.plugins.adjustments.models import AppliedChange, Proposal, ProposalEvent, SettingOverride

P = Proposal.__table__
E = ProposalEvent.__table__
C = AppliedChange.__table__
O = SettingOverride.__table__  # noqa: E741 - the overrides table

PENDING, ACCEPTED, REJECTED, LAPSED, PROPOSED = "pending", "accepted", "rejected", "lapsed", "proposed"


@dataclass(frozen=True, slots=True)
class ProposalRow:
    id: int
    relationship_id: int
    proposer_id: int
    proposer_role: str
    items: tuple[dict[str, Any], ...]
    rationale: str | None
    status: str
    proposed_at: datetime
    audit_id: int


@dataclass(frozen=True, slots=True)
class EventRow:
    proposal_id: int
    status: str
    at: datetime
    actor_id: int | None
    actor_role: str
    audit_id: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class AppliedChangeRow:
    """One applied item of an accepted proposal (what the goals plugin consumes)."""

    id: int
    proposal_id: int
    relationship_id: int
    position: int
    """The item's index in the proposal."""
    kind: str
    """``revise_goal``, ``drop_goal``, ``add_goal``, ``change_cadence``, ``change_meeting_format`` or
    ``amend_agreement``."""
    goal_id: int | None
    data: dict[str, Any]
    """The item without ``kind`` and ``goal_id``: ``{"text"}``, ``{"reason"}``, ``{"title", "category"}``,
    ``{"period"}``, ``{"format"}`` or ``{"text"}``."""
    applied_at: datetime
    audit_id: int


def _proposal(row: Any) -> ProposalRow:
    return ProposalRow(row.id, row.relationship_id, row.proposer_id, row.proposer_role, tuple(row.items or ()),
                       row.rationale, row.status, as_utc(row.proposed_at), row.audit_id)


def _change(row: Any) -> AppliedChangeRow:
    return AppliedChangeRow(row.id, row.proposal_id, row.relationship_id, row.position, row.kind, row.goal_id,
                            dict(row.data or {}), as_utc(row.applied_at), row.audit_id)


def pending_proposal(conn: Connection, relationship_id: int) -> ProposalRow | None:
    row = conn.execute(select(P).where(P.c.pending_for == relationship_id)).first()
    return _proposal(row) if row is not None else None


def proposals(conn: Connection, relationship_id: int) -> list[ProposalRow]:
    rows = conn.execute(select(P).where(P.c.relationship_id == relationship_id).order_by(P.c.id))
    return [_proposal(r) for r in rows]


def events(conn: Connection, proposal_ids: list[int]) -> list[EventRow]:
    if not proposal_ids:
        return []
    rows = conn.execute(select(E).where(E.c.proposal_id.in_(proposal_ids)).order_by(E.c.id))
    return [EventRow(r.proposal_id, r.status, as_utc(r.at), r.actor_id, r.actor_role, r.audit_id, r.reason)
            for r in rows]


def insert_proposal(conn: Connection, *, relationship_id: int, proposer_id: int, proposer_role: str,
                    items: list[dict[str, Any]], rationale: str | None, at: datetime, audit_id: int) -> int:
    proposal_id = conn.execute(insert(P).values(
        relationship_id=relationship_id, proposer_id=proposer_id, proposer_role=proposer_role, items=items,
        rationale=rationale, status=PENDING, pending_for=relationship_id, proposed_at=at,
        audit_id=audit_id)).inserted_primary_key[0]
    add_event(conn, proposal_id, PROPOSED, at, proposer_id, proposer_role, audit_id)
    return proposal_id


def add_event(conn: Connection, proposal_id: int, status: str, at: datetime, actor_id: int | None, actor_role: str,
              audit_id: int, reason: str | None = None) -> None:
    conn.execute(insert(E).values(proposal_id=proposal_id, status=status, at=at, actor_id=actor_id,
                                  actor_role=actor_role, audit_id=audit_id, reason=reason))


def close_proposal(conn: Connection, proposal_id: int, status: str, at: datetime, actor_id: int | None,
                   actor_role: str, audit_id: int, reason: str | None = None) -> None:
    """Move a pending proposal to ``status`` and record it in the history."""
    conn.execute(update(P).where(P.c.id == proposal_id).values(status=status, pending_for=None))
    add_event(conn, proposal_id, status, at, actor_id, actor_role, audit_id, reason)


def insert_change(conn: Connection, *, proposal_id: int, relationship_id: int, position: int, kind: str,
                  goal_id: int | None, data: dict[str, Any], at: datetime, audit_id: int) -> AppliedChangeRow:
    change_id = conn.execute(insert(C).values(
        proposal_id=proposal_id, relationship_id=relationship_id, position=position, kind=kind, goal_id=goal_id,
        data=data, applied_at=at, audit_id=audit_id)).inserted_primary_key[0]
    return AppliedChangeRow(change_id, proposal_id, relationship_id, position, kind, goal_id, data, at, audit_id)


def changes(conn: Connection, relationship_id: int, kinds: frozenset[str] | None = None) -> list[AppliedChangeRow]:
    stmt = select(C).where(C.c.relationship_id == relationship_id)
    if kinds is not None:
        stmt = stmt.where(C.c.kind.in_(sorted(kinds)))
    return [_change(r) for r in conn.execute(stmt.order_by(C.c.id))]


def changes_of_audit(conn: Connection, audit_id: int) -> list[AppliedChangeRow]:
    """The changes an acceptance (by its audit event id) applied, in proposal order."""
    return [_change(r) for r in conn.execute(select(C).where(C.c.audit_id == audit_id).order_by(C.c.position))]


def overrides(conn: Connection, relationship_id: int) -> dict[str, str]:
    rows = conn.execute(select(O.c.key, O.c.value).where(O.c.relationship_id == relationship_id))
    return {r.key: r.value for r in rows}


def set_override(conn: Connection, *, relationship_id: int, key: str, value: str, proposal_id: int, at: datetime,
                 audit_id: int) -> None:
    values = {"value": value, "proposal_id": proposal_id, "applied_at": at, "audit_id": audit_id}
    done = conn.execute(update(O).where(O.c.relationship_id == relationship_id, O.c.key == key).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(O).values(relationship_id=relationship_id, key=key, **values))
