"""The matching plugin's part of a data-subject export and erasure (see :mod:`mentorflow.gdpr`).

Erasure deletes the person's profiles and their own picks, and replaces the
free text written by or about them (request messages, decline reasons,
coordinators' notes and exclusion reasons) with ``[erased]``. Requests,
proposals and exclusions stay as rows: other people's records, run totals
and the rule that a pair is not proposed again depend on them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from .models import Exclusion, Preference, Profile, Proposal, Request

ERASED = "[erased]"  # the same marker mentorflow.gdpr uses for the core's tables


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [{k: _iso(v) for k, v in row.items()} for row in conn.execute(query).mappings()]


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """Profiles, requests sent and received, picks, proposals and exclusions concerning the person."""
    P, Q, X = Profile.__table__, Request.__table__, Exclusion.__table__
    F, S = Preference.__table__, Proposal.__table__
    found = {
        "profiles": _rows(conn, select(P.c.programme_id, P.c.role, P.c.data, P.c.updated_at).where(
            P.c.person_id == person_id)),
        "requests_sent": _rows(conn, select(Q.c.programme_id, Q.c.mentor_id, Q.c.status, Q.c.score, Q.c.message,
                                            Q.c.created_at, Q.c.expires_at, Q.c.answered_at, Q.c.reason)
                               .where(Q.c.mentee_id == person_id)),
        "requests_received": _rows(conn, select(Q.c.programme_id, Q.c.mentee_id, Q.c.status, Q.c.score, Q.c.message,
                                                Q.c.created_at, Q.c.expires_at, Q.c.answered_at, Q.c.reason)
                                   .where(Q.c.mentor_id == person_id)),
        "picks": _rows(conn, select(F.c.programme_id, F.c.mentor_id, F.c.rank, F.c.created_at).where(
            F.c.mentee_id == person_id)),
        "proposals": _rows(conn, select(S.c.run_id, S.c.mentee_id, S.c.mentor_id, S.c.score, S.c.breakdown,
                                        S.c.status, S.c.decided_at, S.c.note).where(
            or_(S.c.mentee_id == person_id, S.c.mentor_id == person_id))),
        "exclusions": _rows(conn, select(X.c.programme_id, X.c.mentee_id, X.c.mentor_id, X.c.created_at,
                                         X.c.reason).where(or_(X.c.mentee_id == person_id,
                                                               X.c.mentor_id == person_id))),
    }
    return found if any(found.values()) else None


def erase(person_id: int, conn: Connection) -> None:
    """Delete the person's profiles and picks; scrub free text by or about them."""
    P, Q, X = Profile.__table__, Request.__table__, Exclusion.__table__
    F, S = Preference.__table__, Proposal.__table__
    conn.execute(P.delete().where(P.c.person_id == person_id))
    conn.execute(F.delete().where(F.c.mentee_id == person_id))
    conn.execute(update(Q).where(Q.c.mentee_id == person_id, Q.c.message.is_not(None)).values(message=ERASED))
    conn.execute(update(Q).where(Q.c.mentor_id == person_id, Q.c.reason.is_not(None)).values(reason=ERASED))
    conn.execute(update(S).where(or_(S.c.mentee_id == person_id, S.c.mentor_id == person_id),
                                 S.c.note.is_not(None)).values(note=ERASED))
    conn.execute(update(X).where(or_(X.c.mentee_id == person_id, X.c.mentor_id == person_id),
                                 X.c.reason.is_not(None)).values(reason=ERASED))
