"""OAuth2 access tokens for the LTI Advantage services: client_credentials with a ``private_key_jwt`` assertion.

Tokens are cached per process, platform and scope set until shortly before
they expire, so a roster sync or a burst of grade publications asks the
platform once.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import httpx

from mentorflow.i18n import _

from . import http
from .errors import ServiceError
from .signing import sign

if TYPE_CHECKING:
    from mentorflow.engine import Engine

    from .platforms import PlatformInfo

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_cache: dict[tuple[int, str, tuple[str, ...]], tuple[str, float]] = {}
_lock = threading.Lock()


def client_assertion(engine: Engine, platform: PlatformInfo) -> str:
    """The JWT proving the tool's identity to the platform's token endpoint (RFC 7523)."""
    return sign(engine, {"iss": platform.client_id, "sub": platform.client_id,
                         "aud": platform.token_audience or platform.auth_token_url})


def access_token(engine: Engine, platform: PlatformInfo, scopes: tuple[str, ...] | list[str]) -> str:
    """A bearer token for ``scopes`` from the platform's token endpoint (cached until near expiry)."""
    key = (platform.id, platform.auth_token_url, tuple(sorted(scopes)))
    with _lock:
        cached = _cache.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(engine, platform), "scope": " ".join(key[2])}
    try:
        with http.client() as c:
            response = c.post(platform.auth_token_url, data=form, headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise ServiceError(_("The token endpoint of {issuer} could not be reached: {error}").format(
            issuer=platform.issuer, error=error)) from None
    body = _json(response)
    if response.status_code != 200 or not body.get("access_token"):
        raise ServiceError(_("The token endpoint of {issuer} refused: {status} {error}").format(
            issuer=platform.issuer, status=response.status_code,
            error=body.get("error_description") or body.get("error") or response.text[:200]))
    lifetime = float(body.get("expires_in") or 3600)
    with _lock:
        _cache[key] = (str(body["access_token"]), time.monotonic() + max(0.0, lifetime - 60))
    return str(body["access_token"])


def forget_tokens() -> None:
    """Drop cached tokens (after a key rotation, or in tests)."""
    with _lock:
        _cache.clear()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def call(engine: Engine, platform: PlatformInfo, scopes: tuple[str, ...], method: str, url: str,
         **kwargs: Any) -> httpx.Response:
    """One authorised service request; a 401 gets one retry with a fresh token."""
    for attempt in (1, 2):
        token = access_token(engine, platform, scopes)
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token}"}
        try:
            with http.client() as c:
                response = c.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise ServiceError(_("{url} could not be reached: {error}").format(url=url, error=error)) from None
        if response.status_code == 401 and attempt == 1:
            forget_tokens()
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            continue
        return response
    raise AssertionError("unreachable")
