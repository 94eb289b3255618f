"""Creating relationships from matches, and the rules every start in a matching programme obeys.

Matches become relationships only through :meth:`Engine.start_relationship`
(audited as ``start``). The checks and the bookkeeping run in
``mentorflow_relationship_started``, inside the transaction that creates
the relationship, so they see what the write will see and fail together:

- one active relationship per mentee per programme, unless
  ``settings.matching.allow_multiple`` (this applies to every start in a
  programme with matching settings, however it was started);
- for a start coming from a proposal or a request: the mentor has capacity
  left, the pair is not excluded and every hard constraint still holds
  (profiles may have changed since the run), and the proposal or request is
  still open; it is then marked approved/accepted with the relationship id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from mentorflow.actors import Actor
from mentorflow.db.models import Person, Relationship
from mentorflow.errors import PluginError, TransitionError, UserError, Veto
from mentorflow.i18n import _
from mentorflow.relationships import ever_member, membership_of
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.workflow.model import Workflow

from .pool import EXCLUSIONS, GROUPS, PROPOSALS, REQUESTS, ProgrammeMatching, active_condition, capacity_of, profiles
from .scoring import score_pool
from .settings import MatchingSettings, raw_settings
from .specs import ProfileTable

R = Relationship.__table__
PEOPLE = Person.__table__


class MatchRefused(TransitionError):
    """A match cannot become a relationship now (capacity, one active relationship, exclusion, constraint)."""

    kind = "match-refused"


@dataclass
class StartIntent:
    """Why the matching plugin is starting a relationship: which proposal or request it settles."""

    matching: ProgrammeMatching
    mentee_id: int
    mentor_id: int
    actor: Actor
    at: datetime
    proposal_id: int | None = None
    request_id: int | None = None
    proposal_values: dict[str, Any] = field(default_factory=dict)
    """Columns to set on the proposal besides status and relationship (an override's new mentor and score)."""
    status: str = "approved"
    from_statuses: tuple[str, ...] = ("proposed",)
    """The proposal statuses the start may settle (an override may also settle an unmatched or excluded row)."""


@dataclass
class GroupIntent:
    """The matching plugin is starting the relationship of an approved group proposal."""

    programme_id: int
    group_id: int
    actor: Actor
    at: datetime


_INTENT: ContextVar[StartIntent | None] = ContextVar("mentorflow_matching_intent", default=None)
_GROUP_INTENT: ContextVar[GroupIntent | None] = ContextVar("mentorflow_matching_group_intent", default=None)


def start_group(engine: Any, intent: GroupIntent, members: list[tuple[int, str]]) -> RelationshipSnapshot:
    """Start ONE relationship with all of a group proposal's members (the engine's members form), as
    ``intent.actor``; the proposal is marked approved in the same transaction."""
    token = _GROUP_INTENT.set(intent)
    try:
        return engine.start_relationship(intent.programme_id, members=members, actor=intent.actor)
    except PluginError as error:
        if isinstance(error.error, UserError):
            raise error.error from None
        raise
    finally:
        _GROUP_INTENT.reset(token)


@contextmanager
def _intent(intent: StartIntent) -> Iterator[None]:
    token = _INTENT.set(intent)
    try:
        yield
    finally:
        _INTENT.reset(token)


def start_from_match(intent: StartIntent) -> RelationshipSnapshot:
    """Start the relationship for ``intent`` through the engine, as ``intent.actor``."""
    engine = intent.matching.engine
    try:
        with _intent(intent):
            return engine.start_relationship(intent.matching.programme_id, mentee=intent.mentee_id,
                                             mentor=intent.mentor_id, actor=intent.actor)
    except PluginError as error:
        # Our own refusal, raised inside the engine's transaction, comes back wrapped: unwrap it.
        if isinstance(error.error, UserError):
            raise error.error from None
        raise


def _lock_people(conn: Connection, ids: list[int]) -> None:
    """Serialise starts touching the same people on PostgreSQL (SQLite writers are serial already).

    FOR NO KEY UPDATE does not conflict with the key-share locks the new
    relationship's foreign keys hold, so two starts queue instead of deadlocking.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(PEOPLE.c.id).where(PEOPLE.c.id.in_(sorted(set(ids)))).order_by(PEOPLE.c.id)
                     .with_for_update(key_share=True))


def relationship_started(relationship: RelationshipSnapshot, workflow: Workflow, connection: Connection) -> None:
    """The ``mentorflow_relationship_started`` implementation: enforce the rules, record the match."""
    raw = raw_settings(workflow.programme)
    intent = _INTENT.get()
    if raw is None:
        return
    group = _GROUP_INTENT.get()
    if group is not None and group.programme_id == relationship.programme_id:
        _lock_people(connection, [m.person_id for m in relationship.members])
        changed = connection.execute(update(GROUPS).where(GROUPS.c.id == group.group_id,
                                                          GROUPS.c.status == "proposed").values(
            status="approved", relationship_id=relationship.id, decided_by=group.actor.person_id,
            decided_at=group.at)).rowcount
        if changed != 1:
            raise MatchRefused(_("The group proposal was decided by someone else meanwhile."))
        return
    if relationship.mentee_id is None:
        return  # not a pair (a group, a circle): matching's rules are about one mentee and one mentor
    settings = MatchingSettings.parse(raw)
    mine = intent is not None and intent.matching.programme_id == relationship.programme_id and (
        intent.mentee_id, intent.mentor_id) == (relationship.mentee_id, relationship.mentor_id)
    refuse = (lambda message: MatchRefused(message)) if mine else (lambda message: Veto(message))
    ids = [relationship.mentee_id] + ([relationship.mentor_id] if relationship.mentor_id is not None else [])
    mentee_id = relationship.mentee_id
    _lock_people(connection, ids)
    pid = relationship.programme_id
    if not settings.allow_multiple:
        others = connection.execute(select(func.count()).select_from(R).where(
            active_condition(connection, pid), R.c.id.in_(membership_of(mentee_id, roles=["mentee"])),
            R.c.id != relationship.id)).scalar_one()
        if others:
            raise refuse(_("The mentee already has an active relationship in this programme."))
    if not mine:
        return
    assert intent is not None
    _check_pair(connection, intent, relationship, settings, refuse)
    _record(connection, intent, relationship)


def _pair_excluded(conn: Connection, programme_id: int, mentee: int, mentor: int, new_relationship: int) -> bool:
    """Ruled out by a coordinator, declined by the mentor, or paired before (other than the new relationship)."""
    checks = [
        select(EXCLUSIONS.c.id).where(EXCLUSIONS.c.programme_id == programme_id, EXCLUSIONS.c.mentee_id == mentee,
                                      EXCLUSIONS.c.mentor_id == mentor),
        select(REQUESTS.c.id).where(REQUESTS.c.programme_id == programme_id, REQUESTS.c.mentee_id == mentee,
                                    REQUESTS.c.mentor_id == mentor, REQUESTS.c.status == "declined"),
        select(R.c.id).where(R.c.programme_id == programme_id, R.c.id.in_(ever_member([mentee])),
                             R.c.id.in_(ever_member([mentor])), R.c.id != new_relationship),
    ]
    return any(conn.execute(query.limit(1)).first() is not None for query in checks)


def _check_pair(conn: Connection, intent: StartIntent, relationship: RelationshipSnapshot,
                settings: MatchingSettings, refuse: Any) -> None:
    pid, mentee, mentor = relationship.programme_id, relationship.mentee_id, relationship.mentor_id
    assert mentor is not None and mentee is not None
    if _pair_excluded(conn, pid, mentee, mentor, relationship.id):
        raise refuse(_("This pair is excluded in this programme (ruled out, declined, or paired before)."))
    mentor_profile = dict(profiles(conn, pid, "mentor", [mentor]))
    mentee_profile = dict(profiles(conn, pid, "mentee", [mentee]))
    if mentor not in mentor_profile or mentee not in mentee_profile:
        raise refuse(_("Both people need a matching profile in their role."))
    load = conn.execute(select(func.count()).select_from(R).where(  # includes the new relationship
        active_condition(conn, pid), R.c.id.in_(membership_of(mentor, roles=["mentor"])))).scalar_one()
    if load > capacity_of(mentor_profile[mentor], settings):
        raise refuse(_("The mentor has no capacity left."))
    matrix = score_pool(settings, intent.matching.scorers, intent.matching.constraints,
                        ProfileTable.of([(mentee, mentee_profile[mentee])]),
                        ProfileTable.of([(mentor, mentor_profile[mentor])]), now=intent.at, apply_min_score=False)
    if not bool(matrix.allowed[0, 0]):
        raise refuse(_("The pair does not satisfy the programme's matching constraints."))


def _record(conn: Connection, intent: StartIntent, relationship: RelationshipSnapshot) -> None:
    if intent.proposal_id is not None:
        changed = conn.execute(update(PROPOSALS).where(
            PROPOSALS.c.id == intent.proposal_id, PROPOSALS.c.status.in_(intent.from_statuses)).values(
            status=intent.status, relationship_id=relationship.id, decided_by=intent.actor.person_id,
            decided_at=intent.at, **intent.proposal_values)).rowcount
        if changed != 1:
            raise MatchRefused(_("The proposal was decided by someone else meanwhile."))
    if intent.request_id is not None:
        changed = conn.execute(update(REQUESTS).where(
            REQUESTS.c.id == intent.request_id, REQUESTS.c.status == "pending").values(
            status="accepted", relationship_id=relationship.id, answered_at=intent.at)).rowcount
        if changed != 1:
            raise MatchRefused(_("The request was answered or withdrawn meanwhile."))
