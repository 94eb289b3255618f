"""JWTs the tool signs with its current key: deep-linking responses and OAuth2 client assertions."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .keys import signing_key

if TYPE_CHECKING:
    from mentorflow.engine import Engine


def sign(engine: Engine, claims: dict[str, Any], lifetime: timedelta = timedelta(minutes=5)) -> str:
    """``claims`` plus ``iat``, ``exp`` and a fresh ``jti``, signed RS256 with the tool's current key."""
    from joserfc import jwt

    key = signing_key(engine)
    now = int(engine.clock.now().timestamp())
    payload = {"iat": now, "exp": now + int(lifetime.total_seconds()), "jti": secrets.token_urlsafe(16), **claims}
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, payload, key)
