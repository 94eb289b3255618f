"""Programmes from the console (issue #17): create one from a template, list its versions, grant and revoke
coordinators.

Framework-free, like :mod:`.console`: the console's pages (:mod:`.console_programme_pages`) and the REST API
(:mod:`.api_console`) call these functions, so both make the same checks. Who may do what is decided in
:mod:`mentorflow.policy` (:func:`~mentorflow.policy.may_create_programme`,
:func:`~mentorflow.policy.coordinators_problems`). A template is loaded and validated by the very loader the command
line's ``mentorflow templates`` and ``mentorflow validate`` use (:func:`mentorflow.registry.programme_templates`,
:meth:`mentorflow.engine.Engine.publish_workflow`). Every grant and revocation is logged with who made it.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select

from mentorflow import policy
from mentorflow.actors import Actor, as_actor
from mentorflow.clock import as_utc
from mentorflow.db.models import Person, Programme, ProgrammeRole, Relationship, WorkflowVersion
from mentorflow.engine import Engine
from mentorflow.errors import Forbidden, FormInvalid, NotFound, Problem, ProblemsError, UserError
from mentorflow.i18n import _, localized
from mentorflow.registry import programme_templates
from mentorflow.tenancy import owner_in
from mentorflow.workflow.loader import parse_document

log = logging.getLogger("mentorflow.console")
P, W, T, R, PEOPLE = (Programme.__table__, WorkflowVersion.__table__, ProgrammeRole.__table__,
                      Relationship.__table__, Person.__table__)
KEY = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
"""A programme key: lower-case letters, digits and inner hyphens, 1 to 64 characters (it appears in addresses)."""
NAME_LIMIT = 200
NAME_LOCALES = ("en", "da")
"""The languages a programme's name is given in when it is created from the console."""


class ProgrammeInvalid(ProblemsError):
    """What a coordinator typed to create a programme, with a problem per field (nothing was created)."""

    status = 422
    kind = "invalid-programme"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_("The programme cannot be created:"), problems)

    def title(self) -> str:
        return _("Invalid programme")


@dataclass(frozen=True)
class Template:
    """A programme template the server offers (built in, or from a plugin)."""

    name: str
    title: str
    description: str
    format: str


def templates(engine: Engine) -> list[Template]:
    """The templates, in the viewer's language, as ``mentorflow templates`` lists them."""
    out = []
    for name, path in programme_templates(engine.pm).items():
        document = parse_document(path.read_bytes(), name)
        programme = document.get("programme") or {}
        shape = programme.get("format", "pair")
        kind = shape.get("kind", "pair") if isinstance(shape, dict) else shape
        out.append(Template(name, localized(programme.get("name")) or name,
                            localized(programme.get("description")) or "", str(kind)))
    return out


def _template_document(engine: Engine, name: Any) -> dict[str, Any] | None:
    found = programme_templates(engine.pm).get(name) if isinstance(name, str) else None
    return None if found is None else parse_document(found.read_bytes(), name)


def _text(value: Any, at: str, problems: list[Problem]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(at, _("is required")))
        return ""
    text = unicodedata.normalize("NFC", value.strip())
    if len(text) > NAME_LIMIT:
        problems.append(Problem(at, _("at most {n} characters").format(n=NAME_LIMIT)))
    elif any(unicodedata.category(c).startswith("C") for c in text):
        problems.append(Problem(at, _("must not contain control characters")))
    return text


def create_from_template(engine: Engine, actor: Actor | int, template: Any, key: Any, names: Any, *,
                         administrator: bool = False) -> dict[str, Any]:
    """Create programme ``key`` from ``template`` named ``names`` (``{"en": …, "da": …}``); its creator coordinates it.

    Every problem of the input is reported at once, each at its field (``/template``, ``/key``, ``/name/en``,
    ``/name/da``), and nothing is written. A key already taken is a problem at ``/key``.
    """
    actor = as_actor(actor)
    with engine.read() as conn:
        if not policy.may_create_programme(conn, actor, administrator=administrator):
            raise Forbidden(_("Only an administrator or a coordinator of one of the organisation's programmes may "
                              "create a programme."))
    problems: list[Problem] = []
    document = _template_document(engine, template)
    if document is None:
        problems.append(Problem("/template", _("choose one of the templates")))
    if not isinstance(key, str) or not KEY.fullmatch(key.strip()):
        problems.append(Problem("/key", _("1 to 64 lower-case letters, digits and hyphens, such as "
                                          "mentoring-2027")))
        key = ""
    else:
        key = key.strip()
        with engine.read() as conn:
            if conn.execute(select(P.c.id).where(P.c.key == key)).first() is not None:
                problems.append(Problem("/key", _("a programme with this key exists already")))
    names = names if isinstance(names, dict) else {}
    chosen = {locale: _text(names.get(locale), f"/name/{locale}", problems) for locale in NAME_LOCALES}
    if problems or document is None:
        raise ProgrammeInvalid(problems)
    document = copy.deepcopy(document)
    document["programme"]["name"] = chosen
    publisher = policy.Publisher(policy.WEB_OWNER, administrator=administrator, creator=True, sanctioned=True)
    published = engine.publish_workflow(key, document, source=f"template:{template}", publisher=publisher)
    if actor.person_id is not None:
        engine.grant_role(key, actor.person_id, "coordinator")
    log.info(json.dumps({"event": "programme_created", "programme": key, "template": template,
                         "by": actor.person_id}))
    return {"key": key, "template": template, "version": published.version, "name": chosen}


def _coordinated(engine: Engine, key: str, actor: Actor, administrator: bool) -> int:
    """The programme's id, for a coordinator of it or an administrator (Forbidden for anyone else)."""
    with engine.read() as conn:
        programme_id = engine.programme_id(key, conn)
        if not administrator:
            policy.coordinator_for(conn, actor, programme_id,
                                   refusal=_("Only a coordinator of programme '{key}' may do this.").format(key=key))
    return programme_id


def versions(engine: Engine, key: str, actor: Actor | int, *, administrator: bool = False) -> list[dict[str, Any]]:
    """The programme's workflow versions, newest first, with how many relationships run on each."""
    programme_id = _coordinated(engine, key, as_actor(actor), administrator)
    with engine.read() as conn:
        pinned: dict[int, int] = dict(conn.execute(select(R.c.workflow_version_id, func.count()).where(
            R.c.programme_id == programme_id).group_by(R.c.workflow_version_id)).all())
        rows = conn.execute(select(W.c.id, W.c.version, W.c.workflow_id, W.c.digest, W.c.created_at).where(
            W.c.programme_id == programme_id).order_by(W.c.version.desc())).all()
    return [{"version": r.version, "workflow_version_id": r.id, "workflow_id": r.workflow_id,
             "digest": r.digest, "created_at": as_utc(r.created_at).isoformat(), "relationships": pinned.get(r.id, 0),
             "current": i == 0} for i, r in enumerate(rows)]


def coordinators(engine: Engine, key: str, actor: Actor | int, *, administrator: bool = False
                 ) -> list[dict[str, Any]]:
    """Every coordinator of the programme (id, name, e-mail address), by name."""
    programme_id = _coordinated(engine, key, as_actor(actor), administrator)
    with engine.read() as conn:
        rows = conn.execute(select(PEOPLE.c.id, PEOPLE.c.display_name, PEOPLE.c.email).join(
            T, T.c.person_id == PEOPLE.c.id).where(T.c.programme_id == programme_id, T.c.role == "coordinator")
            .order_by(PEOPLE.c.display_name, PEOPLE.c.id)).all()
    return [{"person_id": r.id, "display_name": r.display_name, "email": r.email} for r in rows]


def candidates(engine: Engine, key: str, actor: Actor | int) -> list[dict[str, Any]]:
    """People of the programme (any role) who do not coordinate it: whom a coordinator may make a coordinator."""
    programme_id = _coordinated(engine, key, as_actor(actor), False)
    with engine.read() as conn:
        coordinating = select(T.c.person_id).where(T.c.programme_id == programme_id, T.c.role == "coordinator")
        rows = conn.execute(select(PEOPLE.c.id, PEOPLE.c.display_name).join(T, T.c.person_id == PEOPLE.c.id).where(
            T.c.programme_id == programme_id, PEOPLE.c.id.not_in(coordinating)).distinct()
            .order_by(PEOPLE.c.display_name, PEOPLE.c.id)).all()
    return [{"person_id": r.id, "display_name": r.display_name} for r in rows]


def _person_id(raw: Any) -> int:
    text = str(raw).strip() if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not text.isdigit() or len(text) > 18:
        raise FormInvalid("person", [Problem("/person_id", _("must be a person id (a whole number)"))])
    return int(text)


def _check_manager(conn: Any, key: str, actor: Actor, administrator: bool) -> int:
    programme_id = _programme_id(conn, key)
    owner = owner_in(conn, key)
    assert owner is not None
    refusal = policy.coordinators_problems(conn, actor, programme_id, owner, administrator=administrator)
    if refusal is not None:
        raise Forbidden(refusal)
    return programme_id


def _programme_id(conn: Any, key: str) -> int:
    programme_id: int | None = conn.execute(select(P.c.id).where(P.c.key == key)).scalar()
    if programme_id is None:
        raise NotFound(_("Programme '{key}' does not exist.").format(key=key))
    return programme_id


def grant_coordinator(engine: Engine, key: str, actor: Actor | int, person: Any, *,
                      administrator: bool = False) -> bool:
    """Make ``person`` a coordinator of the programme; False when they were one already.

    A coordinator names only someone already of the programme (:func:`mentorflow.policy.may_pair`): anyone
    else is answered exactly as a person who does not exist. An administrator names anyone.
    """
    actor, person_id = as_actor(actor), _person_id(person)
    with engine.write() as conn:
        programme_id = _check_manager(conn, key, actor, administrator)
        exists = conn.execute(select(PEOPLE.c.id).where(PEOPLE.c.id == person_id)).first() is not None
        visible = administrator or policy.may_pair(conn, programme_id, actor, person_id)
        if not exists or not visible:
            raise NotFound(_("Person {id} does not exist.").format(id=person_id))
        if conn.execute(select(T.c.id).where(T.c.programme_id == programme_id, T.c.person_id == person_id,
                                             T.c.role == "coordinator")).first() is not None:
            return False
        conn.execute(insert(T).values(programme_id=programme_id, person_id=person_id, role="coordinator"))
    log.info(json.dumps({"event": "coordinator_granted", "programme": key, "person": person_id,
                         "by": actor.person_id, "administrator": administrator}))
    return True


def revoke_coordinator(engine: Engine, key: str, actor: Actor | int, person: Any, *,
                       administrator: bool = False) -> None:
    """Take the coordinator role away from ``person``; never from the last coordinator (someone must run it)."""
    actor, person_id = as_actor(actor), _person_id(person)
    with engine.write() as conn:
        programme_id = _check_manager(conn, key, actor, administrator)
        holders = set(conn.execute(select(T.c.person_id).where(T.c.programme_id == programme_id,
                                                               T.c.role == "coordinator")).scalars())
        if person_id not in holders:
            raise NotFound(_("Person {id} is not a coordinator of programme '{key}'.").format(id=person_id, key=key))
        if holders == {person_id}:
            raise UserError(_("A programme keeps at least one coordinator: grant another before revoking this one."))
        conn.execute(delete(T).where(T.c.programme_id == programme_id, T.c.person_id == person_id,
                                     T.c.role == "coordinator"))
    log.info(json.dumps({"event": "coordinator_revoked", "programme": key, "person": person_id,
                         "by": actor.person_id, "administrator": administrator}))
