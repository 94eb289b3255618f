"""The web service's public API for web plugins: the one module of ``mentorflow.integrations.web`` a plugin imports.

A plugin brings its REST routes and pages through ``mentorflow_web_blueprints``
and its page panels through ``mentorflow_page_panels``; for the routes it needs
what the service's own routes use: who is asking, the relationship they may
see, request bodies read with problem+json errors, and routes documented in
``/api/v1/openapi.json``. Everything a plugin may rely on is here, and only
here (``tests/test_plugin_imports.py`` refuses any other import of the web
integration from a plugin); the rest of the package may change without notice.

Views run inside the service's request handling: a :class:`mentorflow.UserError`
they raise becomes an RFC 9457 problem for API clients (404 for
:class:`~mentorflow.errors.NotFound`, 403 for
:class:`~mentorflow.errors.Forbidden`) and an error page for browsers.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from flask import Blueprint, request, url_for

from mentorflow.actors import Actor
from mentorflow.durations import format_duration
from mentorflow.errors import Forbidden, NotFound
from mentorflow.i18n import _
from mentorflow.snapshots import RelationshipSnapshot

from .api_core import _principal, _programme_roles, _visible_relationship, in_token_scope
from .apidoc import ApiRegistry
from .auth import Principal, current_principal, sign_in
from .framing import frame_origins, frame_policy, origin_of, parse_origins
from .pages import _require_coordinator, check_csrf, csrf_token, flash_for_panel, require_person
from .requests import int_field, json_body

__all__ = [
    "API_PREFIX",
    "ApiRegistry",
    "Principal",
    "api_blueprint",
    "check_csrf",
    "csrf_token",
    "current_principal",
    "dashboard_url",
    "flash_for_panel",
    "frame_origins",
    "frame_policy",
    "in_token_scope",
    "int_field",
    "json_body",
    "origin_of",
    "parse_origins",
    "person_actor",
    "plain",
    "principal",
    "programme_roles",
    "register_bulk_action",
    "require_coordinator",
    "require_known_programme",
    "require_person",
    "script_root",
    "selected_relationships",
    "sign_in",
    "visible_relationship",
]

API_PREFIX = "/api/v1"


def api_blueprint(name: str, import_name: str) -> tuple[Blueprint, ApiRegistry]:
    """A blueprint under ``/api/v1`` and the registry that declares its routes with their OpenAPI description.

    Declare each route with ``@api.route(rule, method, summary=..., tag=...)``; when the blueprint is
    mounted, its routes join the service's ``/api/v1/openapi.json`` (a route the service documents already
    is not documented twice).
    """
    blueprint = Blueprint(name, import_name, url_prefix=API_PREFIX)
    api = ApiRegistry(blueprint, API_PREFIX)

    def document(state: Any) -> None:
        main = state.app.extensions.get("mentorflow_api")
        if main is not None:
            known = {(r.rule, r.method) for r in main.routes}
            main.routes.extend(r for r in api.routes if (r.rule, r.method) not in known)
            main.schemas.update(api.schemas)

    blueprint.record_once(document)
    return blueprint, api


def principal() -> Principal:
    """Who is asking (a token or a browser session); the service has refused anonymous API requests already."""
    return _principal()


def person_actor() -> Actor:
    """The person the request acts as; 403 for an administrator token that does not act for one."""
    who = _principal()
    if who.person_id is None:
        raise Forbidden(_("This is read as a person; administrator tokens act for one with X-Mentorflow-Act-As."))
    return who.actor


def visible_relationship(relationship_id: int) -> RelationshipSnapshot:
    """The relationship when the principal may see it; 404 otherwise (the same answer as for an unknown id)."""
    snap, _viewer = _visible_relationship(_principal(), relationship_id)
    return snap


def programme_roles(key: str) -> set[str]:
    """The principal's roles in programme ``key`` (``{"admin"}`` for an administrator); 403 outside a token's scope."""
    return _programme_roles(_principal(), key)


def require_known_programme(key: str) -> None:
    """404 for a programme the principal has no role in, as for one that does not exist."""
    if not _programme_roles(_principal(), key):
        raise NotFound(_("Programme '{key}' does not exist.").format(key=key))


def require_coordinator(key: str, person_id: int) -> None:
    """403 unless the signed-in ``person_id`` coordinates programme ``key`` (as the dashboard checks)."""
    _require_coordinator(key, person_id)


def dashboard_url(key: str) -> str:
    """The address of programme ``key``'s coordinator dashboard (where a dashboard panel's form returns to)."""
    return url_for("dashboard", key=key)


def script_root() -> str:
    """Where the service is mounted (``""`` at the root): the prefix of a plugin's own page addresses."""
    return request.script_root


def selected_relationships(engine: Any, key: str, actor: Actor | int, ids: Any) -> list[RelationshipSnapshot]:
    """The relationships of programme ``key`` a bulk action was asked for, for a coordinator of it.

    :class:`~mentorflow.errors.Forbidden` for anyone else; a selection naming any relationship that is not the
    programme's (or no number) is refused whole, one problem per entry by JSON pointer (``/ids/2``).
    """
    from .console import selection

    return selection(engine, key, actor, ids)


def register_bulk_action(blueprint: Blueprint, action: str, endpoint: str, label: Any, explanation: Any) -> None:
    """Offer ``action`` on the dashboard's selection of relationships, done by the page route ``endpoint``.

    ``label()`` and ``explanation()`` give the (translated) name in the table's action menu and the sentence on
    the confirmation page; the confirmation posts ``csrf`` and the ``ids`` to ``endpoint`` (with ``key``).
    """

    def record(state: Any) -> None:
        state.app.extensions.setdefault("mentorflow_bulk_actions", {})[action] = (endpoint, label, explanation)

    blueprint.record_once(record)


def plain(value: Any) -> Any:
    """JSON-ready data from dataclasses, enums, dates and durations (ISO 8601), recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):  # a closed relationship's duration: ISO 8601, like the workflow's periods
        return format_duration(value)
    if isinstance(value, Enum):
        return value.value
    return value
