"""Secret per-person feed addresses: ``/calendar/<token>.ics``.

A calendar application fetches a feed without logging in, so the address
itself is the credential: 256 random bits (``secrets.token_urlsafe``),
prefixed ``mfcal_`` so a leaked one is recognisable. Only the SHA-256 of
the token is stored, like API tokens; the address is shown once, when it
is made, and making a new one revokes the old one (``--rotate``).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update

from mentorflow import Engine

from .models import CalendarFeed

PREFIX = "mfcal_"
TOKEN = re.compile(r"^mfcal_[A-Za-z0-9_-]{43}$")
FEED_PATH = "/calendar/{token}.ics"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
F = CalendarFeed.__table__


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def base_url(explicit: str | None = None) -> str:
    """The public address of the web service: ``explicit``, else ``MENTORFLOW_BASE_URL``, else the default."""
    return (explicit or os.environ.get("MENTORFLOW_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def uid_domain() -> str:
    """The host part of every event UID: the host of ``MENTORFLOW_BASE_URL``, else ``mentorflow.local``.

    Not the address a request came in on, so a file exported on the command
    line and the feed give every event the same UID.
    """
    return urlsplit(os.environ.get("MENTORFLOW_BASE_URL") or "").hostname or "mentorflow.local"


def feed_url(token: str, explicit_base_url: str | None = None) -> str:
    return base_url(explicit_base_url) + FEED_PATH.format(token=token)


def create_feed(engine: Engine, person_id: int) -> str:
    """A new secret token for ``person_id``'s feed; any earlier token of theirs stops working."""
    engine.person(person_id)  # NotFound for a person who does not exist
    token = PREFIX + secrets.token_urlsafe(32)
    now = engine.clock.now()
    with engine.write() as conn:
        conn.execute(update(F).where(F.c.person_id == person_id, F.c.revoked_at.is_(None)).values(revoked_at=now))
        conn.execute(insert(F).values(person_id=person_id, token_hash=_hash(token), created_at=now, revoked_at=None))
    return token


def revoke_feeds(engine: Engine, person_id: int) -> int:
    """Revoke every live feed token of ``person_id``; returns how many there were."""
    with engine.write() as conn:
        return conn.execute(update(F).where(F.c.person_id == person_id, F.c.revoked_at.is_(None))
                            .values(revoked_at=engine.clock.now())).rowcount


def person_for_token(engine: Engine, token: str) -> int | None:
    """The person whose live feed ``token`` is, or None (malformed, unknown or revoked)."""
    if not TOKEN.match(token):
        return None
    with engine.read() as conn:
        return conn.execute(select(F.c.person_id).where(F.c.token_hash == _hash(token),
                                                        F.c.revoked_at.is_(None))).scalar()
