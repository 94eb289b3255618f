"""The reflections plugin's part of the programme figures (definitions in docs/figures.md).

Values: reflections recorded (``reflections.count``), those with a due time submitted by it
(``reflections.on_time``) or after it (``reflections.late``), reflections per ISO week
(``reflections.week.<Monday>``), the health score's sum and count over shared reflections, pulse
satisfaction's sum and count, and ``risk.falling_health`` when the newest shared health score is
below the one before. Deadline ``silent``: two cadences after the latest reflection of either side
(or after the cadence started), while the reflection timer runs. (Overdue duties are the figures
plugin's own: every recurring timer's, as the reminder scan reckons them.)
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.figures import Deadline, RelationshipFigures
from mentorflow.policy import Visibility
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.workflow.model import Workflow

from . import queries, schedule
from .models import PulseAnswer, Reflection

E = Reflection.__table__
P = PulseAnswer.__table__
SILENT_CADENCES = 2
"""A relationship with no reflection for this many cadences is at risk."""


def _week(at: object) -> str:
    day = as_utc(at).replace(hour=0, minute=0, second=0, microsecond=0)  # type: ignore[arg-type]
    return f"reflections.week.{(day - timedelta(days=day.weekday())).date().isoformat()}"


def relationship_figures(conn: Connection, snap: RelationshipSnapshot, workflow: Workflow) -> RelationshipFigures:
    values: dict[str, float] = {}

    def add(name: str, value: float = 1) -> None:
        values[name] = values.get(name, 0) + value

    health: list[int] = []
    for row in conn.execute(select(E.c.submitted_at, E.c.due_at, E.c.visibility, E.c.health)
                            .where(E.c.relationship_id == snap.id).order_by(E.c.submitted_at, E.c.id)):
        add("reflections.count")
        add(_week(row.submitted_at))
        if row.due_at is not None:
            add("reflections.on_time" if as_utc(row.submitted_at) <= as_utc(row.due_at) else "reflections.late")
        if row.visibility != Visibility.PRIVATE.value and row.health is not None:
            health.append(row.health)
    if health:
        add("reflections.health_sum", sum(health))
        add("reflections.health_n", len(health))
    if len(health) >= 2 and health[-1] < health[-2]:
        add("risk.falling_health")
    for satisfaction in conn.execute(select(P.c.satisfaction).where(P.c.relationship_id == snap.id)).scalars():
        add("pulse.satisfaction_sum", satisfaction)
        add("pulse.satisfaction_n")
    return RelationshipFigures(values=values, deadlines=tuple(_deadlines(conn, snap, workflow)))


def _deadlines(conn: Connection, snap: RelationshipSnapshot, workflow: Workflow) -> list[Deadline]:
    timer = schedule.running_timer(workflow, snap.state)
    if timer is None or timer.every is None or snap.closed_at is not None:
        return []
    since = queries.active_since(conn, snap.id, timer) or snap.state_entered_at
    last = queries.last_done(conn, snap.id, timer)
    latest = max([since, *(at for at in last.values() if at is not None and at > since)])
    return [Deadline("silent", latest + timer.every * SILENT_CADENCES)]
