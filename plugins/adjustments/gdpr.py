"""The adjustments plugin's part of data-subject requests and of the retention of closed relationships.

- Export: the proposals the person made (items and rationale), the answers
  they gave (with their reasons) and the changes applied from their proposals.
- Erasure: the rationale, the words inside their items (goal texts, reasons,
  agreement wording) and their decline reasons become ``[erased]``; kinds,
  goal ids, periods, formats and statuses stay, so the settings a pair agreed
  on and the proposal counts do not change.
- Purge (retention): the same for every proposal of one closed relationship.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from mentorflow.gdpr import ERASED_TEXT, scrub

from .models import AppliedChange, Proposal, ProposalEvent

P = Proposal.__table__
E = ProposalEvent.__table__
C = AppliedChange.__table__
STRUCTURED = frozenset({"kind", "goal_id", "period", "format", "category"})
"""Item fields that are choices, ids or periods rather than words somebody wrote."""


def _plain(row: Any) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row._mapping.items()}


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """Proposals by the person, their answers to proposals, and what their proposals changed."""
    proposals = [_plain(r) for r in conn.execute(select(P).where(P.c.proposer_id == person_id).order_by(P.c.id))]
    answers = [_plain(r) for r in conn.execute(select(E).where(E.c.actor_id == person_id).order_by(E.c.id))]
    mine = select(P.c.id).where(P.c.proposer_id == person_id)
    changes = [_plain(r) for r in conn.execute(select(C).where(C.c.proposal_id.in_(mine)).order_by(C.c.id))]
    if not (proposals or answers or changes):
        return None
    return {"proposals": proposals, "answers": answers, "applied_changes": changes}


def _scrub_proposals(conn: Connection, proposal_ids: Any) -> None:
    for row in conn.execute(select(P.c.id, P.c["items"]).where(P.c.id.in_(proposal_ids))).all():
        conn.execute(update(P).where(P.c.id == row.id).values(items=scrub(row.items, STRUCTURED)))
    conn.execute(update(P).where(P.c.id.in_(proposal_ids), P.c.rationale.is_not(None)).values(rationale=ERASED_TEXT))
    for row in conn.execute(select(C.c.id, C.c.data).where(C.c.proposal_id.in_(proposal_ids))).all():
        conn.execute(update(C).where(C.c.id == row.id).values(data=scrub(row.data, STRUCTURED)))


def erase(person_id: int, conn: Connection) -> None:
    """Scrub the words of the person's proposals and decline reasons."""
    _scrub_proposals(conn, select(P.c.id).where(P.c.proposer_id == person_id))
    conn.execute(update(E).where(E.c.actor_id == person_id, E.c.reason.is_not(None)).values(reason=ERASED_TEXT))


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the words of every proposal and answer of one relationship."""
    proposals = select(P.c.id).where(P.c.relationship_id == relationship_id)
    _scrub_proposals(conn, proposals)
    conn.execute(update(E).where(E.c.proposal_id.in_(proposals), E.c.reason.is_not(None)).values(reason=ERASED_TEXT))
