"""Read side of the reflections plugin: reflections, duties, pulse surveys and programme figures.

Visibility is decided only by :mod:`mentorflow.policy`: reflections are
``pair`` items (``private`` when their form is private); schedules are
``programme`` items; programme figures are for coordinators and only ever
aggregate. Strangers get :class:`mentorflow.NotFound`, as for a relationship that does
not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from mentorflow import SYSTEM, Actor, Engine, RelationshipSnapshot
from mentorflow.clock import as_utc
from mentorflow.db.models import Relationship
from mentorflow.i18n import _
from mentorflow.policy import Access, Viewer, Visibility, access, coordinator_for, relationship_for
from mentorflow.relationships import members_of, snapshot_from_row
from mentorflow.workflow.model import Workflow

from . import queries, schedule
from .models import PulseAnswer, Reflection
from .pulse import PULSE_EFFECT, schedule_from_settings
from .schedule import Duty

E = Reflection.__table__
P = PulseAnswer.__table__
R = Relationship.__table__


@dataclass(frozen=True, slots=True)
class ReflectionView:
    """A reflection as one viewer may see it: ``content`` and scores are None unless ``access`` is FULL."""

    id: int
    relationship_id: int
    author_id: int
    role: str
    submitted_at: datetime
    period_index: int
    due_at: datetime | None
    visibility: str
    access: Access
    content: dict[str, Any] | None = None
    trust: int | None = None
    engagement: int | None = None
    health: int | None = None


@dataclass(frozen=True, slots=True)
class ReflectionStatus:
    """Where each owing role stands with its reflections (empty ``duties`` while no timer runs)."""

    relationship_id: int
    state: str
    timer_id: str | None
    duties: dict[str, Duty] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.timer_id is not None


@dataclass(frozen=True, slots=True)
class DueRelationship:
    """A relationship with at least one reflection duty due (or due within the horizon asked for)."""

    relationship: RelationshipSnapshot
    timer_id: str
    duties: dict[str, Duty]


@dataclass(frozen=True, slots=True)
class PulseStatus:
    """The pulse survey of a relationship at one moment."""

    relationship_id: int
    open: bool
    """A survey period is open and the relationship is in a state where it can be answered."""
    period: int | None
    opened_at: datetime | None
    next_opens_at: datetime
    due_roles: tuple[str, ...]
    answered_roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProgrammeHealth:
    """Aggregated figures for coordinators; never an individual's content."""

    programme: str
    relationships: int
    reflections: int
    reflections_by_role: dict[str, int]
    private_reflections: int
    duties_on_time: int
    duties_late: int
    duties_overdue: int
    regularity: float | None
    """Share of reflection duties met on time: on time / (on time + late + overdue now)."""
    average_trust: float | None
    average_engagement: float | None
    average_health: float | None
    pulse_answers: int
    average_satisfaction: float | None


# -- helpers -----------------------------------------------------------------
def _open(engine: Engine, conn: Connection, relationship: RelationshipSnapshot | int, viewer: Actor | int
          ) -> tuple[RelationshipSnapshot, Workflow, Viewer, Any]:
    """The relationship, its workflow, the viewer's roles and the programme settings; strangers are refused."""
    snap, who = relationship_for(conn, viewer, relationship)
    workflow = engine.workflow_by_version(snap.workflow_version_id, conn)
    return snap, workflow, who, workflow.programme.get("settings")


def _average(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


# -- reflections -------------------------------------------------------------
def reflections(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int
                ) -> list[ReflectionView]:
    """The relationship's reflections, oldest first, as ``viewer`` may see them.

    The pair sees each other's shared reflections; a private reflection is
    seen by its author only; coordinators see who reflected when, and the
    content (scores included) only where the programme lets them.
    """
    with engine.read() as conn:
        snap, workflow, who, settings = _open(engine, conn, relationship, viewer)
        # Fields a form marks private stay with their author even inside a shared reflection.
        private_fields = {name for form in workflow.forms.values() for name, meta in form.fields.items()
                          if isinstance(meta, dict) and meta.get("private")}
        rows = conn.execute(select(E).where(E.c.relationship_id == snap.id).order_by(E.c.submitted_at, E.c.id))
        out = []
        for row in rows:
            level = access(who, row.visibility, row.author_id, settings)
            if level is Access.NONE:
                continue
            full = level is Access.FULL
            own = who.is_system or who.actor.person_id == row.author_id
            content = dict(row.content) if full else None
            if content is not None and not own:
                content = {k: v for k, v in content.items() if k not in private_fields}
            hidden = set() if own else private_fields
            out.append(ReflectionView(
                id=row.id, relationship_id=row.relationship_id, author_id=row.author_id, role=row.role,
                submitted_at=as_utc(row.submitted_at), period_index=row.period_index,
                due_at=as_utc(row.due_at) if row.due_at is not None else None, visibility=row.visibility,
                access=level, content=content, trust=row.trust if full and "trust" not in hidden else None,
                engagement=row.engagement if full and "engagement" not in hidden else None,
                health=row.health if full and "health" not in hidden else None))
        return out


def reflection_status(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int
                      ) -> ReflectionStatus:
    """Each owing role's next due time, whether it is overdue and by how many days."""
    now = engine.clock.now()
    with engine.read() as conn:
        snap, workflow, _who, _settings = _open(engine, conn, relationship, viewer)
        timer = schedule.running_timer(workflow, snap.state)
        if timer is None:
            return ReflectionStatus(snap.id, snap.state, None)
        since = queries.active_since(conn, snap.id, timer) or snap.state_entered_at
        last = queries.last_done(conn, snap.id, timer)
    return ReflectionStatus(snap.id, snap.state, timer.id, schedule.duties(snap, timer, last, now, since))


def due_relationships(engine: Engine, now: datetime, programme: str | int | None = None, *,
                      horizon: timedelta = timedelta(0)) -> list[DueRelationship]:
    """Relationships with reflection duties due at ``now`` (or by ``now + horizon``, for reminders).

    One query lists the workflow versions open relationships are pinned to;
    then one query per version and reflection timer lets the database pick
    the due relationships (see :func:`queries.due_statement`). Only the rows
    it returns are looked at in Python.
    """
    out: list[DueRelationship] = []
    with engine.read() as conn:
        programme_id = engine.programme_id(programme, conn) if programme is not None else None
        for version_id in queries.live_versions(conn, programme_id):
            workflow = engine.workflow_by_version(version_id, conn)
            for timer in schedule.reflection_timers(workflow):
                cutoff = schedule.due_cutoff(timer, now, horizon)
                rows = conn.execute(queries.due_statement(version_id, timer, cutoff, programme_id)).all()
                members = members_of(conn, (row.id for row in rows))
                for row in rows:
                    snap = snapshot_from_row(row, members[row.id])
                    values = row._mapping
                    last = {role: as_utc(values[f"{role}_last"]) if values.get(f"{role}_last") else None
                            for role in timer.who}
                    found = schedule.duties(snap, timer, last, now, as_utc(values["active_since"]))
                    due = {role: d for role, d in found.items() if d.due_at <= now + horizon}
                    if due:
                        out.append(DueRelationship(snap, timer.id, due))
    return sorted(out, key=lambda d: (d.relationship.id, d.timer_id))


# -- pulse surveys -------------------------------------------------------------
def pulse_due(engine: Engine, relationship: RelationshipSnapshot | int, now: datetime) -> PulseStatus:
    """Which roles still owe an answer to the pulse survey open at ``now`` (asked by code acting as the system)."""
    with engine.read() as conn:
        snap, _system = relationship_for(conn, SYSTEM, relationship)
        workflow = engine.workflow_by_version(snap.workflow_version_id, conn)
        pulse = schedule_from_settings(workflow.programme.get("settings"))
        answerable = {s for t in workflow.transitions.values() if any(e.name == PULSE_EFFECT for e in t.effects)
                      for s in t.sources}
        period = pulse.period_at(snap.started_at, now)
        is_open = period is not None and snap.state in answerable and snap.closed_at is None
        answered: set[str] = set()
        if period is not None:
            answered = set(conn.execute(select(P.c.role).where(P.c.relationship_id == snap.id,
                                                                P.c.period_index == period)).scalars())
    people = {"mentor": snap.mentor_id, "mentee": snap.mentee_id}
    owing = [r for r in pulse.who if people.get(r) is not None]
    return PulseStatus(
        relationship_id=snap.id, open=is_open, period=period,
        opened_at=pulse.opens_at(snap.started_at, period) if period is not None else None,
        next_opens_at=pulse.opens_at(snap.started_at, 0 if period is None else period + 1),
        due_roles=tuple(r for r in owing if r not in answered) if is_open else (),
        answered_roles=tuple(r for r in owing if r in answered),
    )


# -- programme figures -----------------------------------------------------------
def programme_health(engine: Engine, programme_key: str | int, viewer: Actor | int) -> ProgrammeHealth:
    """Reflection regularity, average health and satisfaction scores and counts for a programme.

    Coordinators only. Scores of private reflections are left out of the
    averages (their content is the author's alone); they are only counted.
    """
    now = engine.clock.now()
    private = E.c.visibility == Visibility.PRIVATE.value
    with engine.read() as conn:
        programme_id = engine.programme_id(programme_key, conn)
        coordinator_for(conn, viewer, programme_id,
                        refusal=_("Only a coordinator of the programme may see its figures."))
        in_programme = and_(R.c.id == E.c.relationship_id, R.c.programme_id == programme_id)
        relationships = conn.execute(select(func.count()).select_from(R).where(
            R.c.programme_id == programme_id, R.c.closed_at.is_(None))).scalar_one()
        by_role: dict[str, int] = dict(conn.execute(select(E.c.role, func.count()).select_from(E.join(R, in_programme))
                                    .group_by(E.c.role)).all())
        figures = conn.execute(select(
            func.count(case((private, 1))),
            func.count(case((and_(E.c.due_at.is_not(None), E.c.submitted_at <= E.c.due_at), 1))),
            func.count(case((and_(E.c.due_at.is_not(None), E.c.submitted_at > E.c.due_at), 1))),
            func.avg(case((~private, E.c.trust))),
            func.avg(case((~private, E.c.engagement))),
            func.avg(case((~private, E.c.health))),
        ).select_from(E.join(R, in_programme))).one()
        pulses = conn.execute(select(func.count(), func.avg(P.c.satisfaction)).select_from(
            P.join(R, and_(R.c.id == P.c.relationship_id, R.c.programme_id == programme_id)))).one()
    overdue = sum(1 for due in due_relationships(engine, now, programme_id)
                  for d in due.duties.values() if d.overdue)
    on_time, late = figures[1], figures[2]
    duties = on_time + late + overdue
    return ProgrammeHealth(
        programme=str(programme_key), relationships=relationships, reflections=sum(by_role.values()),
        reflections_by_role=by_role, private_reflections=figures[0], duties_on_time=on_time, duties_late=late,
        duties_overdue=overdue, regularity=round(on_time / duties, 4) if duties else None,
        average_trust=_average(figures[3]), average_engagement=_average(figures[4]),
        average_health=_average(figures[5]), pulse_answers=pulses[0], average_satisfaction=_average(pulses[1]),
    )
