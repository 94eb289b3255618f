"""What the workflow timers make due: recurring duties (a reflection every 14 days) and deadlines.

Due work is derived from the database — relationship state, when the state
was entered, and the audit events of the transitions that satisfy a duty —
never from a message broker, so a lost message is found again by the next
scan. Each query selects only relationships that may be due (pure
comparisons against precomputed thresholds, which use the indexes on both
SQLite and PostgreSQL); Python then works out the exact times for those.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ScalarSelect, and_, bindparam, case, func, or_, select
from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.db.models import AuditEvent, Relationship, RelationshipMember
from mentorflow.workflow.model import Timer, Workflow

R = Relationship.__table__
A = AuditEvent.__table__
M = RelationshipMember.__table__


@dataclass(frozen=True, slots=True)
class Duty:
    """One member's recurring duty on one relationship in its current period."""

    relationship_id: int
    programme_id: int
    timer: Timer
    role: str
    person_id: int | None
    period_start: datetime
    due_at: datetime
    workflow_version_id: int | None = None

    def overdue_by(self, now: datetime) -> timedelta:
        return max(now - self.due_at, timedelta(0))

    def reminder_times(self) -> list[datetime]:
        return sorted(self.due_at + offset for offset in self.timer.remind)

    @property
    def escalate_at(self) -> datetime | None:
        return self.due_at + self.timer.escalate_after if self.timer.escalate_after is not None else None


@dataclass(frozen=True, slots=True)
class DeadlineDue:
    relationship_id: int
    programme_id: int
    version: int
    timer: Timer
    due_at: datetime


@dataclass(frozen=True, slots=True)
class TimerNotice:
    """A notification a timer scan owed (``mentorflow_timer_scan``): a reminder, an escalation or a digest."""

    kind: str
    """``"reminder"``, ``"escalation"``, or another kind the answering plugin names."""
    recipient_id: int | None
    role: str | None
    timer: str | None
    due_at: datetime | None


def _last_by_member(timer: Timer) -> ScalarSelect[Any]:
    """When the member of the outer row last did the duty (a transition that satisfies it, fired by them)."""
    return (select(func.max(A.c.at)).where(A.c.relationship_id == M.c.relationship_id,
                                           A.c.transition.in_(timer.satisfied_by), A.c.actor_id == M.c.person_id)
            .scalar_subquery())


def duties(conn: Connection, workflow_version_id: int, workflow: Workflow, timer: Timer, now: datetime,
           horizon: timedelta = timedelta(0), relationship_id: int | None = None,
           everyone: bool = False) -> Iterator[Duty]:
    """Duties of ``timer`` that fall due on or before ``now + horizon`` (all of them for one relationship).

    A recurring duty is owed by each current member in the timer's roles separately (each mentee of a
    group reflects; a pair's mentor and mentee each do), so a period starts when the state was entered,
    when the member joined, or when that member last did the duty, whichever is latest.
    ``horizon`` lets a scan see duties whose earliest reminder (a negative
    offset such as ``-P2D``) has come although the duty itself has not.
    ``everyone`` yields the current period of every relationship in the
    timer's states, due or not (what the reminders' due table is rebuilt from).
    """
    assert timer.kind == "recurring" and timer.every is not None
    lead = max([horizon, *(-o for o in timer.remind if o < timedelta(0))])
    threshold = now + lead - timer.every  # base (period start) <= threshold  <=>  due - lead <= now
    query = select(R.c.id, R.c.programme_id, M.c.person_id, M.c.role, R.c.state_entered_at, M.c.joined_at,
                   _last_by_member(timer).label("last_done")).select_from(R.join(M, M.c.relationship_id == R.c.id)
                                                                       ).where(
        R.c.workflow_version_id == workflow_version_id, R.c.state.in_(timer.states),
        M.c.left_at.is_(None), M.c.role.in_(timer.who))
    if relationship_id is not None:
        # In the timer's order of roles (a pair's mentor, then its mentee), then in the order they joined.
        order = case({role: i for i, role in enumerate(timer.who)}, value=M.c.role)
        query = query.where(R.c.id == relationship_id).order_by(order, M.c.joined_seq, M.c.id)
    elif not everyone:
        # A period starts at the latest of: state entered, member joined, member last did the duty; it may be
        # due only if all are at or before the threshold. The last time is filtered on in an outer query:
        # written in the WHERE clause beside the select list, PostgreSQL evaluated the subquery three times
        # per row. OFFSET 0 keeps the planner from folding the inner query back in.
        cutoff: BindParameter[datetime] = bindparam("threshold", threshold)
        inner = query.where(R.c.state_entered_at <= cutoff, M.c.joined_at <= cutoff).offset(0).subquery("candidates")
        query = select(inner).where(or_(inner.c.last_done.is_(None), inner.c.last_done <= cutoff))
    every, latest = timer.every, now + lead
    # Columns by position (a scan reads 100,000 rows: attribute lookups by name add up):
    # id, programme_id, person_id, role, state_entered_at, joined_at, last_done.
    # Streamed (a server-side cursor on PostgreSQL) so a scan holds one batch of rows at a time.
    for row in conn.execute(query.execution_options(stream_results=True, yield_per=2000)):
        start = max(as_utc(row[4]), as_utc(row[5]))
        if row[6] is not None:
            start = max(start, as_utc(row[6]))
        due = start + every
        if relationship_id is None and not everyone and due > latest:
            continue
        yield Duty(row[0], row[1], timer, row[3], row[2], start, due, workflow_version_id)


def deadlines(conn: Connection, workflow_version_id: int, timer: Timer, now: datetime) -> Iterator[DeadlineDue]:
    """Relationships whose deadline ``timer`` has passed while they are still in one of its states."""
    assert timer.kind == "deadline" and timer.after is not None
    anchor = R.c.started_at if timer.anchor == "relationship_started" else R.c.state_entered_at
    rows = conn.execute(select(R.c.id, R.c.programme_id, R.c.version, anchor.label("anchor")).where(
        and_(R.c.workflow_version_id == workflow_version_id, R.c.state.in_(timer.states),
             anchor <= now - timer.after)))
    for row in rows:
        yield DeadlineDue(row.id, row.programme_id, row.version, timer, as_utc(row.anchor) + timer.after)
