"""Matching runs of programmes whose format is not a pair: groups, circles and co-mentoring teams.

Who anchors and who joins, per format (:mod:`mentorflow.members` gives the bounds):

- ``group``: a mentor leads groups (capacity counted in groups) of ``mentee`` bounds mentees;
- ``co-mentoring``: a mentee is given ``mentor`` bounds mentors (each mentor's capacity counted in relationships);
- ``circle``: a facilitator holds circles of ``peer`` bounds peers; with no facilitator in the format, circles of
  peers alone (as many as the peers can fill).

Fit is the programme's criteria scored mentee against mentor (peer against facilitator); cohesion and diversity
come from ``settings.matching.groups``. The formation is :func:`.groups.form`; a run stores one proposal per
group, and approving one starts one relationship with all its members (:func:`approve_group`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import insert, select, update

from mentorflow.actors import Actor
from mentorflow.errors import NotFound, TransitionError
from mentorflow.i18n import _

from . import groups as formation
from .features import as_set, normalise
from .pool import (
    GROUPS,
    RUNS,
    ProgrammeMatching,
    _active_members,
    capacity_of,
    excluded_pairs,
    profiles,
    require_coordinator,
)
from .scoring import PoolScorer
from .specs import ProfileTable

if TYPE_CHECKING:
    from mentorflow.engine import Engine


@dataclass(frozen=True, slots=True)
class GroupView:
    """A proposed group: its anchor, its members (``{"person_id", "role", "score", "breakdown"}``), its review."""

    id: int | None
    run_id: int | None
    anchor_id: int | None
    score: float
    members: list[dict[str, Any]]
    status: str
    relationship_id: int | None = None

    def people(self, role: str) -> list[int]:
        return [int(m["person_id"]) for m in self.members if m["role"] == role]


@dataclass(frozen=True)
class Roles:
    """Which role anchors groups and which joins them, and which side of the scores each is."""

    anchor: str | None
    member: str
    members_are_rows: bool
    """Members are the scores' mentee side (rows), anchors the mentor side; else the other way round."""


def roles_of(kind: str, has_facilitator: bool) -> Roles:
    if kind == "group":
        return Roles("mentor", "mentee", True)
    if kind == "co-mentoring":
        return Roles("mentee", "mentor", False)
    return Roles("facilitator" if has_facilitator else None, "peer", True)


def _active_counts(conn: Any, programme_id: int, role: str) -> dict[int, int]:
    counts: dict[int, int] = {}
    for person in conn.execute(_active_members(conn, programme_id, role)).scalars():
        counts[person] = counts.get(person, 0) + 1
    return counts


def _held(conn: Any, programme_id: int) -> set[int]:
    """People in a group proposal still awaiting review: a new run leaves them out."""
    rows = conn.execute(select(GROUPS.c.members).join(RUNS, RUNS.c.id == GROUPS.c.run_id).where(
        RUNS.c.programme_id == programme_id, GROUPS.c.status == "proposed")).scalars()
    return {int(m["person_id"]) for members in rows for m in members}


@dataclass
class GroupPool:
    roles: Roles
    members: ProfileTable
    member_capacity: np.ndarray
    anchors: ProfileTable
    groups: np.ndarray
    excluded: set[tuple[int, int]]


def load_group_pool(conn: Any, pm: ProgrammeMatching) -> GroupPool:
    fmt, settings = pm.format, pm.settings
    roles = roles_of(fmt.kind, fmt.bounds("facilitator").max > 0)
    held = _held(conn, pm.programme_id)
    active_member = _active_counts(conn, pm.programme_id, roles.member)
    members, member_cap = [], []
    for person, profile in profiles(conn, pm.programme_id, roles.member):
        # A co-mentoring mentor counts relationships in its capacity; a mentee or peer joins one group.
        room = capacity_of(profile, settings) if roles.member == "mentor" else (
            1 if settings.allow_multiple or not active_member.get(person) else 0)
        room -= active_member.get(person, 0) if roles.member == "mentor" else 0
        if room > 0 and person not in held:
            members.append((person, profile))
            member_cap.append(room)
    anchors, group_cap = [], []
    if roles.anchor is not None:
        active_anchor = _active_counts(conn, pm.programme_id, roles.anchor)
        for person, profile in profiles(conn, pm.programme_id, roles.anchor):
            room = (capacity_of(profile, settings) if roles.anchor != "mentee" else 1) - active_anchor.get(person, 0)
            if roles.anchor == "mentee" and settings.allow_multiple:
                room = 1
            if room > 0 and person not in held:
                anchors.append((person, profile))
                group_cap.append(room)
    excluded = excluded_pairs(conn, pm.programme_id) if fmt.kind != "circle" else set()
    return GroupPool(roles, ProfileTable.of(members), np.asarray(member_cap, dtype=np.int64),
                     ProfileTable.of(anchors), np.asarray(group_cap, dtype=np.int64), excluded)


def _codes(table: ProfileTable, name: str) -> np.ndarray:
    index: dict[str, int] = {}
    out = []
    for value in table.values(name):
        if value is None:
            out.append(-1)
            continue
        key = "|".join(sorted(as_set(value))) if isinstance(value, list) else normalise(value)
        out.append(index.setdefault(key, len(index)) if key else -1)
    return np.asarray(out, dtype=np.int64)


@dataclass
class Formed:
    formation: formation.Formation
    views: list[GroupView]
    unplaced: list[int]
    members: int
    anchors: int


def form_pool(pm: ProgrammeMatching, pool: GroupPool, now: datetime, *, progress: Any = None,
              cancelled: Callable[[], bool] | None = None) -> Formed:
    """Form the pool's groups and explain each member's part of its group's score."""
    fmt, settings, roles = pm.format, pm.settings, pool.roles
    bounds = fmt.bounds(roles.member)
    m = len(pool.members)
    source: PoolScorer | None = None
    if roles.anchor is not None:
        mentees, mentors = (pool.members, pool.anchors) if roles.members_are_rows else (pool.anchors, pool.members)
        source = PoolScorer(settings, pm.scorers, pm.constraints, mentees, mentors, excluded=pool.excluded, now=now)
        rows, cols, score = formation.gather(source, roles.members_are_rows, progress=progress, cancelled=cancelled)
        anchors, groups = len(pool.anchors), pool.groups
    else:  # peers alone: as many circles as the peers can fill, any peer in any circle, no fit
        anchors = m // max(bounds.min, 1) if m >= bounds.min else 0
        groups = np.ones(anchors, dtype=np.int64)
        rows = np.repeat(np.arange(m), anchors).astype(np.int64)
        cols = np.tile(np.arange(anchors), m).astype(np.int64)
        score = np.zeros(len(rows))
    problem = formation.Problem(m, anchors, rows, cols, score, groups, pool.member_capacity, bounds.min, bounds.max)
    cohesion = None
    if settings.groups.cohesion:
        among = PoolScorer(replace(settings, criteria=settings.groups.cohesion, constraints=()), pm.scorers,
                           pm.constraints, pool.members, pool.members, now=now, apply_min_score=False)

        def cohesion(r: np.ndarray, c: np.ndarray) -> np.ndarray:
            # Symmetric: a pair's cohesion is the mean of its two directions.
            return 0.5 * (among.scores(r, c)[0] + among.scores(c, r)[0].T)
    diversity = None
    if settings.groups.diversity_field:
        diversity = formation.Diversity(_codes(pool.members, settings.groups.diversity_field),
                                        settings.groups.diversity_weight)
    formed = formation.form(problem, cohesion=cohesion, diversity=diversity, progress=progress, cancelled=cancelled)
    views = []
    placed: set[int] = set()
    for g in formed.groups:
        placed.update(g.members)
        breakdowns = _fit_breakdowns(source, roles, g) if source is not None else [[] for _ in g.members]
        entries: list[dict[str, Any]] = []
        if roles.anchor is not None:
            entries.append({"person_id": int(pool.anchors.ids[g.anchor]), "role": roles.anchor, "score": 0.0,
                            "breakdown": []})
        for k, i in enumerate(g.members):
            parts: list[dict[str, Any]] = breakdowns[k] + [
                {"key": "cohesion", "criterion": "cohesion", "weight": 1.0, "value": g.cohesion[k],
                 "contribution": g.cohesion[k]},
                {"key": "diversity", "criterion": "diversity", "weight": settings.groups.diversity_weight,
                 "value": g.diversity[k] / settings.groups.diversity_weight if settings.groups.diversity_weight
                 else 0.0, "contribution": g.diversity[k]}]
            entries.append({"person_id": int(pool.members.ids[i]), "role": roles.member,
                            "score": math.fsum(p["contribution"] for p in parts), "breakdown": parts})
        views.append(GroupView(None, None, int(pool.anchors.ids[g.anchor]) if roles.anchor is not None else None,
                               math.fsum(e["score"] for e in entries), entries, "proposed"))
    unplaced = [int(pool.members.ids[i]) for i in range(m) if i not in placed]
    return Formed(formed, views, unplaced, m, len(pool.anchors))


def _fit_breakdowns(source: PoolScorer, roles: Roles, g: formation.Group) -> list[list[dict[str, Any]]]:
    pairs = [(i, g.anchor) if roles.members_are_rows else (g.anchor, i) for i in g.members]
    return source.pairs(pairs)[1]


def run_groups(engine: Engine, pm: ProgrammeMatching, actor: Actor, run_id: int | None, reporter: Any,
               started: float) -> tuple[str, float, dict[str, Any], list[GroupView]]:
    """Form the groups of a programme's pool; ``(method, total, stats, groups)`` for the caller to store."""
    now = engine.clock.now()
    with engine.read() as conn:
        pool = load_group_pool(conn, pm)
    formed = form_pool(pm, pool, now, progress=reporter.progress, cancelled=reporter.cancelled)
    f = formed.formation
    stats: dict[str, Any] = {
        "format": pm.format.kind, "members": formed.members, "anchors": formed.anchors,
        "groups": len(formed.views), "placed": f.placed, "unplaced": len(formed.unplaced),
        "unplaced_ids": formed.unplaced, "objective": "total, then placed", "exact": f.exact,
        "bound": round(f.bound, 6), "gap": round(f.gap, 6), "formation": dict(f.stats),
        "seconds": {"assign": round(time.perf_counter() - started, 3)}}
    return f.method, f.total, stats, formed.views


def store_groups(conn: Any, run_id: int, views: Iterable[GroupView]) -> None:
    rows = [{"run_id": run_id, "anchor_id": v.anchor_id, "score": v.score, "members": v.members,
             "status": "proposed", "relationship_id": None, "decided_by": None, "decided_at": None} for v in views]
    if rows:
        conn.execute(insert(GROUPS), rows)


def group_views(conn: Any, run_id: int) -> list[GroupView]:
    rows = conn.execute(select(GROUPS).where(GROUPS.c.run_id == run_id).order_by(GROUPS.c.id)).all()
    return [GroupView(r.id, r.run_id, r.anchor_id, r.score, list(r.members), r.status, r.relationship_id)
            for r in rows]


def approve_group(engine: Engine, group_id: int, actor: Actor | int) -> GroupView:
    """Accept a proposed group: ONE relationship starts with all its members (audited ``start``)."""
    from .starting import GroupIntent, start_group

    with engine.read() as conn:
        row = conn.execute(select(GROUPS, RUNS.c.programme_id).join(RUNS, RUNS.c.id == GROUPS.c.run_id).where(
            GROUPS.c.id == group_id)).first()
        if row is None:
            raise NotFound(_("Group proposal {id} does not exist.").format(id=group_id))
        actor = require_coordinator(conn, row.programme_id, actor)
    if row.status != "proposed":
        raise TransitionError(_("Group proposal {id} is {status}; only an open proposal can be approved.").format(
            id=group_id, status=row.status))
    members = [(int(m["person_id"]), str(m["role"])) for m in row.members]
    start_group(engine, GroupIntent(row.programme_id, group_id, actor, engine.clock.now()), members)
    with engine.write() as conn:
        left = conn.execute(select(GROUPS.c.id).where(GROUPS.c.run_id == row.run_id, GROUPS.c.status == "proposed")
                            .limit(1)).first()
        if left is None:
            conn.execute(update(RUNS).where(RUNS.c.id == row.run_id, RUNS.c.status == "open").values(
                status="completed"))
        view = conn.execute(select(GROUPS).where(GROUPS.c.id == group_id)).one()
    return GroupView(view.id, view.run_id, view.anchor_id, view.score, list(view.members), view.status,
                     view.relationship_id)
