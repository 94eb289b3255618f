"""API tokens for integrations and administrators: stored hashed, scoped to programmes, revocable.

A token is shown once when created (``mf_<prefix>_<secret>``); only its
SHA-256 is stored, with the prefix for finding it in listings. A token
acts as one person (its owner) or as an administrator, optionally limited
to some programmes; every use updates ``last_used_at``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, insert, select, update

from mentorflow.clock import as_utc
from mentorflow.db.database import inserted_id
from mentorflow.db.models import ApiToken
from mentorflow.errors import NotFound, UserError
from mentorflow.i18n import _

if TYPE_CHECKING:
    from mentorflow.engine import Engine

T = ApiToken.__table__
# Updating last_used_at on every request would turn every read into a write;
# once a minute is precise enough for "last used" and keeps SQLite readers free.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    person_id: int | None
    is_admin: bool
    programmes: tuple[str, ...] | None
    """Programme keys the token may touch; ``None`` means every programme."""
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def allows_programme(self, key: str) -> bool:
        return self.programmes is None or key in self.programmes


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(r: Row[Any]) -> TokenInfo:
    """A row of the tokens table as :class:`TokenInfo`."""
    return TokenInfo(id=r.id, name=r.name, prefix=r.prefix, person_id=r.person_id, is_admin=r.is_admin,
                     programmes=tuple(r.programmes) if r.programmes is not None else None,
                     created_at=as_utc(r.created_at),
                     last_used_at=as_utc(r.last_used_at) if r.last_used_at else None,
                     revoked_at=as_utc(r.revoked_at) if r.revoked_at else None)


def create_token(engine: Engine, name: str, *, person_id: int | None = None, admin: bool = False,
                 programmes: Iterable[str] | None = None) -> tuple[str, TokenInfo]:
    """Create a token; returns the secret (show it once) and its stored description."""
    if not name.strip():
        raise UserError(_("A token needs a name."))
    if person_id is None and not admin:
        raise UserError(_("A token acts as a person or as an administrator; give one of them."))
    if person_id is not None:
        engine.person(person_id)  # raises NotFound
    prefix = secrets.token_hex(4)
    secret = f"mf_{prefix}_{secrets.token_urlsafe(32)}"
    scope = sorted(set(programmes)) if programmes is not None else None
    with engine.write() as conn:
        token_id = inserted_id(conn.execute(insert(T).values(
            name=name.strip(), prefix=prefix, token_hash=_hash(secret), person_id=person_id, is_admin=admin,
            programmes=scope, created_at=engine.clock.now())))
        row = conn.execute(select(T).where(T.c.id == token_id)).one()
    return secret, _info(row)


def authenticate(engine: Engine, secret: str) -> TokenInfo | None:
    """The token for ``secret`` when it exists and is not revoked; records the use."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != "mf":
        return None
    with engine.read() as conn:
        row = conn.execute(select(T).where(T.c.prefix == parts[1])).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, _hash(secret)):
        return None
    now = engine.clock.now()
    if row.last_used_at is None or now - as_utc(row.last_used_at) >= LAST_USED_RESOLUTION:
        with engine.write() as conn:
            conn.execute(update(T).where(T.c.id == row.id).values(last_used_at=now))
    return _info(row)


def revoke_token(engine: Engine, token_id: int) -> None:
    with engine.write() as conn:
        done = conn.execute(update(T).where(T.c.id == token_id, T.c.revoked_at.is_(None))
                            .values(revoked_at=engine.clock.now())).rowcount
    if not done:
        raise NotFound(_("No active token {id}.").format(id=token_id))


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with engine.read() as conn:
        return [_info(r) for r in conn.execute(select(T).order_by(T.c.id))]
