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

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mentorflow.gdpr import erase_text, export_rows, scrub_json

from .models import AppliedChange, Proposal, ProposalEvent

P = Proposal.__table__
E = ProposalEvent.__table__
C = AppliedChange.__table__
STRUCTURED = frozenset({"kind", "goal_id", "period", "format", "category"})
"""Item fields that are choices, ids or periods rather than words somebody wrote."""


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """Proposals by the person, their answers to proposals, and what their proposals changed."""
    proposals = export_rows(conn, select(P).where(P.c.proposer_id == person_id).order_by(P.c.id))
    answers = export_rows(conn, select(E).where(E.c.actor_id == person_id).order_by(E.c.id))
    mine = select(P.c.id).where(P.c.proposer_id == person_id)
    changes = export_rows(conn, select(C).where(C.c.proposal_id.in_(mine)).order_by(C.c.id))
    if not (proposals or answers or changes):
        return None
    return {"proposals": proposals, "answers": answers, "applied_changes": changes}


def _scrub_proposals(conn: Connection, proposal_ids: Any) -> None:
    scrub_json(conn, P, "items", P.c.id.in_(proposal_ids), STRUCTURED)
    erase_text(conn, P, P.c.id.in_(proposal_ids), "rationale")
    scrub_json(conn, C, "data", C.c.proposal_id.in_(proposal_ids), STRUCTURED)


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Scrub the words of the person's proposals and decline reasons."""
    _scrub_proposals(conn, select(P.c.id).where(P.c.proposer_id == person_id))
    erase_text(conn, E, E.c.actor_id == person_id, "reason")


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the words of every proposal and answer of one relationship."""
    proposals = select(P.c.id).where(P.c.relationship_id == relationship_id)
    _scrub_proposals(conn, proposals)
    erase_text(conn, E, E.c.proposal_id.in_(proposals), "reason")
