"""Read side of the agreements plugin: the current agreement, its history, whether it is fully signed.

The agreement is a ``pair`` item: the mentor and the mentee read its terms
and every signature; coordinators see the metadata (version numbers, who
proposed and who signed when) and the terms only where the programme sets
``settings.privacy.coordinator_sees_content``. Whoever proposed a version
may always read it. Everything is decided by :mod:`mentorflow.policy`; strangers get
:class:`mentorflow.NotFound`, as for a relationship that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mentorflow import Actor, Engine, RelationshipSnapshot
from mentorflow.clock import as_utc
from mentorflow.policy import Access, Viewer, Visibility, access, relationship_for

from .store import S, V, current_version, missing_roles, signer_ids


@dataclass(frozen=True, slots=True)
class SignatureView:
    """One signature; ``comment`` is None unless the viewer may read the content."""

    signer_id: int
    role: str
    signed_at: datetime
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class AgreementView:
    """One agreement version as a viewer may see it: ``terms`` is None unless ``access`` is FULL."""

    relationship_id: int
    version: int
    kind: str
    """``proposal`` or ``amendment``."""
    current: bool
    proposed_by: int | None
    proposed_role: str
    proposed_at: datetime
    access: Access
    signatures: tuple[SignatureView, ...]
    missing_roles: tuple[str, ...]
    """Roles whose current holder has not signed this version."""
    terms: dict[str, Any] | None = None

    @property
    def fully_signed(self) -> bool:
        return not self.missing_roles


def _open(engine: Engine, conn: Connection, relationship: RelationshipSnapshot | int, viewer: Actor | int
          ) -> tuple[RelationshipSnapshot, Viewer, _Programme]:
    """The relationship, the viewer's roles on it and its programme's settings and roles; strangers are refused."""
    snap, who = relationship_for(conn, viewer, relationship)
    workflow = engine.workflow_by_version(snap.workflow_version_id, conn)
    return snap, who, _Programme(workflow.programme.get("settings"), workflow.format.member_roles)


@dataclass(frozen=True, slots=True)
class _Programme:
    settings: Any
    member_roles: tuple[str, ...]
    """The roles that sign: every member role of the programme's format."""


def _views(conn: Connection, snap: RelationshipSnapshot, who: Viewer, programme: _Programme, rows: Iterable[Any],
           current_version_number: int | None) -> list[AgreementView]:
    rows = list(rows)
    settings = programme.settings
    signatures: dict[int, list[Any]] = {row.id: [] for row in rows}
    if rows:
        for sig in conn.execute(select(S).where(S.c.version_id.in_(list(signatures)))
                                .order_by(S.c.signed_at, S.c.id)):
            signatures[sig.version_id].append(sig)
    out = []
    for row in rows:
        level = access(who, Visibility.PAIR, row.proposed_by, settings)
        signed = [SignatureView(
            signer_id=sig.signer_id, role=sig.role, signed_at=as_utc(sig.signed_at),
            comment=sig.comment if access(who, Visibility.PAIR, sig.signer_id, settings) is Access.FULL else None)
            for sig in signatures[row.id]]
        out.append(AgreementView(
            relationship_id=snap.id, version=row.version, kind=row.kind, current=row.version == current_version_number,
            proposed_by=row.proposed_by, proposed_role=row.proposed_role, proposed_at=as_utc(row.proposed_at),
            access=level, signatures=tuple(signed),
            missing_roles=tuple(missing_roles(snap, {s.signer_id for s in signed}, None, programme.member_roles)),
            terms=dict(row.terms) if level is Access.FULL else None))
    return out


def current_agreement(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int
                      ) -> AgreementView | None:
    """The current agreement version with its signatures, or None when nothing was proposed yet."""
    with engine.read() as conn:
        snap, who, settings = _open(engine, conn, relationship, viewer)
        row = current_version(conn, snap.id)
        if row is None:
            return None
        return _views(conn, snap, who, settings, [row], row.version)[0]


def agreement_history(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int
                      ) -> list[AgreementView]:
    """Every version of the agreement, oldest first, each with the signatures it received (kept forever)."""
    with engine.read() as conn:
        snap, who, settings = _open(engine, conn, relationship, viewer)
        rows = conn.execute(select(V).where(V.c.relationship_id == snap.id).order_by(V.c.version)).all()
        return _views(conn, snap, who, settings, rows, rows[-1].version if rows else None)


def is_fully_signed(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int,
                    roles: Iterable[str] | None = None) -> bool:
    """True when the current version is signed by everyone who holds each of ``roles`` (default: every member role).

    False when no agreement was proposed. Metadata, so coordinators may ask too.
    """
    with engine.read() as conn:
        snap, _who, programme = _open(engine, conn, relationship, viewer)
        row = current_version(conn, snap.id)
        return row is not None and not missing_roles(snap, signer_ids(conn, row.id), roles, programme.member_roles)
