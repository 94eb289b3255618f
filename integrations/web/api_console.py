"""REST API v1 for the coordinator console's actions (issue #17): bulk close and export, table exports.

The reminders plugin adds ``POST /programmes/{key}/relationships/remind`` (its own blueprint).

The same functions as the dashboard's pages (:mod:`.console`, :mod:`.exports`), so the same checks: the principal
coordinates the programme (:func:`mentorflow.policy.coordinator_for`; an administrator token acts as the system),
within a limited token's programmes, and every selected relationship is one of the programme's. Other console
actions already have their routes: a relationship's transitions (approve an extension, reopen, rematch, close)
``POST /relationships/{id}/transitions/{transition}``, matching ``/programmes/{key}/matching/runs``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request

from mentorflow import policy
from mentorflow.errors import Problem, UserError
from mentorflow.i18n import _

from . import console, exports
from .api_core import _principal, _programme_roles, api, engine
from .requests import json_body

_IDS = {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": console.MAX_SELECTION,
        "description": "Relationship ids of the programme"}


def _selection_body(*extra: str) -> tuple[Any, dict[str, Any]]:
    principal = _principal()
    body = json_body(("ids",))
    unknown = sorted(set(body) - {"ids", *extra})
    if unknown:
        raise console.SelectionInvalid([Problem(f"/{name}", _("'{name}' is not allowed here (misspelt?)").format(
            name=name)) for name in unknown])
    return principal, body


def _actor(principal: Any, key: str) -> Any:
    _programme_roles(principal, key)  # 403 outside a limited token's programmes
    return principal.actor


@api.route("/programmes/<key>/relationships/close", "POST", tag="console", status=200,
           summary="Close (or start closing) all selected relationships, or none (coordinators)",
           body={"type": "object", "required": ["ids"], "additionalProperties": False,
                 "properties": {"ids": _IDS, "reason": {"type": "string", "description": "A closure reason id, "
                                                        "for relationships that end early"}}},
           response={"type": "object", "properties": {"closed": {"type": "array", "items": {"type": "object"}}}})
def post_bulk_close(key: str) -> Any:
    principal, body = _selection_body("reason")
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise console.SelectionInvalid([Problem("/reason", _("must be a text"))])
    return {"closed": console.close(engine(), key, _actor(principal, key), body["ids"], reason)}


@api.route("/programmes/<key>/relationships/export", "POST", tag="console", status=200,
           summary="The selected relationships as CSV or XLSX (coordinators)",
           body={"type": "object", "required": ["ids"], "additionalProperties": False,
                 "properties": {"ids": _IDS, "format": {"enum": list(exports.FORMATS)}}})
def post_bulk_export(key: str) -> Any:
    principal, body = _selection_body("format")
    fmt = body.get("format", "csv")
    if not isinstance(fmt, str) or fmt not in exports.FORMATS:
        raise console.SelectionInvalid([Problem("/format", _("must be csv or xlsx"))])
    snaps = console.selection(engine(), key, _actor(principal, key), body["ids"])
    return exports.download(exports.relationships_table(engine(), key, ids=[s.id for s in snaps]), fmt)


@api.route("/programmes/<key>/exports/<table>", "GET", tag="console",
           summary="A dashboard table (relationships, stages, overdue, activity) as CSV or XLSX (coordinators)",
           query=[{"name": "format", "schema": {"enum": list(exports.FORMATS)}},
                  {"name": "state", "schema": {"type": "string"}}, {"name": "q", "schema": {"type": "string"}}])
def get_table_export(key: str, table: str) -> Any:
    from .pages import DASHBOARD_TABLES, _dashboard_table

    principal = _principal()
    actor = _actor(principal, key)
    fmt = request.args.get("format", "csv")
    if table not in DASHBOARD_TABLES:
        abort(404)
    if fmt not in exports.FORMATS:
        raise UserError(_("format must be csv or xlsx"))
    with engine().read() as conn:
        policy.coordinator_for(conn, actor, engine().programme_id(key, conn),
                               refusal=_("Only a coordinator of programme '{key}' may do this.").format(key=key))
    return exports.download(_dashboard_table(key, table, actor.person_id or 0), fmt)
