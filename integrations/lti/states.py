"""Server-side single-use states: OIDC logins in progress, deep-linking choices, registration invitations."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update

from mentorflow.clock import as_utc

from .models import LaunchState

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mentorflow.engine import Engine

S = LaunchState.__table__
LOGIN_LIFETIME = timedelta(minutes=10)
DEEP_LINK_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class StoredState:
    id: int
    state: str
    kind: str
    platform_id: int | None
    nonce: str | None
    data: dict[str, Any]
    expires_at: datetime
    used_at: datetime | None


def create(engine: Engine, kind: str, lifetime: timedelta, *, platform_id: int | None = None,
           nonce: str | None = None, data: dict[str, Any] | None = None) -> str:
    """Store a new state and return its random value (also sweeps expired ones)."""
    value = secrets.token_urlsafe(32)
    now = engine.clock.now()
    with engine.write() as conn:
        conn.execute(delete(S).where(S.c.expires_at < now - timedelta(days=1)))
        conn.execute(insert(S).values(state=value, kind=kind, platform_id=platform_id, nonce=nonce,
                                      data=data or {}, created_at=now, expires_at=now + lifetime))
    return value


def find(engine: Engine, value: str, kind: str) -> StoredState | None:
    with engine.read() as conn:
        row = conn.execute(select(S).where(S.c.state == value, S.c.kind == kind)).first()
    if row is None:
        return None
    return StoredState(row.id, row.state, row.kind, row.platform_id, row.nonce, dict(row.data),
                       as_utc(row.expires_at), as_utc(row.used_at) if row.used_at else None)


def consume(conn: Connection, state: StoredState, now: datetime) -> bool:
    """Mark the state used; False when someone used it first."""
    return bool(conn.execute(update(S).where(S.c.id == state.id, S.c.used_at.is_(None)).values(used_at=now))
                .rowcount)


SECRET_KEYS = frozenset({"browser"})
"""State data that is a credential, not personal data: never exported."""


def person_states(conn: Connection, person_id: int) -> list[Any]:
    """The stored states about a person: deep-linking choices (their LMS user id, roles, name and e-mail) and
    logins whose ``login_hint`` is their LMS user id, matched through their ``lti:<issuer>`` identities."""
    from mentorflow.db.models import ExternalIdentity

    from .models import Platform

    X, P = ExternalIdentity.__table__, Platform.__table__
    subs: dict[str, set[str]] = {}
    for source, external_id in conn.execute(select(X.c.source, X.c.external_id).where(
            X.c.person_id == person_id, X.c.source.like("lti:%"))).all():
        subs.setdefault(source.removeprefix("lti:"), set()).add(external_id)
    if not subs:
        return []
    platforms = {row.id: subs[row.issuer] for row in conn.execute(
        select(P.c.id, P.c.issuer).where(P.c.issuer.in_(sorted(subs)))).all()}
    if not platforms:
        return []
    found = []
    for row in conn.execute(select(S).where(S.c.platform_id.in_(sorted(platforms))).order_by(S.c.id)).all():
        data = row.data or {}
        login = data.get("login") if isinstance(data.get("login"), dict) else {}
        if str(data.get("sub", "")) in platforms[row.platform_id] or \
                str(login.get("login_hint", "")) in platforms[row.platform_id]:
            found.append(row)
    return found
