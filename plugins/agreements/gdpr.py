"""The agreements plugin's part of data-subject requests and of the retention of closed relationships.

- Export: the agreement versions the person proposed (with their terms) and
  the signatures they gave (with their comments).
- Erasure: the terms of the versions they proposed and the comments of
  their signatures become ``[erased]``; the choices from the form's lists
  (meeting frequency and format, length, duration) stay, and so do the rows,
  so the other side's signatures keep the version they accepted.
- Purge (retention): the same for every version and signature of one
  closed relationship.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mentorflow.gdpr import erase_text, scrub_json

from .models import AgreementSignature, AgreementVersion

V = AgreementVersion.__table__
S = AgreementSignature.__table__
STRUCTURED_TERMS = frozenset({"meeting_frequency", "meeting_format", "meeting_length_minutes", "duration"})
"""Terms that are choices or periods, not words anybody wrote: kept for the programme's figures."""


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """The versions the person proposed and the signatures they gave."""
    proposed = [{"relationship_id": r.relationship_id, "version": r.version, "kind": r.kind, "terms": r.terms,
                 "proposed_role": r.proposed_role, "proposed_at": _iso(r.proposed_at)}
                for r in conn.execute(select(V).where(V.c.proposed_by == person_id).order_by(V.c.id))]
    signed = [{"relationship_id": r.relationship_id, "version": r.version, "role": r.role,
               "signed_at": _iso(r.signed_at), "comment": r.comment}
              for r in conn.execute(select(S.c.role, S.c.signed_at, S.c.comment, V.c.relationship_id, V.c.version)
                                    .join(V, V.c.id == S.c.version_id).where(S.c.signer_id == person_id)
                                    .order_by(S.c.id))]
    return {"proposed_versions": proposed, "signatures": signed} if proposed or signed else None


def _scrub_versions(conn: Connection, where: Any) -> None:
    scrub_json(conn, V, "terms", where, STRUCTURED_TERMS)


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Scrub the terms the person proposed and the comments they signed with."""
    _scrub_versions(conn, V.c.proposed_by == person_id)
    erase_text(conn, S, S.c.signer_id == person_id, "comment")


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub every version's terms and every signature comment of one relationship."""
    _scrub_versions(conn, V.c.relationship_id == relationship_id)
    versions = select(V.c.id).where(V.c.relationship_id == relationship_id)
    erase_text(conn, S, S.c.version_id.in_(versions), "comment")
