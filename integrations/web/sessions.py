"""Browser sessions kept on the server, so signing out, erasure and lifetimes are enforced there.

The signed cookie holds a random secret; ``mf_web_sessions`` holds its
SHA-256 with the person, when it started, when it was last used and when it
must end. Checking a request costs one read by a unique index; ``last_seen_at``
is written at most once a minute (as for API tokens), so reads stay reads.
A cookie replayed after sign-out or erasure finds no row and is signed out.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update

from mentorflow.clock import as_utc

from .models import WebSession

if TYPE_CHECKING:
    from mentorflow.engine import Engine

S = WebSession.__table__
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start_session(engine: Engine, person_id: int, lifetime: timedelta) -> str:
    """Record a new session for ``person_id``; returns the secret for the cookie (never stored)."""
    secret = secrets.token_urlsafe(32)
    now = engine.clock.now()
    with engine.write() as conn:
        # Sweep sessions that ended on their own; sign-ins are rare enough to carry it.
        conn.execute(delete(S).where(S.c.expires_at < now))
        conn.execute(insert(S).values(token_hash=_hash(secret), person_id=person_id, created_at=now,
                                      last_seen_at=now, expires_at=now + lifetime))
    return secret


def session_person(engine: Engine, secret: str, idle: timedelta) -> int | None:
    """The person of a live session, or ``None`` when it was ended, has expired or was idle longer than ``idle``."""
    if not secret:
        return None
    now = engine.clock.now()
    with engine.read() as conn:
        row = conn.execute(select(S.c.id, S.c.person_id, S.c.last_seen_at, S.c.expires_at)
                           .where(S.c.token_hash == _hash(secret))).first()
    if row is None:
        return None
    last_seen = as_utc(row.last_seen_at)
    if now >= as_utc(row.expires_at) or now - last_seen > idle:
        with engine.write() as conn:
            conn.execute(delete(S).where(S.c.id == row.id))
        return None
    if now - last_seen >= LAST_SEEN_RESOLUTION:
        with engine.write() as conn:
            conn.execute(update(S).where(S.c.id == row.id).values(last_seen_at=now))
    return int(row.person_id)


def end_session(engine: Engine, secret: str) -> None:
    """Sign-out: the session's row goes, so its cookie is worthless even if replayed."""
    if secret:
        with engine.write() as conn:
            conn.execute(delete(S).where(S.c.token_hash == _hash(secret)))


def end_sessions_of(engine: Engine, person_id: int) -> int:
    """End every session of a person (when they are erased or must be shut out); returns how many ended."""
    with engine.write() as conn:
        return int(conn.execute(delete(S).where(S.c.person_id == person_id)).rowcount or 0)


def cookie_data(engine: Engine, person_id: int, lifetime: timedelta = timedelta(hours=8)) -> dict[str, object]:
    """The session data a signed cookie holds, for a session started outside a request (benchmarks, tools)."""
    return {"person_id": person_id, "sid": start_session(engine, person_id, lifetime)}
