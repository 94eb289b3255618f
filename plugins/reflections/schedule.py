"""The reflection cadence as pure functions: no database, no clock — everything is passed in.

A workflow's ``recurring`` timer says: while the relationship is in one of
``states``, each role in ``who`` owes a ``satisfied_by`` transition every
``every``. A role's current period starts at the later of

- when the relationship last *entered* the timer's states from outside them
  (``active_since``: time spent in other states, a pause for example, owes
  nothing, and the cadence restarts on return), and
- when that role last fired a satisfying transition (reflecting restarts it).

The duty falls due at ``period_start + every``: it is *due* from that
instant on and *overdue* once the due time has passed. Reminders are the
timer's ``remind`` offsets from the due time; the coordinator is told at
``due + escalate_after``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from mentorflow.snapshots import MEMBER_ROLES, RelationshipSnapshot
from mentorflow.workflow.model import Timer, Workflow

RECORD_EFFECT = "reflections.record"
DUTY_ROLES = MEMBER_ROLES


@dataclass(frozen=True, slots=True)
class Duty:
    """One role's reflection duty under one timer, as it stands at ``now``."""

    timer_id: str
    role: str
    period_start: datetime
    due_at: datetime
    reminders: tuple[datetime, ...]
    escalate_at: datetime | None
    now: datetime
    last_done: datetime | None = None

    @property
    def next_due(self) -> datetime:
        """When the current period's reflection is due (alias of ``due_at``)."""
        return self.due_at

    @property
    def is_due(self) -> bool:
        """The due time has come (it may also have passed)."""
        return self.now >= self.due_at

    @property
    def overdue(self) -> bool:
        """The due time has passed without the duty being met."""
        return self.now > self.due_at

    @property
    def overdue_by(self) -> timedelta:
        return max(self.now - self.due_at, timedelta(0))

    @property
    def days_overdue(self) -> int:
        """Whole days past the due time (0 during the first day of being overdue)."""
        return self.overdue_by.days

    @property
    def escalated(self) -> bool:
        return self.escalate_at is not None and self.now >= self.escalate_at

    @property
    def next_reminder(self) -> datetime | None:
        """The first reminder still to come, if any."""
        return next((r for r in self.reminders if r > self.now), None)


def timer_runs(timer: Timer, state: str) -> bool:
    """The timer counts time only while the relationship is in one of its states."""
    return timer.kind == "recurring" and timer.every is not None and state in timer.states


def owing_roles(relationship: RelationshipSnapshot, timer: Timer) -> tuple[str, ...]:
    """The roles of ``timer.who`` that someone holds on this relationship (no mentor yet: no mentor duty)."""
    return tuple(role for role in timer.who if relationship.people(role))


def period_start(active_since: datetime, last_done: datetime | None) -> datetime:
    """The later of entering the timer's states and the role's last satisfying transition."""
    return active_since if last_done is None or last_done < active_since else last_done


def duty(timer: Timer, role: str, active_since: datetime, last_done: datetime | None, now: datetime) -> Duty:
    """The duty of ``role`` while the timer runs (the caller checks :func:`timer_runs`)."""
    assert timer.every is not None, "only recurring timers have duties"
    start = period_start(active_since, last_done)
    due_at = start + timer.every
    return Duty(
        timer_id=timer.id, role=role, period_start=start, due_at=due_at,
        reminders=tuple(sorted(due_at + offset for offset in timer.remind)),
        escalate_at=due_at + timer.escalate_after if timer.escalate_after is not None else None,
        now=now, last_done=last_done,
    )


def duties(relationship: RelationshipSnapshot, timer: Timer, last_done: Mapping[str, datetime | None],
           now: datetime, active_since: datetime | None = None) -> dict[str, Duty]:
    """Each owing role's duty; empty while the relationship is outside the timer's states.

    ``active_since`` defaults to the relationship's ``state_entered_at`` (right
    when the timer covers a single state).
    """
    if not timer_runs(timer, relationship.state):
        return {}
    since = active_since if active_since is not None else relationship.state_entered_at
    return {role: duty(timer, role, since, last_done.get(role), now) for role in owing_roles(relationship, timer)}


def due_cutoff(timer: Timer, now: datetime, horizon: timedelta = timedelta(0)) -> datetime:
    """A duty whose period started at or before this instant is due by ``now + horizon``.

    Lets SQL select due duties by comparing stored times, with no date
    arithmetic in the database.
    """
    assert timer.every is not None
    return now + horizon - timer.every


def reflection_timers(workflow: Workflow) -> tuple[Timer, ...]:
    """Recurring timers satisfied by a transition that records reflections (``reflections.record``)."""
    recording = {t.id for t in workflow.transitions.values() if any(e.name == RECORD_EFFECT for e in t.effects)}
    return tuple(t for t in workflow.timers
                 if t.kind == "recurring" and t.every is not None and t.satisfied_by & recording)


def timer_for(workflow: Workflow, transition: str, state: str, role: str) -> Timer | None:
    """The reflection timer that ``transition`` fired by ``role`` in ``state`` satisfies, if any."""
    for timer in reflection_timers(workflow):
        if transition in timer.satisfied_by and timer_runs(timer, state) and role in timer.who:
            return timer
    return None


def running_timer(workflow: Workflow, state: str) -> Timer | None:
    """The first reflection timer that runs in ``state``."""
    return next((t for t in reflection_timers(workflow) if timer_runs(t, state)), None)
