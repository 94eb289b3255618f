"""The matching plugin's part of data-subject requests and of the retention of closed relationships.

- Export: the person's profiles, the requests they sent and received, their
  picks, and the proposals (pairs and groups) and exclusions that concern them.
- Erasure: the person's profiles and their own picks are deleted, and the
  free text written by or about them (request messages, decline reasons,
  coordinators' notes and exclusion reasons) becomes ``[erased]``. Requests,
  proposals (group proposals hold no free text) and exclusions stay as rows: other people's records, run totals
  and the rule that a pair is not proposed again depend on them.
- Purge (retention): a relationship that started from a matching proposal or
  a mentee's request keeps that row; once its content is due for removal,
  the words in it (the coordinator's note, the request message and the
  decline reason) become ``[erased]``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from mentorflow.gdpr import erase_text, export_rows

from .models import Exclusion, GroupProposal, Preference, Profile, Proposal, Request


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """Profiles, requests sent and received, picks, proposals and exclusions concerning the person."""
    P, Q, X = Profile.__table__, Request.__table__, Exclusion.__table__
    F, S = Preference.__table__, Proposal.__table__
    answered = (Q.c.status, Q.c.score, Q.c.message, Q.c.created_at, Q.c.expires_at, Q.c.answered_at, Q.c.reason)
    found = {
        "profiles": export_rows(conn, select(P.c.programme_id, P.c.role, P.c.data, P.c.updated_at)
                                .where(P.c.person_id == person_id)),
        "requests_sent": export_rows(conn, select(Q.c.programme_id, Q.c.mentor_id, *answered)
                                     .where(Q.c.mentee_id == person_id)),
        "requests_received": export_rows(conn, select(Q.c.programme_id, Q.c.mentee_id, *answered)
                                         .where(Q.c.mentor_id == person_id)),
        "picks": export_rows(conn, select(F.c.programme_id, F.c.mentor_id, F.c.rank, F.c.created_at)
                             .where(F.c.mentee_id == person_id)),
        "proposals": export_rows(conn, select(S.c.run_id, S.c.mentee_id, S.c.mentor_id, S.c.score, S.c.breakdown,
                                              S.c.status, S.c.decided_at, S.c.note)
                                 .where(or_(S.c.mentee_id == person_id, S.c.mentor_id == person_id))),
        "exclusions": export_rows(conn, select(X.c.programme_id, X.c.mentee_id, X.c.mentor_id, X.c.created_at,
                                               X.c.reason)
                                  .where(or_(X.c.mentee_id == person_id, X.c.mentor_id == person_id))),
        "group_proposals": _group_proposals(conn, person_id),
    }
    return found if any(found.values()) else None


def _group_proposals(conn: Connection, person_id: int) -> list[dict[str, Any]]:
    """The group proposals the person is a member of, with their own part of each (the others by role only).

    Members are a JSON list, which neither database indexes the same way; a data-subject export is rare,
    so the proposals are read in id order and filtered here.
    """
    G = GroupProposal.__table__
    found = []
    for row in conn.execute(select(G.c.run_id, G.c.score, G.c.members, G.c.status, G.c.decided_at)
                            .order_by(G.c.id)):
        mine = [m for m in row.members or () if m.get("person_id") == person_id]
        if mine:
            found.append({"run_id": row.run_id, "group_score": row.score, "status": row.status,
                          "decided_at": row.decided_at.isoformat() if row.decided_at else None,
                          "role": mine[0].get("role"), "score": mine[0].get("score"),
                          "breakdown": mine[0].get("breakdown"),
                          "others": sorted(str(m.get("role")) for m in row.members if m.get("person_id") != person_id)})
    return found


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Delete the person's profiles and picks; scrub free text by or about them."""
    P, Q, X = Profile.__table__, Request.__table__, Exclusion.__table__
    F, S = Preference.__table__, Proposal.__table__
    conn.execute(P.delete().where(P.c.person_id == person_id))
    conn.execute(F.delete().where(F.c.mentee_id == person_id))
    erase_text(conn, Q, Q.c.mentee_id == person_id, "message")
    erase_text(conn, Q, Q.c.mentor_id == person_id, "reason")
    erase_text(conn, S, or_(S.c.mentee_id == person_id, S.c.mentor_id == person_id), "note")
    erase_text(conn, X, or_(X.c.mentee_id == person_id, X.c.mentor_id == person_id), "reason")


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the free text of the proposal and request that started one relationship."""
    S, Q = Proposal.__table__, Request.__table__
    erase_text(conn, S, S.c.relationship_id == relationship_id, "note")
    erase_text(conn, Q, Q.c.relationship_id == relationship_id, "message", "reason")
