"""Read side of the goals plugin: goals with their history, attainment figures and self-assessment growth.

Goals and self-assessments are ``pair`` items (a self-assessment is
``private`` when its form is): the mentor and the mentee see everything;
coordinators see metadata (statuses, counts, who changed what when) and
the content only where the programme sets
``settings.privacy.coordinator_sees_content``. Attainment figures are
counts and visible to coordinators. Every decision goes through
:mod:`mentorflow.policy`; strangers get :class:`mentorflow.NotFound`, as for a relationship
that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from mentorflow import Actor, Engine, RelationshipSnapshot
from mentorflow.clock import as_utc
from mentorflow.db.models import Relationship
from mentorflow.i18n import _
from mentorflow.policy import Access, Viewer, Visibility, access, coordinator_for, relationship_for

from .settings import goal_settings
from .store import SA, STATUSES, G, U

R = Relationship.__table__
_LEVELS = (Access.NONE, Access.METADATA, Access.FULL)


@dataclass(frozen=True, slots=True)
class GoalUpdateView:
    """One entry of a goal's history; ``percent``, ``note`` and ``previous`` need FULL access."""

    id: int
    kind: str
    """``progress``, ``status`` (achieved, dropped or revised) or ``agreed``."""
    at: datetime
    author_id: int | None
    author_role: str
    status: str | None
    percent: int | None = None
    note: str | None = None
    previous: dict[str, Any] | None = None
    """For a revision: the goal's text before it."""


@dataclass(frozen=True, slots=True)
class GoalView:
    """A goal as one viewer may see it: the text fields and progress are None unless ``access`` is FULL."""

    id: int
    relationship_id: int
    status: str
    access: Access
    proposed_by: int | None
    proposed_role: str
    created_at: datetime
    updated_at: datetime
    agreed_by: int | None
    agreed_at: datetime | None
    closed_at: datetime | None
    updates: tuple[GoalUpdateView, ...]
    title: str | None = None
    description: str | None = None
    category: str | None = None
    specific: str | None = None
    measure: str | None = None
    """The measurable criterion."""
    achievable: str | None = None
    relevant: str | None = None
    target_date: date | None = None
    progress: int | None = None
    details: dict[str, Any] | None = None

    @property
    def agreed(self) -> bool:
        """Confirmed by the side that did not propose it (a revision needs confirming again)."""
        return self.agreed_at is not None


@dataclass(frozen=True, slots=True)
class GoalList:
    """A relationship's goals, oldest first, and how many there are in each status."""

    relationship_id: int
    access: Access
    """FULL when the viewer may read the pair's goals, METADATA for coordinators without content access."""
    counts: dict[str, int]
    goals: tuple[GoalView, ...]


@dataclass(frozen=True, slots=True)
class GoalAttainment:
    """Goal counts for dashboards: ``active`` counts every open goal (revised ones included)."""

    total: int
    active: int
    achieved: int
    dropped: int
    revised: int
    """Open goals whose text was revised (a subset of ``active``)."""
    agreed: int
    """Goals confirmed by both sides and not dropped."""

    @property
    def achieved_share(self) -> float | None:
        """Achieved goals as a share of all goals (None without goals)."""
        return round(self.achieved / self.total, 4) if self.total else None


@dataclass(frozen=True, slots=True)
class CompetenceGrowth:
    """One competence's start and closure ratings; None where not rated yet or not visible."""

    id: str
    label: Mapping[str, str]
    start: int | None
    closure: int | None
    delta: int | None
    """``closure - start`` when both are known."""


@dataclass(frozen=True, slots=True)
class SelfAssessmentGrowth:
    """The mentee's self-assessments side by side."""

    relationship_id: int
    access: Access
    """The least the viewer may see of the assessments made (NONE when one is private to the mentee)."""
    scale_min: int
    scale_max: int
    start_at: datetime | None
    closure_at: datetime | None
    competences: tuple[CompetenceGrowth, ...]


# -- helpers -------------------------------------------------------------------
def _open(engine: Engine, conn: Connection, relationship: RelationshipSnapshot | int, viewer: Actor | int
          ) -> tuple[RelationshipSnapshot, Any, Viewer, Any]:
    """The relationship, its workflow, the viewer's roles and the programme settings; strangers are refused."""
    snap, who = relationship_for(conn, viewer, relationship)
    workflow = engine.workflow_by_version(snap.workflow_version_id, conn)
    return snap, workflow, who, workflow.programme.get("settings")


def _attainment(counts: Mapping[str, int], agreed: int) -> GoalAttainment:
    return GoalAttainment(
        total=sum(counts.values()), active=counts.get("active", 0) + counts.get("revised", 0),
        achieved=counts.get("achieved", 0), dropped=counts.get("dropped", 0), revised=counts.get("revised", 0),
        agreed=agreed)


def _counts(conn: Connection, *where: Any) -> tuple[dict[str, int], int]:
    """Goals per status and the number agreed (not dropped), for goals matching ``where``."""
    counts = {status: 0 for status in STATUSES}
    agreed = 0
    rows = conn.execute(select(G.c.status, func.count(), func.count(G.c.agreed_at)).select_from(
        G.join(R, R.c.id == G.c.relationship_id)).where(*where).group_by(G.c.status))
    for status, number, confirmed in rows:
        counts[status] = number
        agreed += confirmed if status != "dropped" else 0
    return counts, agreed


def _update_view(row: Any, full: bool) -> GoalUpdateView:
    return GoalUpdateView(
        id=row.id, kind=row.kind, at=as_utc(row.at), author_id=row.author_id, author_role=row.author_role,
        status=row.status, percent=row.percent if full else None, note=row.note if full else None,
        previous=dict(row.previous) if full and row.previous is not None else None)


def _goal_view(row: Any, level: Access, updates: list[GoalUpdateView]) -> GoalView:
    full = level is Access.FULL
    text = {name: getattr(row, name) for name in ("title", "description", "category", "specific", "measure",
                                                  "achievable", "relevant", "target_date")} if full else {}
    return GoalView(
        id=row.id, relationship_id=row.relationship_id, status=row.status, access=level,
        proposed_by=row.proposed_by, proposed_role=row.proposed_role, created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at), agreed_by=row.agreed_by,
        agreed_at=as_utc(row.agreed_at) if row.agreed_at else None,
        closed_at=as_utc(row.closed_at) if row.closed_at else None, updates=tuple(updates),
        progress=row.progress if full else None, details=dict(row.details) if full and row.details else None,
        **text)


# -- queries ---------------------------------------------------------------------
def list_goals(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int) -> GoalList:
    """The relationship's goals, oldest first, each with its history of updates, as ``viewer`` may see them."""
    with engine.read() as conn:
        snap, _workflow, who, settings = _open(engine, conn, relationship, viewer)
        rows = conn.execute(select(G).where(G.c.relationship_id == snap.id).order_by(G.c.created_at, G.c.id)).all()
        history: dict[int, list[Any]] = {row.id: [] for row in rows}
        if rows:
            for update in conn.execute(select(U).where(U.c.goal_id.in_(list(history))).order_by(U.c.at, U.c.id)):
                history[update.goal_id].append(update)
        counts, _agreed = _counts(conn, G.c.relationship_id == snap.id)
    goals = []
    for row in rows:
        level = access(who, Visibility.PAIR, row.proposed_by, settings)
        if level is Access.NONE:
            continue
        updates = [_update_view(u, access(who, Visibility.PAIR, u.author_id, settings) is Access.FULL)
                   for u in history[row.id]]
        goals.append(_goal_view(row, level, updates))
    return GoalList(relationship_id=snap.id, access=access(who, Visibility.PAIR, None, settings), counts=counts,
                    goals=tuple(goals))


def goal_attainment(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int
                    ) -> GoalAttainment:
    """How many of the relationship's goals are achieved, active (open) and dropped."""
    with engine.read() as conn:
        snap, _workflow, _who, _settings = _open(engine, conn, relationship, viewer)
        return _attainment(*_counts(conn, G.c.relationship_id == snap.id))


def programme_goal_attainment(engine: Engine, programme: str | int, viewer: Actor | int) -> GoalAttainment:
    """The same figures over every relationship of a programme; for its coordinators (and the system)."""
    with engine.read() as conn:
        programme_id = engine.programme_id(programme, conn)
        coordinator_for(conn, viewer, programme_id,
                        refusal=_("Only a coordinator of the programme may see its figures."))
        return _attainment(*_counts(conn, R.c.programme_id == programme_id))


def self_assessment_growth(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int,
                           member: int | None = None) -> SelfAssessmentGrowth:
    """Per competence the start rating, the closure rating and the change between them, of one member.

    ``member`` is whose assessments (each mentee of a group assesses themselves); by default the viewer's
    own, else the first member who assessed (a pair's mentee).
    """
    with engine.read() as conn:
        snap, workflow, who, settings = _open(engine, conn, relationship, viewer)
        found = conn.execute(select(SA).where(SA.c.relationship_id == snap.id).order_by(SA.c.id)).all()
        authors = [row.author_id for row in found]
        if member is None:
            member = who.actor.person_id if who.actor.person_id in authors else (authors[0] if authors else None)
        rows = {row.phase: row for row in found if row.author_id == member}
    config = goal_settings(workflow.programme)
    ratings: dict[str, dict[str, Any]] = {}
    levels = [access(who, Visibility.PAIR, None, settings)] if not rows else []
    for phase, row in rows.items():
        level = access(who, row.visibility, row.author_id, settings)
        levels.append(level)
        if level is Access.NONE:
            continue  # a private assessment: not even its time is shown to others
        ratings[phase] = dict(row.ratings) if level is Access.FULL else {}
    overall = min(levels, key=_LEVELS.index)
    competences = []
    for competence in config.competences:
        start = ratings.get("start", {}).get(competence.id)
        closure = ratings.get("closure", {}).get(competence.id)
        competences.append(CompetenceGrowth(
            id=competence.id, label=competence.label, start=start, closure=closure,
            delta=closure - start if start is not None and closure is not None else None))
    return SelfAssessmentGrowth(
        relationship_id=snap.id, access=overall, scale_min=config.scale_min, scale_max=config.scale_max,
        start_at=as_utc(rows["start"].assessed_at) if "start" in ratings else None,
        closure_at=as_utc(rows["closure"].assessed_at) if "closure" in ratings else None,
        competences=tuple(competences))
