"""The due table (``mf_reminder_due``): when each relationship's duties fall due, kept as transitions happen.

The scan used to derive what is due from the relationships' states and the
audit log on every run, reading every relationship in a timer's states; at
100,000 relationships that cost as much as a naive Python loop. Here each
relationship's current period per recurring duty (and its deadline, for a
deadline timer that fires a transition) is a row, written in the transaction
of the transition that changes it (:func:`on_transition`, called from the
plugin's ``mentorflow_apply_transition``), so the scan reads only the rows
whose ``next_at`` has come, through its index.

What changes a due time, and where it is kept right:

- entering a state (pause, resume, any move; closure enters a terminal state):
  the relationship's rows are replaced, the period starting at the transition;
- a transition that satisfies a recurring duty: that role's row restarts;
- starting a relationship: ``mentorflow_relationship_started``;
- deleting a relationship: the rows go with it (ON DELETE CASCADE); a retention
  purge removes them too (they hold no personal data, but nothing is due then);
- anything that bypasses the engine (a bulk load, a restore, an upgrade from a
  database without the table): :func:`rebuild`, also run by the plugin's
  migration and by ``mentorflow reminders rebuild-due``.

``next_at`` is the scan's cursor: the first reminder's time at first (before
the due time for a negative offset), then, after each scan, the next reminder
or escalation still to come, or NULL when the period has nothing more to owe.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.db.models import Relationship, WorkflowVersion
from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.timers import deadlines, duties
from mentorflow.workflow.model import Timer, Workflow

from .models import DueDuty

log = logging.getLogger("mentorflow.reminders")
D = DueDuty.__table__
R = Relationship.__table__
RECURRING, DEADLINE = "recurring", "deadline"
DEADLINE_ROLE = ""
"""The role column of a deadline's row (a deadline is the relationship's, not a person's)."""
NOBODY = 0
"""The person column of a deadline's row (it is part of the key, so never NULL)."""
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
INSERT_CHUNK = 5000
SHARDS_ENV = "MENTORFLOW_SCAN_SHARDS"
MAX_SHARDS = 256

WorkflowOf = Callable[[Connection, int], Workflow | None]
"""The compiled workflow of a version id (None when it cannot be loaded here)."""


@dataclass(frozen=True, slots=True)
class Shard:
    """One of ``count`` parts of the scan: the relationships whose id leaves ``index`` divided by ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} of {self.count}: the index must be in 0..count-1")


def shard_count(environ: Mapping[str, str] | None = None) -> int:
    """``MENTORFLOW_SCAN_SHARDS``: how many shard tasks the periodic scan fans out to (1, the default: one task)."""
    value = (os.environ if environ is None else environ).get(SHARDS_ENV, "").strip()
    if not value:
        return 1
    if not (value.isdigit() and 1 <= int(value) <= MAX_SHARDS):
        raise ConfigurationError(_("{name} must be a whole number from 1 to {limit}, not '{value}'.").format(
            name=SHARDS_ENV, limit=MAX_SHARDS, value=value))
    return int(value)


def kept(timer: Timer) -> bool:
    """Whether the table holds rows for ``timer``: recurring duties, and deadlines that fire a transition."""
    return (timer.kind == RECURRING and timer.every is not None) or (timer.kind == DEADLINE and bool(timer.fire))


def lead(timer: Timer) -> timedelta:
    """How long before the due time the first reminder comes (a negative offset such as ``-P2D``)."""
    return max([timedelta(0), *(-offset for offset in timer.remind if offset < timedelta(0))])


def first_action(timer: Timer, due_at: datetime) -> datetime:
    """When the scan first looks at a period: what the old scan's threshold (due - lead <= now) said."""
    return due_at - lead(timer) if timer.kind == RECURRING else due_at


def next_action(timer: Timer, due_at: datetime, now: datetime) -> datetime | None:
    """The next reminder or escalation of a period after ``now`` (None: nothing more until a transition)."""
    times = [due_at + offset for offset in timer.remind]
    if timer.escalate_after is not None:
        times.append(due_at + timer.escalate_after)
    later = [at for at in times if at > now]
    return min(later) if later else None


def _row(relationship_id: int, programme_id: int, version_id: int, timer: Timer, role: str, person_id: int | None,
         period_start: datetime) -> dict[str, Any]:
    if timer.kind == RECURRING:
        assert timer.every is not None
        due = period_start + timer.every
    else:
        assert timer.after is not None
        due = period_start + timer.after
    return {"relationship_id": relationship_id, "timer": timer.id, "role": role, "person_id": person_id or NOBODY,
            "kind": timer.kind,
            "programme_id": programme_id, "workflow_version_id": version_id, "period_start": period_start,
            "due_at": due, "next_at": first_action(timer, due)}


def _rows_entered(snap: RelationshipSnapshot, workflow: Workflow) -> list[dict[str, Any]]:
    """The rows of a relationship that has just entered its state (or just started): every period starts now."""
    if snap.closed_at is not None:
        return []
    entered = as_utc(snap.state_entered_at)
    rows = []
    for timer in workflow.timers:
        if not kept(timer) or snap.state not in timer.states:
            continue
        if timer.kind == RECURRING:
            rows += [_row(snap.id, snap.programme_id, snap.workflow_version_id, timer, m.role, m.person_id,
                          max(entered, as_utc(m.joined_at)))
                     for role in timer.who for m in snap.members if m.role == role]  # in the timer's order
        else:
            anchor = as_utc(snap.started_at) if timer.anchor == "relationship_started" else entered
            rows.append(_row(snap.id, snap.programme_id, snap.workflow_version_id, timer, DEADLINE_ROLE, None,
                             anchor))
    return rows


def _derived(conn: Connection, snap: RelationshipSnapshot, workflow: Workflow, timer: Timer) -> list[dict[str, Any]]:
    """One relationship's rows of one recurring timer, derived from its state and audit log (the slow way)."""
    found = duties(conn, snap.workflow_version_id, workflow, timer, FAR_FUTURE, relationship_id=snap.id)
    return [_row(d.relationship_id, d.programme_id, snap.workflow_version_id, timer, d.role, d.person_id,
                 d.period_start) for d in found]


_RESTART = (update(D).where(D.c.relationship_id == bindparam("rid"), D.c.timer == bindparam("tid"),
                            D.c.role == bindparam("who"), D.c.person_id == bindparam("person"))
            .values(period_start=bindparam("start"), due_at=bindparam("due"), next_at=bindparam("next")))


def on_transition(event: Any, conn: Connection) -> None:
    """Keep the relationship's rows right after a transition, in its transaction (``mentorflow_apply_transition``).

    A transition that enters a state (or re-enters it) restarts every period; one
    that satisfies a duty restarts that member's period; one that changes the members
    (joining, leaving, a new mentor) derives the relationship's rows again; any other writes nothing.
    """
    snap, workflow, at = event.after, event.workflow, as_utc(event.at)
    if as_utc(snap.state_entered_at) == at:
        conn.execute(delete(D).where(D.c.relationship_id == snap.id))
        rows = _rows_entered(snap, workflow)
        if rows:
            conn.execute(insert(D), rows)
        return
    for timer in workflow.timers:
        if (not kept(timer) or timer.kind != RECURRING or snap.state not in timer.states
                or event.transition.id not in timer.satisfied_by or event.role not in timer.who):
            continue
        row = _row(snap.id, snap.programme_id, snap.workflow_version_id, timer, event.role, event.actor.person_id,
                   at)
        done = conn.execute(_RESTART, {"rid": snap.id, "tid": timer.id, "who": event.role,
                                       "person": row["person_id"], "start": at, "due": row["due_at"],
                                       "next": row["next_at"]}).rowcount
        if done != 1:  # the rows were never built (a bulk load not yet rebuilt): derive this timer's rows now
            conn.execute(delete(D).where(D.c.relationship_id == snap.id, D.c.timer == timer.id))
            conn.execute(insert(D), _derived(conn, snap, workflow, timer))
    if _people(event.before) != _people(snap):
        _derive_again(conn, snap, workflow)


def _people(snap: RelationshipSnapshot) -> frozenset[tuple[int, str]]:
    """Who is on a relationship, as the snapshot says (the one place a change of members is noticed)."""
    return frozenset((m.person_id, m.role) for m in snap.members)


def _derive_again(conn: Connection, snap: RelationshipSnapshot, workflow: Workflow) -> None:
    """The recurring rows of a relationship whose members changed, derived afresh: one row per current member,
    each back at its first action, so the next scan owes what the new members are due (and nothing to those
    who left)."""
    for timer in workflow.timers:
        if kept(timer) and timer.kind == RECURRING:
            conn.execute(delete(D).where(D.c.relationship_id == snap.id, D.c.timer == timer.id))
            if snap.state in timer.states and snap.closed_at is None:
                rows = _derived(conn, snap, workflow, timer)
                if rows:
                    conn.execute(insert(D), rows)


def on_started(snap: RelationshipSnapshot, workflow: Workflow, conn: Connection) -> None:
    """A new relationship's rows, in its creating transaction (``mentorflow_relationship_started``)."""
    rows = _rows_entered(snap, workflow)
    if rows:
        conn.execute(insert(D), rows)


def forget(relationship_id: int, conn: Connection) -> None:
    """Remove one relationship's rows (its content is purged: nothing is due on it any more)."""
    conn.execute(delete(D).where(D.c.relationship_id == relationship_id))


def derive_all(conn: Connection, workflow_of: WorkflowOf) -> Iterator[dict[str, Any]]:
    """Every row the table should hold, derived from the states and the audit log (as the scan once did)."""
    versions = conn.execute(select(R.c.workflow_version_id).where(R.c.closed_at.is_(None)).distinct()
                            .order_by(R.c.workflow_version_id)).scalars().all()
    for version_id in versions:
        workflow = workflow_of(conn, version_id)
        if workflow is None:
            log.warning("reminders: workflow version %s cannot be loaded here; its due rows are left out "
                        "(run `mentorflow reminders rebuild-due` where its plugins are installed)", version_id)
            continue
        for timer in workflow.timers:
            if not kept(timer):
                continue
            if timer.kind == RECURRING:
                for duty in duties(conn, version_id, workflow, timer, FAR_FUTURE, everyone=True):
                    yield _row(duty.relationship_id, duty.programme_id, version_id, timer, duty.role,
                               duty.person_id, duty.period_start)
            else:
                for due in deadlines(conn, version_id, timer, FAR_FUTURE):
                    yield _row(due.relationship_id, due.programme_id, version_id, timer, DEADLINE_ROLE, None,
                               due.due_at - timer.after)  # type: ignore[operator]


def rebuild(conn: Connection, workflow_of: WorkflowOf) -> int:
    """Replace every row with one derived from the states and the audit log; returns how many rows there are.

    On PostgreSQL the table is locked for the rebuild's transaction, so a
    transition that commits meanwhile writes its rows after the rebuild's, not under them.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE mf_reminder_due IN SHARE ROW EXCLUSIVE MODE")
    conn.execute(delete(D))
    count, batch = 0, []
    for row in derive_all(conn, workflow_of):
        batch.append(row)
        if len(batch) == INSERT_CHUNK:
            conn.execute(insert(D), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(insert(D), batch)
        count += len(batch)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE mf_reminder_due")
    return count


def stored_workflows(pm: Any = None) -> WorkflowOf:
    """Workflow versions compiled by a loader that knows the installed plugins (for the migration and the CLI)."""
    from mentorflow.errors import WorkflowInvalid
    from mentorflow.pluginmanager import build_plugin_manager
    from mentorflow.registry import make_loader

    loader = make_loader(pm if pm is not None else build_plugin_manager())
    W = WorkflowVersion.__table__
    cache: dict[int, Workflow | None] = {}

    def workflow_of(conn: Connection, version_id: int) -> Workflow | None:
        if version_id not in cache:
            definition = conn.execute(select(W.c.definition).where(W.c.id == version_id)).scalar()
            try:
                cache[version_id] = loader.load(definition, f"workflow version {version_id}", stored=True)
            except WorkflowInvalid:
                cache[version_id] = None
        return cache[version_id]

    return workflow_of


def engine_workflows(engine: Any) -> WorkflowOf:
    """The engine's own compiled workflows (its plugins, its cache)."""
    return lambda conn, version_id: engine.workflow_by_version(version_id, conn)


def stored_rows(conn: Connection, columns: Iterable[str] = ("relationship_id", "timer", "role", "person_id", "kind",
                                                            "programme_id", "workflow_version_id", "period_start",
                                                            "due_at")) -> set[tuple[Any, ...]]:
    """The table's rows as comparable tuples (times in UTC): what the maintained and rebuilt tables are compared by."""
    names = list(columns)
    return {tuple(as_utc(v) if isinstance(v, datetime) else v for v in row)
            for row in conn.execute(select(*(D.c[n] for n in names)))}


# -- what the scan reads ------------------------------------------------------------------------------

DUE_COLUMNS = (D.c.relationship_id, D.c.timer, D.c.role, D.c.person_id, D.c.kind, D.c.programme_id,
               D.c.workflow_version_id, D.c.period_start, D.c.due_at)


def due_rows(conn: Connection, now: datetime, kind: str, shard: Shard | None = None,
             limit: int | None = None) -> list[Any]:
    """Rows of ``kind`` whose ``next_at`` has come, read through its index (one shard of them when given)."""
    query = select(*DUE_COLUMNS).where(D.c.next_at <= now, D.c.kind == kind)
    if shard is not None and shard.count > 1:
        query = query.where(D.c.relationship_id % shard.count == shard.index)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query).all())


_ADVANCE = (update(D).where(and_(D.c.relationship_id == bindparam("rid"), D.c.timer == bindparam("tid"),
                                 D.c.role == bindparam("who"), D.c.person_id == bindparam("person"),
                                 D.c.period_start == bindparam("start")))
            .values(next_at=bindparam("next")))


def advance(conn: Connection, moves: list[dict[str, Any]]) -> None:
    """Move scanned rows' ``next_at`` on (``rid``, ``tid``, ``who``, ``person``, ``start`` as read, ``next``).

    The period start read is part of the condition: a transition that restarted
    the period meanwhile has written a fresh row, which the scan must not move.
    """
    if moves:
        conn.execute(_ADVANCE, moves)
