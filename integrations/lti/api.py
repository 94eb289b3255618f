"""``/api/v1/lti/...``: platforms, deployments and registration invitations, for unrestricted administrator tokens.

The routes are declared through the web service's public plugin API
(:func:`mentorflow.integrations.web.plugin_api.api_blueprint`), on a blueprint
of their own; when the blueprint is mounted their documentation joins the
service's ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint

from mentorflow.engine import Engine
from mentorflow.errors import Forbidden, UserError
from mentorflow.i18n import _
from mentorflow.integrations.web.plugin_api import api_blueprint as documented_blueprint
from mentorflow.integrations.web.plugin_api import current_principal, json_body

from .platforms import add_deployment, get_platform, list_platforms, register_platform, remove_platform
from .registration import invite

ROLE_MAP_SCHEMA = {"type": "object", "additionalProperties": {
    "enum": ["coordinator", "mentor", "mentee", "facilitator", "peer", "participant", "none"]},
    "description": "LTI role short name (Instructor, Learner, Administrator, ...) to a mentorflow role"}
PROGRAMMES_SCHEMA = {"type": ["array", "null"], "items": {"type": "string"},
                     "description": "Programme keys launches may link to (null: every programme)"}
PLATFORM_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "issuer": {"type": "string"}, "client_id": {"type": "string"},
    "name": {"type": "string"}, "auth_login_url": {"type": "string"}, "auth_token_url": {"type": "string"},
    "jwks_url": {"type": "string"}, "token_audience": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "deployments": {"type": "array", "items": {"type": "object", "properties": {
        "deployment_id": {"type": "string"}, "role_map": ROLE_MAP_SCHEMA, "programmes": PROGRAMMES_SCHEMA}}}}}


def _require_admin() -> None:
    principal = current_principal()
    assert principal is not None
    if not principal.is_admin or principal.token is None or principal.token.programmes is not None:
        raise Forbidden(_("LTI platforms are managed with an unrestricted administrator token."))


def _strings(body: dict[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError(_("{name} must be a list of texts.").format(name=name))
    return value


def _role_map(body: dict[str, Any]) -> dict[str, str] | None:
    value = body.get("role_map")
    if value is not None and not isinstance(value, dict):
        raise UserError(_("role_map must be an object."))
    return value


def api_blueprint(engine: Engine) -> Blueprint:
    """The LTI administration API, closing over ``engine``."""
    bp, api = documented_blueprint("lti_api", __name__)  # its routes join the service's openapi.json when mounted

    @api.route("/lti/platforms", "GET", summary="Registered LTI platforms with their deployments (administrators)",
               tag="lti", response={"type": "object", "properties": {"items": {"type": "array",
                                                                                "items": PLATFORM_SCHEMA}}})
    def lti_platforms() -> Any:
        _require_admin()
        return {"items": [p.as_dict() for p in list_platforms(engine)]}

    @api.route("/lti/platforms", "POST", summary="Register an LTI 1.3 platform by hand (administrators)",
               tag="lti", status=201, response=PLATFORM_SCHEMA, body={
                   "type": "object",
                   "required": ["issuer", "client_id", "auth_login_url", "auth_token_url", "jwks_url"],
                   "properties": {"issuer": {"type": "string"}, "client_id": {"type": "string"},
                                  "name": {"type": "string"}, "auth_login_url": {"type": "string"},
                                  "auth_token_url": {"type": "string"}, "jwks_url": {"type": "string"},
                                  "token_audience": {"type": "string"},
                                  "deployment_ids": {"type": "array", "items": {"type": "string"}},
                                  "role_map": ROLE_MAP_SCHEMA, "programmes": PROGRAMMES_SCHEMA}})
    def lti_register() -> Any:
        _require_admin()
        body = json_body(("issuer", "client_id", "auth_login_url", "auth_token_url", "jwks_url"))
        for name in ("issuer", "client_id", "auth_login_url", "auth_token_url", "jwks_url"):
            if not isinstance(body[name], str):
                raise UserError(_("{name} must be a text.").format(name=name))
        platform = register_platform(
            engine, issuer=body["issuer"], client_id=body["client_id"], auth_login_url=body["auth_login_url"],
            auth_token_url=body["auth_token_url"], jwks_url=body["jwks_url"], name=body.get("name"),
            token_audience=body.get("token_audience"), deployment_ids=_strings(body, "deployment_ids") or [],
            role_map=_role_map(body), programmes=_strings(body, "programmes"))
        return platform.as_dict(), 201

    @api.route("/lti/platforms/<int:platform_id>", "GET", summary="One LTI platform (administrators)", tag="lti",
               response=PLATFORM_SCHEMA)
    def lti_platform(platform_id: int) -> Any:
        _require_admin()
        return get_platform(engine, platform_id).as_dict()

    @api.route("/lti/platforms/<int:platform_id>", "DELETE",
               summary="Remove an LTI platform, its deployments and course links (administrators)", tag="lti")
    def lti_remove(platform_id: int) -> Any:
        _require_admin()
        remove_platform(engine, platform_id)
        return {"removed": platform_id}

    @api.route("/lti/platforms/<int:platform_id>/deployments", "POST",
               summary="Add or reconfigure a deployment of a platform (administrators)", tag="lti", status=201,
               response=PLATFORM_SCHEMA, body={"type": "object", "required": ["deployment_id"], "properties": {
                   "deployment_id": {"type": "string"}, "role_map": ROLE_MAP_SCHEMA,
                   "programmes": PROGRAMMES_SCHEMA}})
    def lti_add_deployment(platform_id: int) -> Any:
        _require_admin()
        body = json_body(("deployment_id",))
        platform = add_deployment(engine, platform_id, str(body["deployment_id"]), role_map=_role_map(body),
                                  programmes=_strings(body, "programmes"))
        return platform.as_dict(), 201

    @api.route("/lti/registrations", "POST",
               summary="A single-use dynamic-registration address to paste into the platform (administrators)",
               tag="lti", status=201, body={"type": "object", "properties": {
                   "programmes": PROGRAMMES_SCHEMA, "name": {"type": "string"}, "role_map": ROLE_MAP_SCHEMA,
                   "days": {"type": "integer", "minimum": 1, "maximum": 90}}},
               response={"type": "object", "properties": {"url": {"type": "string"},
                                                          "expires_in_days": {"type": "integer"}}})
    def lti_registration() -> Any:
        _require_admin()
        from .web import base_url

        body = json_body()
        days = body.get("days", 7)
        if not isinstance(days, int) or not 1 <= days <= 90:
            raise UserError(_("days must be a whole number from 1 to 90."))
        token = invite(engine, programmes=_strings(body, "programmes"), name=body.get("name"),
                       role_map=_role_map(body), lifetime=timedelta(days=days))
        return {"url": f"{base_url()}/lti/register/{token}", "expires_in_days": days}, 201
    return bp
