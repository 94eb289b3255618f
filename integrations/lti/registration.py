"""LTI Advantage Dynamic Registration (what Moodle 4.x's "Register tool" with a URL does), by invitation.

An administrator makes a single-use invitation (``mentorflow lti registration-link`` or
``POST /api/v1/lti/registrations``) and pastes its URL into the platform.
The platform opens it with ``openid_configuration`` and ``registration_token``;
the tool reads the platform's configuration, POSTs its own client
registration, and stores the client id and deployment id it gets back.
Without an invitation anyone could register a "platform" and launch
themselves into programmes, so open registration is not offered.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from mentorflow.i18n import _

from . import claims as C
from . import http, states
from .errors import LaunchError
from .platforms import PlatformInfo, register_platform

if TYPE_CHECKING:
    from mentorflow.engine import Engine

INVITATION_LIFETIME = timedelta(days=7)


def invite(engine: Engine, *, programmes: list[str] | None = None, name: str | None = None,
           role_map: dict[str, str] | None = None, lifetime: timedelta = INVITATION_LIFETIME) -> str:
    """A single-use registration invitation; returns its token (the URL is ``/lti/register/<token>``)."""
    return states.create(engine, "registration", lifetime,
                         data={"programmes": programmes, "name": name, "role_map": role_map})


def check_invitation(engine: Engine, token: str) -> states.StoredState:
    found = states.find(engine, token, "registration")
    if found is None or found.used_at is not None or found.expires_at < engine.clock.now():
        raise LaunchError("bad-invitation", _("This registration link is unknown, used or expired; ask for a new "
                                              "one (mentorflow lti registration-link)."), 403)
    return found


def tool_configuration(base_url: str) -> dict[str, Any]:
    """The client registration the tool POSTs (OpenID Connect Dynamic Client Registration + LTI's claim)."""
    launch = base_url + "/lti/launch"
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base_url + "/lti/login",
        "redirect_uris": [launch],
        "client_name": "mentorflow",
        "jwks_uri": base_url + "/lti/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(C.ALL_SCOPES),
        C.TOOL_CONFIGURATION: {
            "domain": urlsplit(base_url).netloc,
            "target_link_uri": launch,
            "description": "Mentoring programmes: agreements, goals, reflections and closure.",
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [{"type": C.DEEP_LINKING_REQUEST, "target_link_uri": launch, "label": "mentorflow"},
                         {"type": C.RESOURCE_LINK_REQUEST, "target_link_uri": launch}],
        },
    }


def _get_configuration(url: str) -> dict[str, Any]:
    try:
        with http.client() as c:
            response = c.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise LaunchError("registration-failed", _("The platform's configuration at {url} could not be read: "
                                                   "{error}").format(url=url, error=error), 502) from None
    if not isinstance(body, dict):
        raise LaunchError("registration-failed", _("The platform's configuration is not a JSON object."), 502)
    return body


def register(engine: Engine, token: str, openid_configuration: str, registration_token: str | None,
             base_url: str) -> PlatformInfo:
    """Carry out a dynamic registration for invitation ``token``; returns the registered platform."""
    invitation = check_invitation(engine, token)
    config = _get_configuration(openid_configuration)
    issuer = str(config.get("issuer") or "")
    # The configuration must come from the issuer's own site, or a third party could impersonate it.
    if not issuer or not openid_configuration.startswith(issuer.rstrip("/") + "/"):
        raise LaunchError("registration-failed", _("The platform's issuer ({issuer}) does not match the address "
                                                   "of its configuration.").format(issuer=issuer), 400)
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
               if not config.get(k)]
    if missing:
        raise LaunchError("registration-failed", _("The platform's configuration lacks {fields}.").format(
            fields=", ".join(missing)), 400)
    if "private_key_jwt" not in (config.get("token_endpoint_auth_methods_supported") or ["private_key_jwt"]):
        raise LaunchError("registration-failed", _("The platform does not accept private_key_jwt client "
                                                   "authentication."), 400)
    if "RS256" not in (config.get("id_token_signing_alg_values_supported") or ["RS256"]):
        raise LaunchError("registration-failed", _("The platform does not sign with RS256."), 400)
    body = tool_configuration(base_url)
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        with http.client() as c:
            response = c.post(str(config["registration_endpoint"]), json=body, headers=headers)
        answer = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise LaunchError("registration-failed", _("The platform did not accept the registration: {error}").format(
            error=error), 502) from None
    if response.status_code not in (200, 201) or not isinstance(answer, dict) or not answer.get("client_id"):
        raise LaunchError("registration-failed", _("The platform refused the registration ({status}): "
                                                   "{body}").format(status=response.status_code,
                                                                    body=response.text[:200]), 502)
    tool_config = answer.get(C.TOOL_CONFIGURATION) or {}
    deployment = tool_config.get("deployment_id")
    platform_config = config.get(C.PLATFORM_CONFIGURATION) or {}
    data = invitation.data
    platform = register_platform(
        engine, issuer=issuer, client_id=str(answer["client_id"]),
        auth_login_url=str(config["authorization_endpoint"]), auth_token_url=str(config["token_endpoint"]),
        jwks_url=str(config["jwks_uri"]), deployment_ids=[str(deployment)] if deployment else [],
        name=data.get("name") or platform_config.get("product_family_code") or urlsplit(issuer).netloc,
        token_audience=config.get("authorization_server") or None, role_map=data.get("role_map"),
        programmes=data.get("programmes"), registration=answer)
    with engine.write() as conn:
        states.consume(conn, invitation, engine.clock.now())
    return platform
