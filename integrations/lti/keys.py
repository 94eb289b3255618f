"""The tool's RSA signing keys: stored in the database, published at ``/lti/jwks``, rotated with a grace period.

The newest unretired key signs (deep-linking responses, client assertions).
``rotate`` makes a new key and retires the old ones; a retired key stays in
the published key set until its ``expires_at`` so platforms that cached the
set keep verifying what was signed just before the rotation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update

from mentorflow.clock import as_utc

from .models import ToolKey

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

    from mentorflow.engine import Engine

K = ToolKey.__table__
DEFAULT_GRACE = timedelta(days=7)
KEY_BITS = 2048


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    created_at: datetime
    retired_at: datetime | None
    expires_at: datetime | None

    @property
    def active(self) -> bool:
        return self.retired_at is None


def _generate(engine: Engine) -> dict[str, Any]:
    from joserfc.jwk import RSAKey

    kid = engine.clock.now().strftime("%Y%m%d") + "-" + secrets.token_hex(6)
    key = RSAKey.generate_key(KEY_BITS, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True)
    return dict(key.as_dict(private=True))


def signing_key(engine: Engine) -> RSAKey:
    """The key that signs now (made on first use)."""
    from joserfc.jwk import RSAKey

    with engine.read() as conn:
        row = conn.execute(select(K.c.private_jwk).where(K.c.retired_at.is_(None)).order_by(K.c.id.desc())
                           .limit(1)).first()
    if row is None:
        with engine.write() as conn:
            # Checked again inside the write transaction, so two workers starting at once make one key
            # on SQLite; on PostgreSQL a rare second key is harmless (both are published, the newest signs).
            row = conn.execute(select(K.c.private_jwk).where(K.c.retired_at.is_(None)).order_by(K.c.id.desc())
                               .limit(1)).first()
            if row is None:
                jwk = _generate(engine)
                conn.execute(K.insert().values(kid=jwk["kid"], private_jwk=jwk, created_at=engine.clock.now()))
                return RSAKey.import_key(jwk)
    return RSAKey.import_key(dict(row.private_jwk))


def public_jwks(engine: Engine) -> dict[str, Any]:
    """The published key set: active keys and retired ones still in their grace period."""
    signing_key(engine)
    now = engine.clock.now()
    with engine.read() as conn:
        rows = conn.execute(select(K.c.private_jwk).where(or_(K.c.expires_at.is_(None), K.c.expires_at > now))
                            .order_by(K.c.id.desc())).all()
    public = ("kty", "n", "e", "kid", "alg", "use")
    return {"keys": [{k: row.private_jwk[k] for k in public if k in row.private_jwk} for row in rows]}


def rotate(engine: Engine, grace: timedelta = DEFAULT_GRACE) -> KeyInfo:
    """Make a new signing key; older active keys retire and leave the key set after ``grace``."""
    jwk = _generate(engine)
    now = engine.clock.now()
    with engine.write() as conn:
        conn.execute(update(K).where(K.c.retired_at.is_(None)).values(retired_at=now, expires_at=now + grace))
        conn.execute(K.insert().values(kid=jwk["kid"], private_jwk=jwk, created_at=now))
    return KeyInfo(jwk["kid"], now, None, None)


def list_keys(engine: Engine) -> list[KeyInfo]:
    with engine.read() as conn:
        rows = conn.execute(select(K.c.kid, K.c.created_at, K.c.retired_at, K.c.expires_at).order_by(K.c.id)).all()
    return [KeyInfo(r.kid, as_utc(r.created_at), as_utc(r.retired_at) if r.retired_at else None,
                    as_utc(r.expires_at) if r.expires_at else None) for r in rows]
