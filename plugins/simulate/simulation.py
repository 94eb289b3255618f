"""A dry run of one relationship through a workflow, on a temporary SQLite database and a virtual clock.

Nothing is mocked: the workflow is published and a relationship started
on a real (throw-away) database, scripted transitions go through
``Engine.fire`` with its guards and effects, and at every instant where
something can happen the real reminder scan
(``mentorflow_timer_scan``, answered by the reminders plugin) runs, owing reminders
and escalations in its outbox and firing deadlines. The clock jumps from
one such instant to the next (a scripted step, a reminder, a due time, an
escalation, a deadline), so a six-month programme takes a moment.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mentorflow import SYSTEM, Engine, ManualClock, UserError
from mentorflow.i18n import _
from mentorflow.timers import duties
from mentorflow.workflow.model import Workflow

from .sample import sample

PROGRAMME = "simulation"
ROLES = ("mentor", "mentee", "coordinator")
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Step:
    """Someone fires a transition at ``offset`` after the start."""

    offset: timedelta
    role: str
    transition: str
    data: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Reflect:
    """Policy: ``role`` does whatever recurring duty runs (submits a reflection) at ``offset``."""

    offset: timedelta
    role: str


@dataclass
class Event:
    """One line of the simulated timeline."""

    at: datetime
    kind: str
    """start, transition, refused, due, reminder, escalation, deadline or skipped."""
    role: str | None = None
    recipient: str | None = None
    transition: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    timer: str | None = None
    due_at: datetime | None = None
    message: str | None = None

    def as_dict(self, start: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at.isoformat(), "day": round((self.at - start) / timedelta(days=1), 4),
                               "kind": self.kind}
        for key in ("role", "recipient", "transition", "from_state", "to_state", "timer", "message"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.due_at is not None:
            out["due_at"] = self.due_at.isoformat()
        return out


KINDS = ("transition", "refused", "due", "reminder", "escalation", "deadline", "skipped")


@dataclass
class Simulation:
    """What happened: the workflow, the time span and the events in order."""

    workflow: Workflow
    start: datetime
    end: datetime
    events: list[Event] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {kind: sum(1 for e in self.events if e.kind == kind) for kind in KINDS}

    def as_dict(self) -> dict[str, Any]:
        return {"workflow": self.workflow.id, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "days": (self.end - self.start).days, "events": [e.as_dict(self.start) for e in self.events],
                "counts": self.counts()}


class _Run:
    """The state of one simulation while it runs."""

    def __init__(self, engine: Engine, clock: ManualClock, workflow: Workflow, data: Mapping[str, Any]) -> None:
        self.engine, self.clock, self.workflow, self.data = engine, clock, workflow, data
        self.people = {role: engine.add_person(role.capitalize()) for role in ROLES}
        for role, person in self.people.items():
            engine.grant_role(PROGRAMME, person, role)
        self.roles = {person: role for role, person in self.people.items()}
        self.rel = engine.start_relationship(PROGRAMME, mentee=self.people["mentee"], mentor=self.people["mentor"])
        self.seq = 1
        self.due_seen: set[tuple[str, str, datetime]] = set()
        self.events: list[Event] = [Event(clock.now(), "start", to_state=self.rel.state)]

    # -- acting -------------------------------------------------------------
    def fire(self, role: str, transition: str, data: Mapping[str, Any] | None) -> None:
        actor = SYSTEM if role == "system" else self.people.get(role)
        if actor is None:
            self.events.append(Event(self.clock.now(), "refused", role=role, transition=transition,
                                     message=_("unknown role '{role}'").format(role=role)))
            return
        try:
            self.engine.fire(self.rel.id, transition, actor, self._data(transition, data))
        except UserError as error:
            self.events.append(Event(self.clock.now(), "refused", role=role, transition=transition,
                                     message=error.message))
        self._record_transitions("transition")

    def _data(self, transition: str, given: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if given is not None:
            return dict(given)
        if transition in self.data:
            return dict(self.data[transition])
        spec = self.workflow.transitions.get(transition)
        if spec is None or spec.form is None or spec.form not in self.workflow.forms:
            return None
        return sample(dict(self.workflow.forms[spec.form].schema), self.clock.now())

    def reflect(self, role: str) -> None:
        state = self.engine.get(self.rel.id).state
        for timer in self.workflow.timers:
            if timer.kind != "recurring" or state not in timer.states or role not in timer.who:
                continue
            for transition in sorted(timer.satisfied_by):
                spec = self.workflow.transitions[transition]
                if state in spec.sources and role in spec.roles:
                    self.fire(role, transition, None)
                    return
        self.events.append(Event(self.clock.now(), "skipped", role=role,
                                 message=_("no recurring duty of the {role} runs in state '{state}'").format(
                                     role=role, state=state)))

    # -- observing ----------------------------------------------------------
    def _record_transitions(self, kind: str) -> None:
        for entry in self.engine.timeline(self.rel.id):
            if entry.seq <= self.seq:
                continue
            self.seq = entry.seq
            timer = next((t.id for t in self.workflow.timers if t.fire == entry.transition), None) \
                if kind == "deadline" else None
            self.events.append(Event(entry.at, kind, role=entry.actor_role, transition=entry.transition,
                                     from_state=entry.from_state, to_state=entry.to_state, timer=timer))

    def scan(self) -> None:
        now = self.clock.now()
        self._record_due(now)
        # Whichever plugin keeps the outbox (reminders) owes reminders and escalations, then fires deadlines.
        for notices in self.engine.pm.hook.mentorflow_timer_scan(engine=self.engine, now=now):
            for notice in notices or ():
                self.events.append(Event(now, notice.kind, role=notice.role,
                                         recipient=self.roles.get(notice.recipient_id), timer=notice.timer,
                                         due_at=notice.due_at))
        self._record_transitions("deadline")

    def _duties(self, now: datetime) -> list[Any]:
        rel = self.engine.get(self.rel.id)
        found: list[Any] = []
        with self.engine.read() as conn:
            for timer in self.workflow.timers:
                if timer.kind == "recurring" and rel.state in timer.states:
                    found += duties(conn, rel.workflow_version_id, self.workflow, timer, now,
                                    relationship_id=rel.id)
        return found

    def _record_due(self, now: datetime) -> None:
        for duty in self._duties(now):
            key = (duty.timer.id, duty.role, duty.due_at)
            if duty.due_at <= now and key not in self.due_seen:
                self.due_seen.add(key)
                self.events.append(Event(duty.due_at, "due", role=duty.role, timer=duty.timer.id,
                                         due_at=duty.due_at))

    def next_instant(self, now: datetime) -> datetime | None:
        """The earliest time after ``now`` at which a timer can do something."""
        times = []
        for duty in self._duties(now):
            times += [*duty.reminder_times(), duty.due_at]
            if duty.escalate_at is not None:
                times.append(duty.escalate_at)
        rel = self.engine.get(self.rel.id)
        for timer in self.workflow.timers:
            if timer.kind == "deadline" and timer.after is not None and rel.state in timer.states:
                anchor = rel.started_at if timer.anchor == "relationship_started" else rel.state_entered_at
                times.append(anchor + timer.after)
        later = [t for t in times if t > now]
        return min(later) if later else None


def simulate(document: Mapping[str, Any], *, days: int, steps: Sequence[Step] = (), reflect: Iterable[Reflect] = (),
             data: Mapping[str, Mapping[str, Any]] | None = None, start: datetime = DEFAULT_START,
             source: str = "") -> Simulation:
    """Run one relationship through ``document`` for ``days`` days; raises WorkflowInvalid for a bad document."""
    with tempfile.TemporaryDirectory(prefix="mentorflow-simulate-") as folder:
        clock = ManualClock(start)
        # The reminders plugin is named explicitly: the simulation needs its outbox even where it is disabled.
        engine = Engine(f"sqlite:///{Path(folder) / 'simulation.db'}", clock=clock,
                        plugins=["mentorflow.plugins.reminders"])
        try:
            return _simulate(engine, clock, document, days, steps, reflect, data or {}, start, source)
        finally:
            engine.db.dispose()


def _simulate(engine: Engine, clock: ManualClock, document: Mapping[str, Any], days: int, steps: Sequence[Step],
              reflect: Iterable[Reflect], data: Mapping[str, Mapping[str, Any]], start: datetime,
              source: str) -> Simulation:
    workflow = engine.load_workflow(dict(document), source)
    engine.upgrade_database()
    engine.publish_workflow(PROGRAMME, dict(document), source)
    run = _Run(engine, clock, workflow, data)
    end = start + timedelta(days=days)
    # (time, order, action): scripted steps first, then the policy, each in the order given.
    actions: list[tuple[datetime, int, Step | Reflect]] = sorted(
        [(start + s.offset, i, s) for i, s in enumerate(steps)]
        + [(start + r.offset, len(steps) + i, r) for i, r in enumerate(reflect)], key=lambda a: (a[0], a[1]))
    actions = [a for a in actions if a[0] <= end]
    now = start
    while True:
        while actions and actions[0][0] <= now:
            _at, _order, action = actions.pop(0)
            if isinstance(action, Step):
                run.fire(action.role, action.transition, action.data)
            else:
                run.reflect(action.role)
        run.scan()
        if now >= end:
            break
        candidates = [t for t in (run.next_instant(now), actions[0][0] if actions else None) if t is not None]
        now = min([*candidates, end])
        clock.set(now)
    run.events.sort(key=lambda e: e.at)  # stable: same-time events keep the order they happened in
    return Simulation(workflow, start, end, run.events)
