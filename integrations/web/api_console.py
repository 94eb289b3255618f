"""REST API v1 for the coordinator console's actions (issue #17): bulk close and export, table exports, programmes
from templates with their versions and coordinators.

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
from mentorflow.errors import Forbidden, Problem, UserError
from mentorflow.i18n import _

from . import console, console_people, enrolment, enrolment_csv, exports
from . import console_programmes as programmes
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


# -- Programmes from templates, their versions and coordinators (console_programmes) ------------------------------
def _manager(key: str) -> tuple[Any, bool]:
    """The actor and whether they act as an administrator, within a limited token's programmes (403 outside)."""
    principal = _principal()
    if not principal.allows_programme(key):
        raise Forbidden(_("This token is not allowed to use programme '{key}'.").format(key=key))
    return principal.actor, principal.is_admin


_NAMES = {"type": "object", "required": list(programmes.NAME_LOCALES), "additionalProperties": False,
          "properties": {locale: {"type": "string", "minLength": 1, "maxLength": programmes.NAME_LIMIT}
                         for locale in programmes.NAME_LOCALES}}
_VERSION = {"type": "object", "properties": {
    "version": {"type": "integer"}, "workflow_version_id": {"type": "integer"}, "workflow_id": {"type": "string"},
    "digest": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
    "relationships": {"type": "integer"}, "current": {"type": "boolean"}}}
_COORDINATOR = {"type": "object", "properties": {"person_id": {"type": "integer"}, "display_name": {"type": "string"},
                                                 "email": {"type": ["string", "null"]}}}


@api.route("/programme-templates", "GET", tag="console", summary="The programme templates a programme starts from",
           response={"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}})
def get_programme_templates() -> Any:
    _principal()
    return {"items": [{"name": t.name, "title": t.title, "description": t.description, "format": t.format}
                      for t in programmes.templates(engine())]}


@api.route("/programmes", "POST", tag="console", status=201,
           summary="Create a programme from a template (administrators, coordinators of a web programme)",
           body={"type": "object", "required": ["template", "key", "name"], "additionalProperties": False,
                 "properties": {"template": {"type": "string"}, "key": {"type": "string", "pattern":
                                                                          programmes.KEY.pattern},
                                "name": _NAMES}})
def post_programme() -> Any:
    principal = _principal()
    body = json_body(("template", "key", "name"))
    unknown = sorted(set(body) - {"template", "key", "name"})
    if unknown:
        raise programmes.ProgrammeInvalid([Problem(f"/{name}", _("'{name}' is not allowed here (misspelt?)").format(
            name=name)) for name in unknown])
    if isinstance(body["key"], str) and not principal.allows_programme(body["key"].strip()):
        raise Forbidden(_("This token is not allowed to use programme '{key}'.").format(key=body["key"]))
    return programmes.create_from_template(engine(), principal.actor, body["template"], body["key"], body["name"],
                                           administrator=principal.is_admin), 201


@api.route("/programmes/<key>/versions", "GET", tag="console",
           summary="The programme's workflow versions (coordinators)",
           response={"type": "object", "properties": {"items": {"type": "array", "items": _VERSION}}})
def get_programme_versions(key: str) -> Any:
    actor, admin = _manager(key)
    return {"items": programmes.versions(engine(), key, actor, administrator=admin)}


@api.route("/programmes/<key>/coordinators", "GET", tag="console",
           summary="The programme's coordinators (coordinators)",
           response={"type": "object", "properties": {"items": {"type": "array", "items": _COORDINATOR}}})
def get_programme_coordinators(key: str) -> Any:
    actor, admin = _manager(key)
    return {"items": programmes.coordinators(engine(), key, actor, administrator=admin)}


@api.route("/programmes/<key>/coordinators", "POST", tag="console", status=201,
           summary="Make a person of the programme a coordinator (its coordinators, administrators)",
           body={"type": "object", "required": ["person_id"], "additionalProperties": False,
                 "properties": {"person_id": {"type": "integer"}}},
           response={"type": "object", "properties": {"person_id": {"type": "integer"},
                                                      "granted": {"type": "boolean"}}})
def post_programme_coordinator(key: str) -> Any:
    actor, admin = _manager(key)
    body = json_body(("person_id",))
    granted = programmes.grant_coordinator(engine(), key, actor, body["person_id"], administrator=admin)
    return {"person_id": body["person_id"], "granted": granted}, 201 if granted else 200


@api.route("/programmes/<key>/coordinators/<int:person_id>", "DELETE", tag="console",
           summary="Revoke a coordinator (never the last one; its coordinators, administrators)",
           response={"type": "object", "properties": {"person_id": {"type": "integer"},
                                                      "revoked": {"type": "boolean"}}})
def delete_programme_coordinator(key: str, person_id: int) -> Any:
    actor, admin = _manager(key)
    programmes.revoke_coordinator(engine(), key, actor, person_id, administrator=admin)
    return {"person_id": person_id, "revoked": True}


# -- People and enrolment by CSV (console_people, enrolment_csv) ------------------------------------------------
@api.route("/programmes/<key>/people", "GET", tag="console",
           summary="The programme's people with their roles and relationships (coordinators)",
           query=[{"name": "offset", "schema": {"type": "integer", "minimum": 0}}],
           response={"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}},
                                                      "total": {"type": "integer"}}})
def get_programme_people(key: str) -> Any:
    actor, admin = _manager(key)
    offset = request.args.get("offset", "0")
    if not offset.isdigit() or len(offset) > 9:
        raise UserError(_("offset must be a whole number."))
    items, total = console_people.people(engine(), key, actor, administrator=admin, offset=int(offset))
    return {"items": items, "total": total}


@api.route("/programmes/<key>/people/import", "POST", tag="console",
           summary="Enrol people from CSV text: a preview (dry_run), or everyone or nobody (coordinators)",
           body={"type": "object", "required": ["csv"], "additionalProperties": False,
                 "properties": {"csv": {"type": "string", "maxLength": enrolment_csv.MAX_BYTES,
                                        "description": "The CSV text; the first row names the columns "
                                                       "(display_name, email, role, external_id, locale)"},
                                "dry_run": {"type": "boolean", "description": "Only say what would happen"}}},
           response={"type": "object", "properties": {
               "dry_run": {"type": "boolean"}, "rows": {"type": "array", "items": {"type": "object"}},
               "counts": {"type": "object", "additionalProperties": {"type": "integer"}}}})
def post_people_import(key: str) -> Any:
    principal = _principal()
    if not principal.allows_programme(key):
        raise Forbidden(_("This token is not allowed to use programme '{key}'.").format(key=key))
    body = json_body(("csv",))
    problems = [Problem(f"/{name}", _("'{name}' is not allowed here (misspelt?)").format(name=name))
                for name in sorted(set(body) - {"csv", "dry_run"})]
    if not isinstance(body["csv"], str):
        problems.append(Problem("/csv", _("must be a text")))
    if "dry_run" in body and not isinstance(body["dry_run"], bool):
        problems.append(Problem("/dry_run", _("must be true or false")))
    if problems:
        raise enrolment_csv.ImportInvalid(problems)
    if body.get("dry_run"):
        plans = enrolment_csv.preview(engine(), key, principal.actor, body["csv"])
        return {"dry_run": True, "rows": [p.as_dict() for p in plans],
                "counts": {action: sum(p.action == action for p in plans) for action in ("new", "enrol", "unchanged")}}
    return {"dry_run": False, "counts": enrolment_csv.apply(engine(), key, principal.actor, body["csv"])}


# -- Approval, applications, invitation links (enrolment) -------------------------------------------------------
_INVITATION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "programme": {"type": "string"}, "role": {"enum": list(enrolment.ROLES)},
    "created_at": {"type": "string"}, "expires_at": {"type": "string"}, "revoked_at": {"type": ["string", "null"]},
    "uses": {"type": "integer"}}}


def _only(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise enrolment.EnrolmentInvalid([Problem(f"/{name}", _("'{name}' is not allowed here (misspelt?)").format(
            name=name)) for name in unknown])


@api.route("/programmes/<key>/enrolment", "GET", tag="console",
           summary="Whether sign-ups wait for a coordinator's approval (coordinators)",
           response={"type": "object", "properties": {"approval": {"type": "boolean"}}})
def get_enrolment(key: str) -> Any:
    actor, admin = _manager(key)
    return {"approval": enrolment.approval(engine(), key, actor, administrator=admin)}


@api.route("/programmes/<key>/enrolment", "PUT", tag="console",
           summary="Turn approval of sign-ups on or off (coordinators)",
           body={"type": "object", "required": ["approval"], "additionalProperties": False,
                 "properties": {"approval": {"type": "boolean"}}},
           response={"type": "object", "properties": {"approval": {"type": "boolean"}}})
def put_enrolment(key: str) -> Any:
    actor, admin = _manager(key)
    body = json_body(("approval",))
    _only(body, {"approval"})
    return {"approval": enrolment.set_approval(engine(), key, actor, body["approval"], administrator=admin)}


@api.route("/programmes/<key>/applications", "GET", tag="console",
           summary="The programme's applications (pending by default; coordinators)",
           query=[{"name": "status", "schema": {"enum": ["pending", "approved", "declined", "all"]}}],
           response={"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}})
def get_applications(key: str) -> Any:
    actor, admin = _manager(key)
    status = request.args.get("status", "pending")
    return {"items": enrolment.applications(engine(), key, actor, None if status == "all" else status,
                                            administrator=admin)}


@api.route("/programmes/<key>/applications/<int:application_id>/decision", "POST", tag="console",
           summary="Approve or decline a pending application; declining needs a reason the applicant reads",
           body={"type": "object", "required": ["approve"], "additionalProperties": False,
                 "properties": {"approve": {"type": "boolean"},
                                "reason": {"type": "string", "maxLength": enrolment.REASON_LIMIT}}},
           response={"type": "object", "properties": {"id": {"type": "integer"}, "status": {"type": "string"},
                                                      "reason": {"type": ["string", "null"]}}})
def post_application_decision(key: str, application_id: int) -> Any:
    actor, admin = _manager(key)
    body = json_body(("approve",))
    _only(body, {"approve", "reason"})
    return enrolment.decide(engine(), key, actor, application_id, body["approve"], body.get("reason"),
                            administrator=admin)


@api.route("/programmes/<key>/invitations", "GET", tag="console", summary="The programme's invitation links",
           response={"type": "object", "properties": {"items": {"type": "array", "items": _INVITATION}}})
def get_invitations(key: str) -> Any:
    actor, admin = _manager(key)
    return {"items": [i.as_dict() for i in enrolment.invitations(engine(), key, actor, administrator=admin)]}


@api.route("/programmes/<key>/invitations", "POST", tag="console", status=201,
           summary="Make an invitation link for a role (the secret is shown once; coordinators)",
           body={"type": "object", "required": ["role"], "additionalProperties": False,
                 "properties": {"role": {"enum": list(enrolment.ROLES)},
                                "days": {"type": "integer", "minimum": 1, "maximum": enrolment.MAX_DAYS}}},
           response={"type": "object", "properties": {"secret": {"type": "string"}, "url": {"type": "string"},
                                                      "invitation": _INVITATION}})
def post_invitation(key: str) -> Any:
    from flask import url_for

    actor, admin = _manager(key)
    body = json_body(("role",))
    _only(body, {"role", "days"})
    secret, info = enrolment.create_invitation(engine(), key, actor, body["role"],
                                               body.get("days", enrolment.DEFAULT_DAYS), administrator=admin)
    return {"secret": secret, "url": url_for("join", secret=secret, _external=True),
            "invitation": info.as_dict()}, 201


@api.route("/programmes/<key>/invitations/<int:invitation_id>", "DELETE", tag="console",
           summary="Withdraw an invitation link (coordinators)",
           response={"type": "object", "properties": {"id": {"type": "integer"}, "revoked": {"type": "boolean"}}})
def delete_invitation(key: str, invitation_id: int) -> Any:
    actor, admin = _manager(key)
    enrolment.revoke_invitation(engine(), key, actor, invitation_id, administrator=admin)
    return {"id": invitation_id, "revoked": True}


@api.route("/invitations/accept", "POST", tag="console",
           summary="Sign up through an invitation link as yourself: enrolled, or a pending application",
           body={"type": "object", "required": ["secret"], "additionalProperties": False,
                 "properties": {"secret": {"type": "string"},
                                "profile": {"type": "object", "description": "The programme's sign-up profile"}}},
           response={"type": "object", "properties": {"status": {"enum": ["enrolled", "pending", "already"]},
                                                      "programme": {"type": "string"}, "role": {"type": "string"}}})
def post_invitation_accept() -> Any:
    principal = _principal()
    if principal.person_id is None:
        raise Forbidden(_("Only a person signs up; this token acts for no one."))
    body = json_body(("secret",))
    _only(body, {"secret", "profile"})
    invited = enrolment.invitation(engine(), body["secret"])
    if not principal.allows_programme(invited.programme):
        raise Forbidden(_("This token is not allowed to use programme '{key}'.").format(key=invited.programme))
    return enrolment.accept(engine(), body["secret"], principal.person_id, body.get("profile"))


@api.route("/me/applications", "GET", tag="console", summary="My applications to programmes, with the decisions",
           response={"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}})
def get_my_applications() -> Any:
    principal = _principal()
    return {"items": enrolment.my_applications(engine(), principal.person_id) if principal.person_id else []}
