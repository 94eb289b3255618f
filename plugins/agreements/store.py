"""Reads of agreement versions and signatures shared by the effects, the guards and the query API.

"Current" always means the highest version number of a relationship; a
role counts as having signed it when the person who holds that role on
the relationship now has a signature on that version.
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
SIGNING_ROLES = ("mentor", "mentee")

_CURRENT = select(V).where(V.c.relationship_id == bindparam("rid")).order_by(V.c.version.desc()).limit(1)
_SIGNERS = select(S.c.signer_id).where(S.c.version_id == bindparam("vid"))


def current_version(conn: Connection, relationship_id: int) -> Any | None:
    """The newest version row of a relationship's agreement, or None when none was proposed."""
    return conn.execute(_CURRENT, {"rid": relationship_id}).first()


def signer_ids(conn: Connection, version_id: int) -> set[int]:
    """The people who signed one version."""
    return set(conn.execute(_SIGNERS, {"vid": version_id}).scalars())


def holders(snap: RelationshipSnapshot) -> dict[str, int | None]:
    """Who holds each signing role on the relationship now."""
    return {"mentor": snap.mentor_id, "mentee": snap.mentee_id}


def missing_roles(snap: RelationshipSnapshot, signers: set[int], roles: Iterable[str] = SIGNING_ROLES) -> list[str]:
    """The roles whose current holder has not signed (a role nobody holds yet is missing too)."""
    people = holders(snap)
    return [role for role in roles if people.get(role) is None or people[role] not in signers]
