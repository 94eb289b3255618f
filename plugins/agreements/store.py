"""Reads of agreement versions and signatures shared by the effects, the guards and the query API.

"Current" always means the highest version number of a relationship; a
role counts as having signed it when every person who holds that role on
the relationship now has a signature on that version (a group's mentees
each sign; a role nobody holds yet has not signed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from mentorflow.snapshots import RelationshipSnapshot

from .models import AgreementSignature, AgreementVersion

V = AgreementVersion.__table__
S = AgreementSignature.__table__

PROPOSE = "agreements.propose"
AMEND = "agreements.amend"
SIGN = "agreements.sign"
SIGNED_GUARD = "agreements.signed"
AWAITING_GUARD = "agreements.awaiting_signature"
SIGNING_ROLES = ("mentor", "mentee", "facilitator", "peer")
"""Every member role signs: a pair's mentor and mentee, each member of a group or a circle."""

_CURRENT = select(V).where(V.c.relationship_id == bindparam("rid")).order_by(V.c.version.desc()).limit(1)
_SIGNERS = select(S.c.signer_id).where(S.c.version_id == bindparam("vid"))


def current_version(conn: Connection, relationship_id: int) -> Any | None:
    """The newest version row of a relationship's agreement, or None when none was proposed."""
    return conn.execute(_CURRENT, {"rid": relationship_id}).first()


def signer_ids(conn: Connection, version_id: int) -> set[int]:
    """The people who signed one version."""
    return set(conn.execute(_SIGNERS, {"vid": version_id}).scalars())


def missing_roles(snap: RelationshipSnapshot, signers: set[int], roles: Iterable[str] | None = None,
                  format_roles: Iterable[str] = ("mentor", "mentee")) -> list[str]:
    """The roles some current holder of which has not signed (a role nobody holds yet is missing too).

    ``roles`` defaults to ``format_roles``: the member roles of the programme's format.
    """
    wanted = tuple(roles) if roles is not None else tuple(format_roles)
    return [role for role in wanted if not snap.people(role) or any(p not in signers for p in snap.people(role))]


def missing_signers(snap: RelationshipSnapshot, signers: set[int], roles: Iterable[str]) -> list[int]:
    """The current members in ``roles`` who have not signed, in the order they joined."""
    wanted = set(roles)
    return [m.person_id for m in snap.members if m.role in wanted and m.person_id not in signers]
