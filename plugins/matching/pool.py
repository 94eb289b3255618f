"""Reading a programme's matching pool from the database: profiles, capacity left, excluded pairs.

Everything here reads on a connection the caller holds, so a check can
run inside the transaction that then writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine as SAEngine
from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.engine import Connection

from mentorflow import policy
from mentorflow.actors import Actor, as_actor
from mentorflow.db.models import ProgrammeRole, Relationship, RelationshipMember, WorkflowVersion
from mentorflow.errors import UserError, WorkflowInvalid
from mentorflow.i18n import _
from mentorflow.members import PAIR, Format

from . import registry
from .models import Exclusion, GroupProposal, Preference, Profile, Proposal, Request, Run
from .settings import MatchingSettings, check_settings, raw_settings
from .specs import ProfileTable

if TYPE_CHECKING:
    from mentorflow.engine import Engine

R = Relationship.__table__
M = RelationshipMember.__table__
ROLES = ProgrammeRole.__table__
PROFILES = Profile.__table__
EXCLUSIONS = Exclusion.__table__
REQUESTS = Request.__table__
PREFERENCES = Preference.__table__
PROPOSALS = Proposal.__table__
RUNS = Run.__table__
GROUPS = GroupProposal.__table__

_TERMINAL: WeakKeyDictionary[SAEngine, dict[int, frozenset[str]]] = WeakKeyDictionary()
"""Terminal states by workflow version id, per database: version ids are only unique within one database, and two
engines in one process (a test run, a host of several databases) must not read each other's."""


@dataclass(frozen=True)
class ProgrammeMatching:
    """A programme that uses matching: its id, key, parsed settings and the engine's scorers and constraints."""

    engine: Engine
    programme_id: int
    key: str
    settings: MatchingSettings
    scorers: Mapping[str, Any]
    constraints: Mapping[str, Any]
    format: Format = PAIR
    """The programme's format (:mod:`mentorflow.members`): anything but a pair forms groups."""


def programme_matching(engine: Engine, programme: str | int) -> ProgrammeMatching:
    """The programme's matching configuration (from its newest workflow), checked against the loaded plugins."""
    workflow = engine.current_workflow(programme)[1]
    pid = engine.programme_id(programme)
    raw = raw_settings(workflow.programme)
    if raw is None:
        raise UserError(_("Programme '{key}' does not use matching: its workflow has no "
                          "programme.settings.matching.").format(key=programme))
    scorers, constraints = registry.scorers(engine.pm), registry.constraints(engine.pm)
    # Normally checked when the workflow was published; checked again in case a plugin went away since.
    problems = check_settings(workflow.document, scorers, constraints)
    if problems:
        raise WorkflowInvalid(_("The programme's matching settings are not valid."), problems)
    key = programme if isinstance(programme, str) else str(programme)
    return ProgrammeMatching(engine, pid, key, MatchingSettings.parse(raw), scorers, constraints, workflow.format)


def require_coordinator(conn: Connection, programme_id: int, actor: Actor | int) -> Actor:
    """The actor, if it is the system or a coordinator of the programme; else :class:`Forbidden`.

    Decided by :func:`mentorflow.policy.coordinator_for`, the one answer to who coordinates a programme.
    """
    actor = as_actor(actor)
    policy.coordinator_for(conn, actor, programme_id)
    return actor


def holds_role(conn: Connection, programme_id: int, person_id: int, role: str) -> bool:
    return conn.execute(select(ROLES.c.id).where(ROLES.c.programme_id == programme_id, ROLES.c.person_id == person_id,
                                                 ROLES.c.role == role).limit(1)).first() is not None


def terminal_states(conn: Connection, programme_id: int) -> dict[int, frozenset[str]]:
    """Terminal states by workflow version of the programme (versions never change, so they are cached)."""
    W = WorkflowVersion.__table__
    ids = list(conn.execute(select(W.c.id).where(W.c.programme_id == programme_id)).scalars())
    known = _TERMINAL.setdefault(conn.engine, {})
    missing = [i for i in ids if i not in known]
    if missing:
        for vid, definition in conn.execute(select(W.c.id, W.c.definition).where(W.c.id.in_(missing))):
            known[vid] = frozenset(s["id"] for s in definition.get("states", []) if s.get("kind") == "terminal")
    return {i: known[i] for i in ids}


def active_condition(conn: Connection, programme_id: int) -> Any:
    """SQL condition: a relationship of the programme that is not in a terminal state of its pinned workflow."""
    parts = [and_(R.c.workflow_version_id == vid, R.c.state.notin_(sorted(states)) if states else true())
             for vid, states in terminal_states(conn, programme_id).items()]
    return and_(R.c.programme_id == programme_id, or_(*parts) if parts else false())


def _active_members(conn: Connection, programme_id: int, role: str) -> Any:
    """The person id of every current member in ``role`` of an active relationship (once per relationship)."""
    return (select(M.c.person_id).select_from(M.join(R, R.c.id == M.c.relationship_id))
            .where(active_condition(conn, programme_id), M.c.role == role, M.c.left_at.is_(None)))


def past_pairs(programme_id: int) -> Any:
    """Every (mentee, mentor) who have been members of one relationship of the programme, then or now."""
    mentee, mentor = M.alias("mentee"), M.alias("mentor")
    return (select(mentee.c.person_id.label("mentee_id"), mentor.c.person_id.label("mentor_id"))
            .select_from(R.join(mentee, mentee.c.relationship_id == R.c.id)
                         .join(mentor, mentor.c.relationship_id == R.c.id))
            .where(R.c.programme_id == programme_id, mentee.c.role == "mentee", mentor.c.role == "mentor"))


def active_mentees(conn: Connection, programme_id: int, mentee_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Number of active relationships per mentee."""
    query = _active_members(conn, programme_id, "mentee")
    if mentee_ids is not None:
        query = query.where(M.c.person_id.in_(list(mentee_ids)))
    counts: dict[int, int] = {}
    for mentee in conn.execute(query).scalars():
        counts[mentee] = counts.get(mentee, 0) + 1
    return counts


def active_load(conn: Connection, programme_id: int, mentor_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Number of active relationships per mentor."""
    query = _active_members(conn, programme_id, "mentor")
    if mentor_ids is not None:
        query = query.where(M.c.person_id.in_(list(mentor_ids)))
    counts: dict[int, int] = {}
    for mentor in conn.execute(query).scalars():
        counts[mentor] = counts.get(mentor, 0) + 1
    return counts


def excluded_pairs(conn: Connection, programme_id: int, mentee_ids: Iterable[int] | None = None
                   ) -> set[tuple[int, int]]:
    """Pairs never to propose: a coordinator's exclusions, declined requests, and every pair that already had
    a relationship in the programme (so a rematch never brings back a previous mentor)."""
    subset = list(mentee_ids) if mentee_ids is not None else None
    queries = [
        select(EXCLUSIONS.c.mentee_id, EXCLUSIONS.c.mentor_id).where(EXCLUSIONS.c.programme_id == programme_id),
        past_pairs(programme_id),
        select(REQUESTS.c.mentee_id, REQUESTS.c.mentor_id).where(REQUESTS.c.programme_id == programme_id,
                                                                REQUESTS.c.status == "declined"),
    ]
    pairs: set[tuple[int, int]] = set()
    for query in queries:
        if subset is not None:
            query = query.where(query.selected_columns[0].in_(subset))
        pairs.update((a, b) for a, b in conn.execute(query))
    return pairs


def capacity_of(profile: Mapping[str, Any], settings: MatchingSettings) -> int:
    value = profile.get(settings.capacity_field)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return settings.default_capacity


@dataclass
class Pool:
    """Who can be matched now: mentees (with profiles, free) and mentors with capacity left."""

    mentees: ProfileTable
    mentors: ProfileTable
    capacity: list[int]
    """Capacity left per mentor (row order of ``mentors``)."""
    excluded: set[tuple[int, int]]
    preferences: dict[int, list[int]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    """Why people were left out, counted: no profile, already matched, pending request."""


def profiles(conn: Connection, programme_id: int, role: str, person_ids: Iterable[int] | None = None
             ) -> list[tuple[int, dict[str, Any]]]:
    """``(person id, profile)`` of the people holding ``role`` in the programme who have a profile, by id."""
    query = (select(PROFILES.c.person_id, PROFILES.c.data)
             .join(ROLES, and_(ROLES.c.programme_id == PROFILES.c.programme_id,
                               ROLES.c.person_id == PROFILES.c.person_id, ROLES.c.role == PROFILES.c.role))
             .where(PROFILES.c.programme_id == programme_id, PROFILES.c.role == role)
             .order_by(PROFILES.c.person_id))
    if person_ids is not None:
        query = query.where(PROFILES.c.person_id.in_(list(person_ids)))
    return [(pid, dict(data)) for pid, data in conn.execute(query)]


def pending_requesters(conn: Connection, programme_id: int, now: Any) -> set[int]:
    return set(conn.execute(select(REQUESTS.c.mentee_id).where(
        REQUESTS.c.programme_id == programme_id, REQUESTS.c.status == "pending",
        REQUESTS.c.expires_at > now)).scalars())


def reserved_by_open_proposals(conn: Connection, programme_id: int) -> tuple[dict[int, int], set[int]]:
    """Capacity held by proposals still awaiting review, per mentor, and the mentees they concern."""
    rows = conn.execute(select(PROPOSALS.c.mentee_id, PROPOSALS.c.mentor_id).join(
        RUNS, RUNS.c.id == PROPOSALS.c.run_id).where(RUNS.c.programme_id == programme_id,
                                                     PROPOSALS.c.status == "proposed"))
    held: dict[int, int] = {}
    mentees: set[int] = set()
    for mentee, mentor in rows:
        mentees.add(mentee)
        if mentor is not None:
            held[mentor] = held.get(mentor, 0) + 1
    return held, mentees


def load_pool(conn: Connection, pm: ProgrammeMatching, now: Any, *, mentee_ids: Iterable[int] | None = None,
              reserve_open_proposals: bool = True, ignore_requests: bool = False) -> Pool:
    """The pool for a run (or, with ``mentee_ids``, for those mentees only)."""
    pid, settings = pm.programme_id, pm.settings
    subset = sorted(set(mentee_ids)) if mentee_ids is not None else None
    mentee_rows = profiles(conn, pid, "mentee", subset)
    skipped: dict[str, int] = {}
    held, under_review = reserved_by_open_proposals(conn, pid) if reserve_open_proposals else ({}, set())
    blocked = (set() if ignore_requests else pending_requesters(conn, pid, now)) | under_review
    active = active_mentees(conn, pid, [row[0] for row in mentee_rows])
    kept = []
    for person, profile in mentee_rows:
        if person in blocked:
            skipped["pending"] = skipped.get("pending", 0) + 1
        elif active.get(person) and not settings.allow_multiple:
            skipped["matched"] = skipped.get("matched", 0) + 1
        else:
            kept.append((person, profile))
    mentor_rows = profiles(conn, pid, "mentor")
    load = active_load(conn, pid)
    mentors, capacity = [], []
    for person, profile in mentor_rows:
        left = capacity_of(profile, settings) - load.get(person, 0) - held.get(person, 0)
        if left > 0:
            mentors.append((person, profile))
            capacity.append(left)
    kept_ids = [row[0] for row in kept]
    preferences: dict[int, list[int]] = {}
    if kept_ids:
        for mentee, mentor in conn.execute(select(PREFERENCES.c.mentee_id, PREFERENCES.c.mentor_id).where(
                PREFERENCES.c.programme_id == pid, PREFERENCES.c.mentee_id.in_(kept_ids))
                .order_by(PREFERENCES.c.mentee_id, PREFERENCES.c.rank)):
            preferences.setdefault(mentee, []).append(mentor)
    return Pool(ProfileTable.of(kept), ProfileTable.of(mentors), capacity,
                excluded_pairs(conn, pid, kept_ids if subset is not None else None), preferences, skipped)
