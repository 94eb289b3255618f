"""A platform's public keys: fetched from its JWKS URL, cached in the database, refreshed on an unknown ``kid``.

The cache is shared by every worker (it lives on the platform row). A
token naming a key the cache lacks triggers one refresh, at most once per
``MENTORFLOW_LTI_JWKS_REFRESH_SECONDS`` (10) per platform, so forged
tokens with random key ids cannot make the tool hammer the platform.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select, update

from mentorflow.clock import as_utc
from mentorflow.i18n import _

from . import http
from .errors import LaunchError
from .models import Platform

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

    from mentorflow.engine import Engine

    from .platforms import PlatformInfo

log = logging.getLogger("mentorflow.lti")
P = Platform.__table__


def _min_refresh() -> timedelta:
    return timedelta(seconds=float(os.environ.get("MENTORFLOW_LTI_JWKS_REFRESH_SECONDS", "10")))


def fetch_jwks(url: str) -> dict[str, Any]:
    """GET a key set; a clear :class:`LaunchError` when it cannot be had."""
    try:
        with http.client() as c:
            response = c.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        log.warning("fetching the platform key set %s failed: %s", url, error)
        raise LaunchError("platform-keys-unavailable", _("The learning platform's public keys could not be "
                                                         "fetched; try again in a moment."), 502) from None
    if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        raise LaunchError("platform-keys-unavailable", _("The learning platform's key set is not a JWKS document."),
                          502)
    return body


def _pick(jwks: dict[str, Any] | None, kid: str | None) -> dict[str, Any] | None:
    keys = [k for k in (jwks or {}).get("keys", []) if isinstance(k, dict) and k.get("kty") == "RSA"
            and k.get("use", "sig") == "sig"]
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((k for k in keys if k.get("kid") == kid), None)


def platform_key(engine: Engine, platform: PlatformInfo, kid: str | None) -> RSAKey:
    """The platform's public key ``kid`` (refreshing the cached set once when it is not there)."""
    from joserfc.jwk import RSAKey

    with engine.read() as conn:
        row = conn.execute(select(P.c.jwks, P.c.jwks_fetched_at).where(P.c.id == platform.id)).one()
    found = _pick(row.jwks, kid)
    now = engine.clock.now()
    fresh_enough = row.jwks_fetched_at is not None and now - as_utc(row.jwks_fetched_at) < _min_refresh()
    if found is None and not (fresh_enough and row.jwks is not None):
        jwks = fetch_jwks(platform.jwks_url)
        with engine.write() as conn:
            conn.execute(update(P).where(P.c.id == platform.id).values(jwks=jwks, jwks_fetched_at=now))
        found = _pick(jwks, kid)
    if found is None:
        raise LaunchError("unknown-key", _("The launch was signed with a key the learning platform does not "
                                           "publish."), 401)
    try:
        return RSAKey.import_key(found)
    except Exception:  # a malformed key in the platform's set
        raise LaunchError("unknown-key", _("The learning platform publishes a key that cannot be read."),
                          502) from None
