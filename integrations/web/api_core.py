"""REST API v1: programmes, people, relationships, transitions and timelines.

Every view asks :func:`current_principal` who is asking and checks, per
object, that they may read or change it (through the engine's roles and
:mod:`mentorflow.policy`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from mentorflow.actors import Actor
from mentorflow.engine import Engine
from mentorflow.errors import Forbidden, NotFound, UserError
from mentorflow.i18n import _
from mentorflow.policy import WEB_OWNER, Publisher, Viewer, relationship_for
from mentorflow.queries import redact_entry
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.text import check_person
from mentorflow.workflow.diagram import to_dot, to_mermaid

from . import serializers as ser
from .apidoc import ApiRegistry
from .auth import Principal, current_principal
from .requests import int_field, json_body, page_args, paginated

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")
api = ApiRegistry(blueprint, "/api/v1")


def engine() -> Engine:
    return current_app.extensions["mentorflow"].engine


def _principal() -> Principal:
    principal = current_principal()
    assert principal is not None
    return principal


def _programme_roles(principal: Principal, key: str) -> set[str]:
    if not principal.allows_programme(key):
        raise Forbidden(_("This token is not allowed to use programme '{key}'.").format(key=key))
    if principal.is_admin:
        return {"admin"}
    if principal.person_id is None:
        return set()
    return engine().programme_roles(key, principal.person_id)


def _require_coordinator(principal: Principal, key: str) -> None:
    if not (_programme_roles(principal, key) & {"admin", "coordinator"}):
        raise Forbidden(_("Only a coordinator of programme '{key}' may do this.").format(key=key))


def _programme_key(programme_id: int) -> str:
    for row in engine().programmes():
        if row["id"] == programme_id:
            return row["key"]
    raise NotFound(_("Programme {id} does not exist.").format(id=programme_id))


def in_token_scope(principal: Principal, programme_id: int) -> bool:
    """False when the principal's token is limited to programmes that do not include this one."""
    if principal.token is None or principal.token.programmes is None:
        return True
    return principal.allows_programme(_programme_key(programme_id))


def _visible_relationship(principal: Principal, relationship_id: int) -> tuple[RelationshipSnapshot, Viewer]:
    """The relationship when the principal may see it; 404 otherwise (so ids do not leak).

    Who may see it is :func:`mentorflow.policy.relationship_for`'s answer (administrators read as
    :data:`mentorflow.policy.ADMINISTRATOR`); the token's programme scope is the web service's own.
    """
    with engine().read() as conn:
        snap, viewer = relationship_for(conn, principal.actor, relationship_id, administrator=principal.is_admin)
    # A token limited to some programmes sees nothing of the others, whoever it acts for.
    if not in_token_scope(principal, snap.programme_id):
        raise NotFound(_("Relationship {id} does not exist.").format(id=relationship_id))
    return snap, viewer


def _relationship_json(snaps: list[RelationshipSnapshot]) -> list[dict[str, Any]]:
    names = engine().display_names({p for s in snaps for p in (s.mentor_id, s.mentee_id) if p is not None})
    return [ser.relationship(engine(), s, names) for s in snaps]


@api.route("/me", "GET", summary="Who am I", tag="people")
def me() -> Any:
    principal = _principal()
    if principal.person_id is None:
        return {"person": None, "is_admin": principal.is_admin}
    acting_for_someone = principal.token is not None and principal.token.person_id != principal.person_id
    # An administrator token limited to some programmes may act only for people of those programmes.
    person = (_visible_person(principal, principal.person_id) if acting_for_someone
              else engine().person(principal.person_id))
    return {"person": {"id": person["id"], "display_name": person["display_name"], "email": person["email"],
                       "locale": person["locale"]}, "is_admin": principal.is_admin,
            "programmes": [{"key": p["key"], "roles": p["roles"]} for p in engine().programmes(principal.person_id)
                           if principal.allows_programme(p["key"])]}


@api.route("/programmes", "GET", summary="Programmes I take part in (all, for administrators)", tag="programmes")
def list_programmes() -> Any:
    principal = _principal()
    rows = engine().programmes(None if principal.is_admin else principal.person_id or -1)
    return {"items": [{"key": r["key"], "name": r["name"], "context": r["context"], "roles": r["roles"]}
                      for r in rows if principal.allows_programme(r["key"])]}


@api.route("/programmes/<key>", "GET", summary="A programme, with counts per state for coordinators",
           tag="programmes")
def get_programme(key: str) -> Any:
    principal = _principal()
    roles = _programme_roles(principal, key)
    if not roles:
        raise NotFound(_("Programme '{key}' does not exist.").format(key=key))
    version_id, workflow = engine().current_workflow(key)
    body: dict[str, Any] = {"key": key, "name": workflow.name(), "context": workflow.programme["context"],
                            "workflow_version_id": version_id, "roles": sorted(roles)}
    if roles & {"admin", "coordinator"}:
        body["relationships_per_state"] = engine().count_relationships(key)
    return body


@api.route("/programmes/<key>/workflow", "GET", summary="The programme's current workflow document", tag="programmes")
def get_workflow(key: str) -> Any:
    principal = _principal()
    if not _programme_roles(principal, key):
        raise NotFound(_("Programme '{key}' does not exist.").format(key=key))
    version_id, workflow = engine().current_workflow(key)
    return {"workflow_version_id": version_id, "document": workflow.document}


@api.route("/programmes/<key>/workflow", "PUT", summary="Publish a new workflow version (creates the programme)",
           tag="programmes", body={"type": "object", "description": "A workflow document"}, status=201)
def put_workflow(key: str) -> Any:
    principal = _principal()
    exists = any(p["key"] == key for p in engine().programmes())
    if exists:
        _require_coordinator(principal, key)
    elif not (principal.is_admin and principal.allows_programme(key)):
        raise Forbidden(_("Only an administrator may create a programme."))
    # Whose programme it is and which privacy settings widen are decided in policy.publish_problems (in the engine).
    publisher = Publisher(WEB_OWNER, administrator=principal.is_admin,
                          coordinator=exists and "coordinator" in _programme_roles(principal, key))
    published = engine().publish_workflow(key, json_body(), source="request", publisher=publisher)
    return {"programme": key, "version": published.version, "workflow_version_id": published.workflow_version_id,
            "created": published.created}, 201 if published.created else 200


@api.route("/programmes/<key>/diagram", "GET", summary="The workflow as a Mermaid or DOT diagram", tag="programmes",
           query=[{"name": "format", "schema": {"enum": ["mermaid", "dot"]}}])
def get_diagram(key: str) -> Any:
    principal = _principal()
    if not _programme_roles(principal, key):
        raise NotFound(_("Programme '{key}' does not exist.").format(key=key))
    _version, workflow = engine().current_workflow(key)
    fmt = request.args.get("format", "mermaid")
    if fmt not in ("mermaid", "dot"):
        raise UserError(_("format must be mermaid or dot."))
    return {"format": fmt, "diagram": (to_dot if fmt == "dot" else to_mermaid)(workflow)}


@api.route("/programmes/<key>/roles", "POST", summary="Give a person a programme role", tag="programmes",
           body={"type": "object", "required": ["person_id", "role"], "properties": {
               "person_id": {"type": "integer"}, "role": {"enum": ["coordinator", "mentor", "mentee"]}}}, status=201)
def post_role(key: str) -> Any:
    principal = _principal()
    _require_coordinator(principal, key)
    body = json_body(("person_id", "role"))
    person_id = int_field(body, "person_id")
    assert person_id is not None
    _enrollable_person(principal, person_id)
    engine().grant_role(key, person_id, str(body["role"]))
    return {"programme": key, "person_id": person_id, "role": body["role"]}, 201


@api.route("/people", "POST", summary="Create a person (coordinators and administrators)", tag="people",
           body={"type": "object", "required": ["display_name"], "properties": {
               "display_name": {"type": "string"}, "email": {"type": "string"}, "locale": {"enum": ["en", "da"]},
               "external_ids": {"type": "object", "additionalProperties": {"type": "string"}}}}, status=201)
def post_person() -> Any:
    principal = _principal()
    if not principal.is_admin and not any("coordinator" in p["roles"]
                                          for p in engine().programmes(principal.person_id or -1)):
        raise Forbidden(_("Only coordinators and administrators may create people."))
    body = json_body(("display_name",))
    # Located problems for the name and the address together (the engine checks again, by the same rules).
    name, email = check_person(body["display_name"], body.get("email"), form="request")
    locale = body.get("locale", "en")
    if locale not in ("en", "da"):
        raise UserError(_("locale must be en or da."))
    external = body.get("external_ids") or {}
    if not isinstance(external, dict):
        raise UserError(_("external_ids must be an object."))
    person_id = engine().add_person(name, email=email, locale=locale,
                                    external_ids={str(k): str(v) for k, v in external.items()})
    return {"id": person_id, "display_name": name}, 201


@api.route("/people/<int:person_id>", "GET", summary="A person (yourself, or someone you work with)", tag="people")
def get_person(person_id: int) -> Any:
    principal = _principal()
    person = _visible_person(principal, person_id)
    if principal.is_admin or principal.person_id == person_id:
        return {k: person[k] for k in ("id", "display_name", "email", "locale")}
    mine, _total = engine().list_relationships(person_id=principal.person_id or -1,
                                               coordinator_id=principal.person_id or -1, limit=10_000)
    # A limited token works with people only through the relationships of its own programmes.
    if any(person_id in (r.mentor_id, r.mentee_id) and in_token_scope(principal, r.programme_id) for r in mine):
        return {"id": person["id"], "display_name": person["display_name"]}
    raise NotFound(_("Person {id} does not exist.").format(id=person_id))


def _enrollable_person(principal: Principal, person_id: int) -> None:
    """404 unless the person exists and a programme-limited token may give them a role (see
    :func:`mentorflow.policy.may_enrol_through_scope`)."""
    from mentorflow.policy import may_enrol_through_scope

    scope = principal.token.programmes if principal.token is not None else None
    with engine().read() as conn:
        allowed = may_enrol_through_scope(conn, person_id, scope)
    try:
        engine().person(person_id)
    except NotFound:
        allowed = False
    if not allowed:
        raise NotFound(_("Person {id} does not exist.").format(id=person_id))


def _visible_person(principal: Principal, person_id: int) -> dict[str, Any]:
    """The person when they exist and the principal's token scope reaches them; the same 404 otherwise."""
    from mentorflow.policy import person_in_programmes

    missing = NotFound(_("Person {id} does not exist.").format(id=person_id))
    scope = principal.token.programmes if principal.token is not None else None
    with engine().read() as conn:
        if not person_in_programmes(conn, person_id, scope):
            raise missing
    try:
        return engine().person(person_id)
    except NotFound:
        raise missing from None


@api.route("/relationships", "GET", summary="Relationships I may see (paginated)", tag="relationships",
           response=ser.page_of(ser.RELATIONSHIP_SCHEMA),
           query=[{"name": "programme", "schema": {"type": "string"}}, {"name": "state", "schema": {"type": "string"}},
                  {"name": "page", "schema": {"type": "integer"}}, {"name": "per_page", "schema": {"type": "integer"}}])
def list_relationships() -> Any:
    principal = _principal()
    page, per_page = page_args()
    programme = request.args.get("programme")
    if programme is not None:
        _programme_roles(principal, programme)
    if programme is None and principal.token is not None and principal.token.programmes is not None:
        raise UserError(_("This token is limited to some programmes; name one with ?programme=."))
    if principal.is_admin:
        snaps, total = engine().list_relationships(programme=programme, state=request.args.get("state"),
                                                   limit=per_page, offset=(page - 1) * per_page)
    else:
        person = principal.person_id if principal.person_id is not None else -1
        snaps, total = engine().list_relationships(programme=programme, person_id=person, coordinator_id=person,
                                                   state=request.args.get("state"), limit=per_page,
                                                   offset=(page - 1) * per_page)
    return paginated(_relationship_json(snaps), total, page, per_page)


@api.route("/relationships", "POST", summary="Start a relationship (coordinators and administrators)",
           tag="relationships", status=201, response=ser.RELATIONSHIP_SCHEMA,
           body={"type": "object", "required": ["programme", "mentee_id"], "properties": {
               "programme": {"type": "string"}, "mentee_id": {"type": "integer"}, "mentor_id": {"type": "integer"}}})
def post_relationship() -> Any:
    principal = _principal()
    body = json_body(("programme", "mentee_id"))
    key = str(body["programme"])
    _require_coordinator(principal, key)
    snap = engine().start_relationship(key, mentee=int_field(body, "mentee_id"),  # type: ignore[arg-type]
                                       mentor=int_field(body, "mentor_id", optional=True), actor=principal.actor)
    return _relationship_json([snap])[0], 201


@api.route("/relationships/<int:relationship_id>", "GET", summary="A relationship and what I may do next",
           tag="relationships")
def get_relationship(relationship_id: int) -> Any:
    principal = _principal()
    snap, _viewer = _visible_relationship(principal, relationship_id)
    body = _relationship_json([snap])[0]
    if not principal.is_admin:
        body["next"] = [ser.availability(a) for a in engine().available_transitions(snap, principal.actor)]
    return body


@api.route("/relationships/<int:relationship_id>/transitions", "GET",
           summary="Transitions out of the current state, with the reasons any is blocked for me",
           tag="relationships")
def get_transitions(relationship_id: int) -> Any:
    principal = _principal()
    snap, _viewer = _visible_relationship(principal, relationship_id)
    return {"items": [ser.availability(a) for a in engine().available_transitions(snap, principal.actor)]}


@api.route("/relationships/<int:relationship_id>/transitions/<transition>", "POST",
           summary="Fire a transition (send the version you read to detect concurrent changes)", tag="relationships",
           body={"type": "object", "properties": {"data": {"type": "object"}, "version": {"type": "integer"}}},
           response=ser.RELATIONSHIP_SCHEMA)
def post_transition(relationship_id: int, transition: str) -> Any:
    principal = _principal()
    snap, _viewer = _visible_relationship(principal, relationship_id)
    if principal.person_id is None:
        raise Forbidden(_("Transitions are fired by a person; administrator tokens act for one with "
                          "X-Mentorflow-Act-As."))
    body = json_body()
    data = body.get("data")
    version = int_field(body, "version", optional=True)
    if request.headers.get("If-Match") and version is None:
        try:
            version = int(request.headers["If-Match"].strip('"W/'))
        except ValueError:
            raise UserError(_("If-Match must be the relationship version.")) from None
    target: RelationshipSnapshot | int = snap
    if version is not None:
        from dataclasses import replace

        target = replace(snap, version=version)
    result = engine().fire(target, transition, principal.actor, data)
    return _relationship_json([result.relationship])[0]


@api.route("/relationships/<int:relationship_id>/timeline", "GET", summary="The relationship's audit timeline",
           tag="relationships")
def get_timeline(relationship_id: int) -> Any:
    principal = _principal()
    snap, viewer = _visible_relationship(principal, relationship_id)
    if principal.is_admin:
        workflow = engine().workflow_by_version(snap.workflow_version_id)
        settings = workflow.programme.get("settings")
        entries = [redact_entry(e, workflow, viewer, settings) for e in engine().timeline(snap)]
    else:
        entries = engine().timeline(snap, viewer=principal.actor)
    return {"items": [ser.audit_entry(e) for e in entries]}


@api.route("/people/<int:person_id>/export", "GET",
           summary="Everything stored about a person (the person, their coordinators, administrators)", tag="people")
def export_person_data(person_id: int) -> Any:
    from mentorflow.gdpr import export_person

    principal = _principal()
    _visible_person(principal, person_id)
    # The export holds the person's private notes too: mentorflow.policy.export_access decides who gets it
    # (the person, or an administrator whose token is not limited to some programmes, since the export
    # spans every programme). A token limited to some programmes never exports.
    scoped = principal.token is not None and principal.token.programmes is not None
    requester = Actor.person(principal.person_id) if principal.person_id is not None and not scoped else None
    return export_person(engine(), person_id, requester, administrator=principal.is_admin and not scoped)


@api.route("/people/<int:person_id>/erase", "POST", summary="Pseudonymise a person everywhere (administrators)",
           tag="people")
def erase_person_data(person_id: int) -> Any:
    from mentorflow.gdpr import erase_person

    principal = _principal()
    if not principal.is_admin or (principal.token is not None and principal.token.programmes is not None):
        raise Forbidden(_("Only administrators with an unrestricted token may erase a person."))
    return {"id": person_id, "pseudonym": erase_person(engine(), person_id)}
