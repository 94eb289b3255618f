"""Who may read what: the one place confidentiality rules live.

Every read of relationship content (API, pages, XBlock, exports, plugin
query functions) asks this module. The rules, from mentoring practice:

- ``private`` items (private meeting notes, private reflections) are seen by
  their author only;
- ``pair`` items (the agreement, goals, shared notes, reflections) are seen
  by the mentor and the mentee; coordinators see only that they exist and
  when (metadata) unless the programme sets
  ``settings.privacy.coordinator_sees_content`` to true;
- ``programme`` items (state, dates, counts) are seen by the pair and the
  programme's coordinators;
- the system (timers, exports run by the engine itself) sees everything;
- a person's data-subject export goes to that person, the system and
  unrestricted administrators only (:func:`export_access`);
- a token limited to some programmes sees a person only when that person
  is a member (coordinator, mentor, mentee, or a party to a relationship)
  of one of those programmes (:func:`person_in_programmes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from mentorflow.actors import Actor
from mentorflow.db.models import ProgrammeRole, Relationship
from mentorflow.errors import Problem
from mentorflow.i18n import _
from mentorflow.snapshots import RelationshipSnapshot


class Visibility(StrEnum):
    PRIVATE = "private"
    PAIR = "pair"
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

    @property
    def is_system(self) -> bool:
        return self.actor.is_system

    @property
    def is_participant(self) -> bool:
        return bool(self.roles & {"mentor", "mentee"})

    @property
    def is_coordinator(self) -> bool:
        return "coordinator" in self.roles

    @property
    def may_see_relationship(self) -> bool:
        return self.is_system or bool(self.roles)


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


def viewer_for(conn: Connection, snap: RelationshipSnapshot, actor: Actor) -> Viewer:
    """The roles ``actor`` holds on this relationship (empty for a stranger)."""
    from mentorflow.transitions import TransitionRunner

    if actor.is_system:
        return Viewer(actor, frozenset({"system"}))
    roles = set()
    if actor.person_id == snap.mentor_id:
        roles.add("mentor")
    if actor.person_id == snap.mentee_id:
        roles.add("mentee")
    if TransitionRunner.is_coordinator(conn, snap.programme_id, actor.person_id):
        roles.add("coordinator")
    return Viewer(actor, frozenset(roles))


def access(viewer: Viewer, visibility: Visibility | str, author_id: int | None,
           programme_settings: Mapping[str, Any] | None = None) -> Access:
    """How much of an item with ``visibility`` written by ``author_id`` the viewer may read."""
    visibility = Visibility(visibility)
    if viewer.is_system or (author_id is not None and viewer.actor.person_id == author_id):
        return Access.FULL
    if visibility is Visibility.PRIVATE:
        # Coordinators may know a private note exists (counts), never what it says.
        return Access.METADATA if viewer.is_coordinator else Access.NONE
    if viewer.is_participant:
        return Access.FULL
    if viewer.is_coordinator:
        if visibility is Visibility.PROGRAMME or coordinator_sees_content(programme_settings):
            return Access.FULL
        return Access.METADATA
    return Access.NONE


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


def may_write_as_participant(viewer: Viewer) -> bool:
    """Only the pair writes shared content; coordinators act through their own transitions."""
    return viewer.is_participant


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
    from mentorflow.transitions import TransitionRunner

    return actor.is_system or TransitionRunner.is_coordinator(conn, programme_id, actor.person_id)
def person_in_programmes(conn: Connection, person_id: int, programme_keys: Iterable[str] | None) -> bool:
    """Whether a principal limited to ``programme_keys`` (None: unlimited) may know person ``person_id`` exists.

    A token limited to one programme is what an integration for that
    programme holds; it has no business with people outside it. So the
    person must hold a role in one of the programmes or be a party to a
    relationship there. Callers answer "not visible" exactly like "does not
    exist" (404), so ids do not reveal who is registered elsewhere.
    """
    from mentorflow.db.models import Programme

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
    party = select(R.c.id).where(or_(R.c.mentor_id == person_id, R.c.mentee_id == person_id))
    if programme_ids is not None:
        role, party = role.where(T.c.programme_id.in_(programme_ids)), party.where(R.c.programme_id.in_(programme_ids))
    return conn.execute(role.limit(1)).first() is not None or conn.execute(party.limit(1)).first() is not None
