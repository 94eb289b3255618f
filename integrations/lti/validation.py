"""Validating an LTI 1.3 launch (``id_token``) the way a security review expects.

Checked, in order, each failure a :class:`LaunchError` with its own code:

1. a ``state`` came back and matches a login this tool started (``missing-state``, ``unknown-state``,
   ``expired-state``), unused (``replayed-state``), in the browser that started it: the state cookie set
   at login must come back with the login's secret (``state-not-bound``; without it, an attacker's unsent
   launch posted from another site would sign the victim in as the attacker — login CSRF), or, where the
   login used LTI platform storage, the launch page read the state back from the platform's frame
   (:class:`PlatformStorageCheck` asks the web layer for that page);
2. the token is a compact JWS signed RS256 by a key in the platform's JWKS (``malformed-token``,
   ``wrong-algorithm``, ``unknown-key``, ``bad-signature``);
3. ``iss`` is the platform of that login (``wrong-issuer``), ``aud`` holds our client id (``wrong-audience``),
   ``azp`` is our client id when present or when there are several audiences (``wrong-azp``);
4. ``exp``/``iat`` with ``MENTORFLOW_LTI_LEEWAY_SECONDS`` (30) of clock skew (``expired``, ``issued-in-future``);
5. ``nonce`` is the one sent with that login (``bad-nonce``), ``deployment_id`` is registered (``unknown-deployment``),
   the message type and version are supported (``wrong-message-type``, ``wrong-version``), ``sub`` is present
   (``missing-sub``);
6. finally, in one transaction, the nonce is recorded (a second use is ``replayed-nonce``) and the state is used
   up (``replayed-state``).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from mentorflow.i18n import _

from . import claims as C
from . import states
from .errors import LaunchError, PlatformStorageCheck
from .models import Nonce
from .platform_keys import platform_key
from .platforms import DeploymentInfo, PlatformInfo, find_deployment, get_platform

if TYPE_CHECKING:
    from mentorflow.engine import Engine

log = logging.getLogger("mentorflow.lti")
N = Nonce.__table__
SUPPORTED_MESSAGES = (C.RESOURCE_LINK_REQUEST, C.DEEP_LINKING_REQUEST)


def leeway() -> int:
    return int(os.environ.get("MENTORFLOW_LTI_LEEWAY_SECONDS", "30"))


@dataclass(frozen=True)
class Launch:
    """A validated launch: the platform, deployment and the token's claims."""

    platform: PlatformInfo
    deployment: DeploymentInfo
    claims: dict[str, Any]

    @property
    def message_type(self) -> str:
        return str(self.claims[C.MESSAGE_TYPE])

    @property
    def sub(self) -> str:
        return str(self.claims["sub"])

    def claim(self, name: str) -> dict[str, Any]:
        value = self.claims.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def roles(self) -> list[str]:
        value = self.claims.get(C.ROLES)
        return [str(r) for r in value] if isinstance(value, list) else []


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload without any check: only for choosing the language of an error page."""
    from joserfc.jws import extract_compact

    try:
        payload = json.loads(extract_compact(token.encode()).payload)
        return payload if isinstance(payload, dict) else {}
    except Exception:
        return {}


def validate_launch(engine: Engine, id_token: str | None, state_value: str | None,
                    browser_secret: str | None, *, storage_checked: bool = False) -> Launch:
    """Check everything about a launch (see the module doc) and use up its state and nonce.

    ``browser_secret`` is the value of the login's state cookie in this request (None when the
    browser did not send it). ``storage_checked`` says the launch page read the state back from the
    platform's storage in this browser (the caller checked that this post came from that page).
    """
    from joserfc import jwt
    from joserfc.errors import BadSignatureError, JoseError
    from joserfc.jws import extract_compact

    if not state_value:
        raise LaunchError("missing-state", _("The launch came without its state; start it again from your course."))
    login = states.find(engine, state_value, "login")
    if login is None or login.platform_id is None:
        raise LaunchError("unknown-state", _("The launch does not belong to a sign-in this tool started; start it "
                                             "again from your course."))
    now = engine.clock.now()
    if login.expires_at < now:
        raise LaunchError("expired-state", _("The sign-in took too long; start it again from your course."))
    if login.used_at is not None:
        raise LaunchError("replayed-state", _("This launch has been used already; start it again from your "
                                              "course."), 401)
    expected = str(login.data.get("browser") or "")
    bound = bool(expected and browser_secret and secrets.compare_digest(expected, browser_secret))
    storage = str(login.data.get("storage_target") or "")
    if not bound and storage and not storage_checked:
        raise PlatformStorageCheck(state_value, storage, login.data.get("login"))
    if not bound and not (storage and storage_checked):
        # Nothing is used up: the login's own browser may still finish it (or restart it top-level).
        raise LaunchError("state-not-bound", _("Your browser did not keep the sign-in cookie, so mentorflow cannot "
                                               "tell that this launch was started by you. This happens when the "
                                               "learning platform shows mentorflow inside a frame and the browser "
                                               "blocks its cookies there. Open mentorflow in a new window to "
                                               "continue."), 403, restart=login.data.get("login"))
    if not id_token:
        raise LaunchError("malformed-token", _("The launch carried no id_token."))
    try:
        header = extract_compact(id_token.encode()).protected
    except Exception:
        raise LaunchError("malformed-token", _("The launch's id_token is not a signed JWT.")) from None
    if header.get("alg") != "RS256":
        raise LaunchError("wrong-algorithm", _("The launch must be signed with RS256, not {alg}.").format(
            alg=header.get("alg")), 401)
    platform = get_platform(engine, login.platform_id)
    key = platform_key(engine, platform, header.get("kid"))
    try:
        token = jwt.decode(id_token, key, algorithms=["RS256"])
    except BadSignatureError:
        raise LaunchError("bad-signature", _("The launch's signature does not verify with the learning platform's "
                                             "key."), 401) from None
    except (JoseError, ValueError):
        raise LaunchError("malformed-token", _("The launch's id_token cannot be read.")) from None
    payload = dict(token.claims)
    _check_claims(payload, platform, login.nonce, now.timestamp())
    deployment = find_deployment(platform, str(payload.get(C.DEPLOYMENT_ID, "")))
    if deployment is None:
        raise LaunchError("unknown-deployment", _("Deployment '{id}' of {issuer} is not registered with mentorflow; "
                                                  "ask the administrator to add it.").format(
            id=payload.get(C.DEPLOYMENT_ID, ""), issuer=platform.issuer), 403)
    expires = now + timedelta(seconds=max(0, float(payload["exp"]) - now.timestamp()) + leeway())
    with engine.write() as conn:
        conn.execute(delete(N).where(N.c.expires_at < now))
        try:
            with conn.begin_nested():
                conn.execute(insert(N).values(platform_id=platform.id, nonce=str(payload["nonce"]),
                                              expires_at=expires))
        except IntegrityError:
            raise LaunchError("replayed-nonce", _("This launch has been used already; start it again from your "
                                                  "course."), 401) from None
        if not states.consume(conn, login, now):
            raise LaunchError("replayed-state", _("This launch has been used already; start it again from your "
                                                  "course."), 401)
    return Launch(platform, deployment, payload)


def _check_claims(payload: dict[str, Any], platform: PlatformInfo, nonce: str | None, now: float) -> None:
    if payload.get("iss") != platform.issuer:
        raise LaunchError("wrong-issuer", _("The launch was issued by {iss}, not by the platform the sign-in "
                                            "started at.").format(iss=payload.get("iss")), 401)
    audience = payload.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if platform.client_id not in audiences:
        raise LaunchError("wrong-audience", _("The launch is meant for another tool (audience {aud}).").format(
            aud=", ".join(str(a) for a in audiences)), 401)
    if ("azp" in payload or len(audiences) > 1) and payload.get("azp") != platform.client_id:
        raise LaunchError("wrong-azp", _("The launch's authorized party is not this tool."), 401)
    skew = leeway()
    for name in ("exp", "iat"):
        if not isinstance(payload.get(name), int | float):
            raise LaunchError("malformed-token", _("The launch has no valid '{claim}' time.").format(claim=name))
    if payload["exp"] + skew < now:
        raise LaunchError("expired", _("The launch has expired; start it again from your course."), 401)
    if payload["iat"] - skew > now:
        raise LaunchError("issued-in-future", _("The launch was issued in the future; check the clocks of the "
                                                "learning platform and mentorflow."), 401)
    if not nonce or payload.get("nonce") != nonce:
        raise LaunchError("bad-nonce", _("The launch's nonce does not match the sign-in."), 401)
    message_type = payload.get(C.MESSAGE_TYPE)
    if message_type not in SUPPORTED_MESSAGES:
        raise LaunchError("wrong-message-type", _("mentorflow does not handle '{type}' messages.").format(
            type=message_type))
    if payload.get(C.VERSION) != "1.3.0":
        raise LaunchError("wrong-version", _("mentorflow speaks LTI 1.3.0, not {version}.").format(
            version=payload.get(C.VERSION)))
    if not payload.get("sub"):
        raise LaunchError("missing-sub", _("The launch does not say who you are (anonymous launches are not "
                                           "supported)."), 403)
    if message_type == C.RESOURCE_LINK_REQUEST and not (payload.get(C.RESOURCE_LINK) or {}).get("id"):
        raise LaunchError("malformed-token", _("The launch has no resource link id."))
