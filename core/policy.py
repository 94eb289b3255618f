"""Who may read what: the one place confidentiality rules live.

Every read of relationship content (API, pages, XBlock, exports, plugin
query functions) asks this module. The rules, from mentoring practice:

- ``private`` items (private meeting notes, private reflections) are seen by
  their author only;
- ``pair`` items (the agreement, goals, shared notes, reflections: what is
  shared "with the mentor") are seen by every member except the author's
  fellow mentees (or peers): a mentee's reach the mentors, a guide's or a
  coordinator's reach everyone. In a pair that is the mentor and the
  mentee, as it always was; in a group another mentee does not see it;
- ``group`` items (a form that says ``"shared_with": "group"``) are seen by
  every member;
- coordinators see only that ``pair`` and ``group`` items exist and when
  (metadata) unless the programme sets
  ``settings.privacy.coordinator_sees_content`` to true;
- ``programme`` items (state, dates, counts) are seen by the pair and the
  programme's coordinators;
- the system (timers, exports run by the engine itself) sees everything;
- a person's data-subject export goes to that person, the system and
  unrestricted administrators only (:func:`export_access`);
- a token limited to some programmes sees a person only when that person
  is a member (coordinator, mentor, mentee, or a party to a relationship)
  of one of those programmes (:func:`person_in_programmes`).

Who someone is on a relationship (a member: mentor, mentee, facilitator or
peer; a coordinator of its programme, the system, an administrator, or nobody) is worked out here too,
once, for every caller: the transition runner (:func:`acting_role`), the
engine's reads and the plugins' query functions (:func:`viewer_for`,
:func:`relationship_for`), and programme-wide figures
(:func:`coordinator_for`). A stranger gets the very error a relationship id
that does not exist gets, so ids tell nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from mentorflow.actors import GUIDING_ROLES, ROLES, Actor, as_actor
from mentorflow.db.models import Programme, ProgrammeRole, Relationship, RelationshipMember
from mentorflow.db.reads import remembered
from mentorflow.errors import Forbidden, Problem
from mentorflow.i18n import _
from mentorflow.relationships import ever_member, missing, read_relationship
from mentorflow.snapshots import MEMBER_ROLES, RelationshipSnapshot

ADMIN = "admin"
"""The role of a web administrator reading any relationship (see :data:`ADMINISTRATOR`)."""


class Visibility(StrEnum):
    PRIVATE = "private"
    PAIR = "pair"
    """Shared with the mentor: the author and the members who guide (all members, when a guide wrote it)."""
    GROUP = "group"
    """Shared with the group: every member."""
    PROGRAMME = "programme"


class Access(StrEnum):
    """How much of an item a viewer gets."""

    NONE = "none"
    METADATA = "metadata"
    """That it exists, who wrote it and when — not its content."""
    FULL = "full"


@dataclass(frozen=True, slots=True)
class Viewer:
    """An actor together with the roles they hold on one relationship."""

    actor: Actor
    roles: frozenset[str]
    fellows: frozenset[int] = frozenset()
    """For a mentee or peer: the other mentees or peers, current and past, whose "shared with the mentor"
    items this viewer does not read (empty in a pair: there is no other mentee)."""

    @property
    def is_system(self) -> bool:
        return self.actor.is_system

    @property
    def is_participant(self) -> bool:
        """A member of the relationship, in any role."""
        return bool(self.roles & _MEMBER_ROLES)

    @property
    def is_guide(self) -> bool:
        return bool(self.roles & GUIDING_ROLES)

    @property
    def is_coordinator(self) -> bool:
        return "coordinator" in self.roles

    @property
    def may_see_relationship(self) -> bool:
        return self.is_system or bool(self.roles)

    @property
    def role(self) -> str | None:
        """The role the viewer acts in by default: the first they hold of mentor, mentee, coordinator, system."""
        return next((r for r in ROLES if r in self.roles), None)


ADMINISTRATOR = Viewer(Actor.person(0), frozenset({ADMIN, "coordinator"}))
"""How a web administrator reads a relationship: as a coordinator of every programme, and never as an
author (person 0 is nobody), so private items stay private and pair content follows the programme's setting."""


def coordinator_sees_content(programme_settings: Mapping[str, Any] | None) -> bool:
    """True only for an explicit JSON ``true``: a string such as ``"false"`` must never open content."""
    privacy = (programme_settings or {}).get("privacy") or {}
    return isinstance(privacy, Mapping) and privacy.get("coordinator_sees_content") is True


def settings_problems(document: Mapping[str, Any]) -> list[Problem]:
    """Problems with ``programme.settings.privacy`` (checked whenever a workflow is loaded)."""
    settings = (document.get("programme") or {}).get("settings") if isinstance(document, Mapping) else None
    if not isinstance(settings, Mapping) or "privacy" not in settings:
        return []
    at = "/programme/settings/privacy"
    privacy = settings["privacy"]
    if not isinstance(privacy, Mapping):
        return [Problem(at, _("must be an object such as {\"coordinator_sees_content\": false}"))]
    problems = [Problem(f"{at}/{key}", _("'{name}' is not allowed here (misspelt?)").format(name=key))
                for key in sorted(set(privacy) - {"coordinator_sees_content"})]
    if "coordinator_sees_content" in privacy and not isinstance(privacy["coordinator_sees_content"], bool):
        problems.append(Problem(f"{at}/coordinator_sees_content", _("must be true or false")))
    return problems


# -- Who someone is on a relationship: the one answer --------------------------------------------------------
_IS_COORDINATOR = select(ProgrammeRole.__table__.c.id).where(
    ProgrammeRole.__table__.c.programme_id == bindparam("pid"), ProgrammeRole.__table__.c.person_id == bindparam(
        "person"), ProgrammeRole.__table__.c.role == "coordinator").limit(1)
_ONLY = {role: frozenset({role}) for role in ROLES}
_MEMBER_ROLES = frozenset(MEMBER_ROLES)
_GUIDED_ROLES = _MEMBER_ROLES - GUIDING_ROLES
_FELLOWS = select(RelationshipMember.__table__.c.person_id).where(
    RelationshipMember.__table__.c.relationship_id == bindparam("rid"),
    RelationshipMember.__table__.c.role.in_(sorted(_GUIDED_ROLES)),
    RelationshipMember.__table__.c.person_id != bindparam("person"))


def is_coordinator(conn: Connection, programme_id: int, person_id: int | None) -> bool:
    """Whether the person coordinates the programme (asked once per read scope; see mentorflow.db.reads)."""
    return remembered(conn, ("coordinator", programme_id, person_id), lambda: conn.execute(
        _IS_COORDINATOR, {"pid": programme_id, "person": person_id}).first() is not None)


def acting_role(conn: Connection, snap: RelationshipSnapshot, actor: Actor, allowed: frozenset[str] | set[str],
                coordinator: bool | None = None) -> str | None:
    """The role under which ``actor`` may act on the relationship where ``allowed`` roles may, or None.

    The one rule: ``system`` for the system, the member role the actor holds on this relationship (a
    person holds one), ``coordinator`` of its programme, tried in that order, so the database is asked
    only when the members do not already answer (a mentor firing a transition open to coordinators too
    costs no role query; this is the transition hot path). ``snap`` must be the row the decision is about:
    the transition runner passes the row it has just read and locked, never a caller's copy.
    ``coordinator`` is the answer to "does ``actor`` coordinate the programme?" when the caller already
    knows it (the query API asks once for all transitions out of a state, not once per transition).
    """
    if actor.is_system:
        return "system" if "system" in allowed else None
    person = actor.person_id
    for member in snap.members:
        if member.person_id == person and member.role in allowed:
            return member.role
    if "coordinator" in allowed and (coordinator if coordinator is not None
                                     else is_coordinator(conn, snap.programme_id, person)):
        return "coordinator"
    return None


def viewer_for(conn: Connection, snap: RelationshipSnapshot, actor: Actor) -> Viewer:
    """The roles ``actor`` holds on this relationship (empty for a stranger), each as :func:`acting_role` says."""
    roles = frozenset(role for role in ROLES if acting_role(conn, snap, actor, _ONLY[role]))
    guided = roles & _GUIDED_ROLES
    return Viewer(actor, roles, fellows_of(conn, snap, actor.person_id) if guided else frozenset())


def fellows_of(conn: Connection, snap: RelationshipSnapshot, person_id: int | None) -> frozenset[int]:
    """The other mentees or peers who are or were on the relationship (one indexed read, remembered per scope)."""
    return remembered(conn, ("fellows", snap.id, snap.version, person_id), lambda: frozenset(conn.execute(
        _FELLOWS, {"rid": snap.id, "person": person_id}).scalars()))


def relationship_for(conn: Connection, actor: Actor | int, relationship: RelationshipSnapshot | int, *,
                     administrator: bool = False) -> tuple[RelationshipSnapshot, Viewer]:
    """The relationship as stored and who ``actor`` is on it, for any read of its content.

    Every plugin's query function starts here. A snapshot counts by its id only: the row is read again
    (remembered within a read scope, fresh inside a write transaction), so a copy read before a
    reassignment decides nothing. Someone with no role on it gets :class:`~mentorflow.errors.NotFound`,
    exactly the error of an id that does not exist (issue #21: a 403 would tell which ids exist).
    ``administrator`` (a web administrator token) reads as :data:`ADMINISTRATOR`.
    """
    rid = relationship if isinstance(relationship, int) else relationship.id
    snap = read_relationship(conn, rid)
    who = ADMINISTRATOR if administrator else viewer_for(conn, snap, as_actor(actor))
    if not who.may_see_relationship:
        raise missing(rid)
    return snap, who


def coordinator_for(conn: Connection, actor: Actor | int, programme_id: int, *, refusal: str | None = None
                    ) -> Viewer:
    """``actor`` as a viewer of programme-wide figures: the system or a coordinator of the programme.

    Anyone else gets :class:`~mentorflow.errors.Forbidden` with ``refusal`` (already translated), by
    default "Only a coordinator of the programme may do this.".
    """
    actor = as_actor(actor)
    if actor.is_system:
        return Viewer(actor, frozenset({"system"}))
    if not is_coordinator(conn, programme_id, actor.person_id):
        raise Forbidden(refusal if refusal is not None else _("Only a coordinator of the programme may do this."))
    return Viewer(actor, frozenset({"coordinator"}))


def access(viewer: Viewer, visibility: Visibility | str, author_id: int | None,
           programme_settings: Mapping[str, Any] | None = None) -> Access:
    """How much of an item with ``visibility`` written by ``author_id`` the viewer may read."""
    visibility = Visibility(visibility)
    if viewer.is_system or (author_id is not None and viewer.actor.person_id == author_id):
        return Access.FULL
    if visibility is Visibility.PRIVATE:
        # Coordinators may know a private note exists (counts), never what it says.
        return Access.METADATA if viewer.is_coordinator else Access.NONE
    if viewer.is_participant and not (visibility is Visibility.PAIR and author_id in viewer.fellows):
        # "Shared with the mentor" reaches the guides, never the author's fellow mentees; what a guide, a
        # coordinator or the engine shares reaches every member.
        return Access.FULL
    if viewer.is_coordinator:
        if visibility is Visibility.PROGRAMME or coordinator_sees_content(programme_settings):
            return Access.FULL
        return Access.METADATA
    return Access.NONE


def form_visibility(form: Any) -> Visibility:
    """Who a submitted form's data reaches: its author only (``private``), the group, or the guides (default)."""
    if form is not None and getattr(form, "private", False):
        return Visibility.PRIVATE
    if form is not None and getattr(form, "shared_with", "mentor") == "group":
        return Visibility.GROUP
    return Visibility.PAIR


def export_access(requester: Actor | None, subject_id: int, *, administrator: bool = False) -> Access:
    """How much of a person's data-subject export (:func:`mentorflow.gdpr.export_person`) a requester gets.

    The export holds everything about the person, their private notes
    included, so it goes to the person themselves, to the system (the
    command line) and to administrators acting for the organisation that
    answers the request (an unrestricted administrator token); to nobody
    else. Coordinators read participants' content through the views above,
    where the programme's privacy setting applies. ``requester`` is None for
    a caller that is neither a person nor the system (a restricted token).
    """
    if administrator or (requester is not None and (requester.is_system or requester.person_id == subject_id)):
        return Access.FULL
    return Access.NONE


def may_pair(conn: Connection, programme_id: int, actor: Actor, person_id: int) -> bool:
    """Whether ``actor`` may name ``person_id`` as mentor or mentee of a new relationship in the programme.

    A coordinator names only people they can already see in their programme: enrolled in it (holding
    any role) or mentor or mentee of one of its relationships. The answer carries the person's display
    name, so naming anyone else would read names across programmes. The system (administrator tokens,
    matching, LMS syncs) names anyone. Callers answer a refusal exactly as a person who does not exist.
    """
    return actor.is_system or _has_role_or_relationship(conn, person_id, [programme_id])


def coordinates(conn: Connection, programme_id: int, actor: Actor) -> bool:
    """Whether ``actor`` is the system or a coordinator of the programme (who may see its matching runs)."""
    return actor.is_system or is_coordinator(conn, programme_id, actor.person_id)


def person_in_programmes(conn: Connection, person_id: int, programme_keys: Iterable[str] | None) -> bool:
    """Whether a principal limited to ``programme_keys`` (None: unlimited) may know person ``person_id`` exists.

    A token limited to one programme is what an integration for that
    programme holds; it has no business with people outside it. So the
    person must hold a role in one of the programmes or be a party to a
    relationship there. Callers answer "not visible" exactly like "does not
    exist" (404), so ids do not reveal who is registered elsewhere.
    """
    if programme_keys is None:
        return True
    keys = sorted(set(programme_keys))
    if not keys:
        return False
    ids = select(Programme.__table__.c.id).where(Programme.__table__.c.key.in_(keys))
    return _has_role_or_relationship(conn, person_id, ids)


def may_enrol_through_scope(conn: Connection, person_id: int, programme_keys: Iterable[str] | None) -> bool:
    """Whether a principal limited to ``programme_keys`` may give person ``person_id`` a role there.

    Only a person already of those programmes, or one of no programme at all (someone the integration
    has just created): otherwise granting a role would pull anyone into the token's reach, and
    :func:`person_in_programmes` would then show their e-mail address.
    """
    if person_in_programmes(conn, person_id, programme_keys):
        return True
    return not _has_role_or_relationship(conn, person_id, None)


def _has_role_or_relationship(conn: Connection, person_id: int, programme_ids: Any) -> bool:
    """A programme role or a relationship of the person, in ``programme_ids`` (ids or a subquery) or anywhere (None)."""
    T, R = ProgrammeRole.__table__, Relationship.__table__
    role = select(T.c.id).where(T.c.person_id == person_id)
    party = select(R.c.id).where(R.c.id.in_(ever_member([person_id])))
    if programme_ids is not None:
        role, party = role.where(T.c.programme_id.in_(programme_ids)), party.where(R.c.programme_id.in_(programme_ids))
    return conn.execute(role.limit(1)).first() is not None or conn.execute(party.limit(1)).first() is not None
# -- Tenancy: who may publish to, bind and coordinate a programme ------------------------------------------------
# A programme belongs to an owner: the web service's administrators (programmes created through the REST API, the
# command line or code) or one Open edX course (programmes created by that course's blocks). Every publish path
# (Engine.publish_workflow, called by the REST API and the XBlock) and every path that makes someone a coordinator
# from outside (an XBlock's course staff, an LTI instructor) asks the functions below.


class OwnerKind(StrEnum):
    WEB = "web"
    OPENEDX = "openedx"


@dataclass(frozen=True, slots=True)
class Owner:
    """Who a programme belongs to (its tenant)."""

    kind: OwnerKind | str
    ref: str | None = None
    """The Open edX course id; None for the web service, and for Open edX programmes from before owners were kept."""

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.ref}" if self.ref else str(self.kind)


WEB_OWNER = Owner(OwnerKind.WEB)


def course_owner(course: str) -> Owner:
    """The owner of the programmes an Open edX course's blocks create."""
    return Owner(OwnerKind.OPENEDX, course)


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who asks to publish a workflow version, on whose behalf."""

    tenant: Owner
    """The owner a programme they create gets: the web service, or their Open edX course."""
    administrator: bool = False
    """A web administrator or the system (command line, code): may publish to any programme and widen privacy."""
    coordinator: bool = False
    """Holds the coordinator role on the programme (REST API callers)."""
    sanctioned: bool = False
    """The document comes from an administrator (a server template an XBlock chose), so its privacy settings do."""
    creator: bool = False
    """May create a web programme (:func:`may_create_programme`: a coordinator of a web programme, from the console)."""


SYSTEM_PUBLISHER = Publisher(WEB_OWNER, administrator=True)


def may_publish(publisher: Publisher, owner: Owner | None) -> bool:
    """May ``publisher`` store a new workflow version of a programme owned by ``owner`` (None: a new programme)?

    Administrators may publish anywhere. A new programme is created by an
    administrator or by an Open edX course for itself. A web programme's
    coordinators publish its new versions through the API; an Open edX
    course's programme is published only by that course's blocks, never by
    another course, a programme it was shared with, or a REST coordinator.
    """
    if publisher.administrator:
        return True
    if owner is None:
        return publisher.tenant.kind == OwnerKind.OPENEDX or (publisher.tenant.kind == OwnerKind.WEB
                                                              and publisher.creator)
    if owner.kind == OwnerKind.OPENEDX:
        return publisher.tenant == owner
    return publisher.tenant.kind == OwnerKind.WEB and publisher.coordinator


def privacy_widenings(current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[Problem]:
    """The settings of ``new`` that let more people read content than ``current`` (None: a new programme) does.

    - ``programme.settings.privacy.coordinator_sees_content`` turned on;
    - a form that was ``private`` (its data seen by the author only) no longer is;
    - a form field that was ``private`` no longer is.
    """
    problems = []
    before = ((current or {}).get("programme") or {}).get("settings")
    after = (new.get("programme") or {}).get("settings")
    if coordinator_sees_content(after) and not coordinator_sees_content(before):
        problems.append(Problem("/programme/settings/privacy/coordinator_sees_content",
                                _("letting coordinators read what participants share needs an administrator")))
    old_forms = (current or {}).get("forms") or {}
    for form_id, form in (new.get("forms") or {}).items():
        old = old_forms.get(form_id)
        if not isinstance(old, Mapping) or not isinstance(form, Mapping):
            continue
        if old.get("private") is True and form.get("private") is not True:
            problems.append(Problem(f"/forms/{_escape(form_id)}/private",
                                    _("making a private form visible to others needs an administrator")))
        old_fields, new_fields = old.get("fields") or {}, form.get("fields") or {}
        for name, meta in new_fields.items():
            was = old_fields.get(name)
            if isinstance(was, Mapping) and was.get("private") is True and isinstance(meta, Mapping) \
                    and meta.get("private") is not True:
                problems.append(Problem(f"/forms/{_escape(form_id)}/fields/{_escape(name)}/private",
                                        _("making a private field visible to others needs an administrator")))
    return problems


def publish_problems(publisher: Publisher, owner: Owner | None, current: Mapping[str, Any] | None,
                     new: Mapping[str, Any]) -> list[Problem]:
    """Why ``publisher`` may not publish ``new`` over ``current`` (empty: they may)."""
    if not may_publish(publisher, owner):
        return [Problem("", _("this programme belongs to {owner}; only its owner or an administrator may publish "
                              "to it").format(owner=owner.label if owner else "-"))]
    if publisher.administrator or publisher.sanctioned:
        return []
    return privacy_widenings(current, new)


def may_create_programme(conn: Connection, actor: Actor, *, administrator: bool = False) -> bool:
    """May ``actor`` create a programme of the web service from a server template (the console, issue #17)?

    Administrators and the system may. So may a person who coordinates a programme the web service owns: the
    organisation's coordinators start their next programme themselves, from a template an administrator put on
    the server (so its privacy settings are sanctioned). Coordinators of an Open edX course's programme only
    may not: their course's blocks create that course's programmes.
    """
    if administrator or actor.is_system:
        return True
    T, P = ProgrammeRole.__table__, Programme.__table__
    return conn.execute(select(T.c.id).join(P, P.c.id == T.c.programme_id).where(
        T.c.person_id == actor.person_id, T.c.role == "coordinator",
        P.c.owner_kind == OwnerKind.WEB.value).limit(1)).first() is not None


def coordinators_problems(conn: Connection, actor: Actor, programme_id: int, owner: Owner, *,
                          administrator: bool = False) -> str | None:
    """Why ``actor`` may not grant or revoke coordinators of the programme (None: they may).

    An administrator may; otherwise only a coordinator of that very programme, and only of a web programme: an
    Open edX course's programme takes its coordinators from the course's staff (its tenant), never from a console.
    """
    if administrator or actor.is_system:
        return None
    if not is_coordinator(conn, programme_id, actor.person_id):
        return _("Only a coordinator of the programme may do this.")
    if owner.kind != OwnerKind.WEB:
        return _("This programme belongs to {owner}; its coordinators come from the course's staff.").format(
            owner=owner.label)
    return None


def may_bind(course: str, owner: Owner | None, shared_with: frozenset[str] | set[str]) -> bool:
    """May a block of Open edX ``course`` run a programme (owned by ``owner``; None: not created yet)?

    Its own course's programmes, new ones (it will own them), and those an
    administrator shared with the course. Binding is what makes the
    course's staff coordinators of the programme.
    """
    if owner is None:
        return True
    return owner == course_owner(course) or course in shared_with


def may_publish_from_block(course: str, owner: Owner | None) -> bool:
    """Whether a block's own document is published: only to its course's programmes (never to a shared one)."""
    return owner is None or owner == course_owner(course)


def may_coordinate_through_lti(owner: Owner, listed_by_deployment: bool) -> bool:
    """May an LTI launch or deep link make someone a coordinator of a programme owned by ``owner``?

    Web programmes: as the deployment allows (its list, or every programme).
    An Open edX course's programme only when an administrator named it in the
    deployment's programme list: "every programme" does not reach into
    another tenant's.
    """
    return owner.kind == OwnerKind.WEB or listed_by_deployment


def _escape(token: str) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


# -- Conversations: a relationship's message thread (the messages plugin) --------------------------------------
# A message is written to the other members, not shared "with the mentor" or with the programme: stricter than
# :func:`access`, ``settings.privacy.coordinator_sees_content`` does not open it. Someone who has left the
# relationship is no longer a member (the snapshot holds current members only), so they read none of it.


def conversation_access(viewer: Viewer) -> Access:
    """How much of a relationship's conversation ``viewer`` reads.

    Every current member reads it all; coordinators of the programme, administrators and the system only that
    messages exist, how many and when (:attr:`Access.METADATA`); anyone else nothing.
    """
    if viewer.is_participant:
        return Access.FULL
    if viewer.is_coordinator or viewer.is_system:
        return Access.METADATA
    return Access.NONE


def may_post_message(snap: RelationshipSnapshot, viewer: Viewer) -> bool:
    """Whether ``viewer`` may write to the relationship's conversation: a current member, while it is open."""
    return conversation_access(viewer) is Access.FULL and snap.closed_at is None
