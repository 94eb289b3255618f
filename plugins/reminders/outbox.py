"""Scanning for due work and putting owed notifications in the outbox, exactly once each.

What is due is read from the due table (:mod:`.due`), kept by the transitions.

The scan is idempotent: every notification has a unique key (relationship,
kind, timer, role, period, recipient), inserted with ON CONFLICT DO
NOTHING, so a retried task, a redelivered message or two workers scanning
at once cannot owe the same notification twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from mentorflow.actors import SYSTEM
from mentorflow.clock import as_utc
from mentorflow.db.models import Person, ProgrammeRole, Relationship
from mentorflow.engine import Engine
from mentorflow.errors import UserError
from mentorflow.timers import Duty, duties
from mentorflow.workflow.model import Timer

from .due import DEADLINE, NOBODY, RECURRING, Shard, advance, due_rows, next_action
from .models import Notification

log = logging.getLogger("mentorflow.reminders")
T = TypeVar("T")
N = Notification.__table__
R = Relationship.__table__
ROLES = ProgrammeRole.__table__
P = Person.__table__
KEY_CHUNK = 500
SCAN_BATCH = 2000


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of at most ``size`` items from ``items``, consumed lazily."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
ANALYZE_AFTER = 1000


def default_channel() -> str:
    """``MENTORFLOW_NOTIFICATION_CHANNEL``, else ``email`` when SMTP is configured, else ``log``."""
    return os.environ.get("MENTORFLOW_NOTIFICATION_CHANNEL") or (
        "email" if os.environ.get("MENTORFLOW_SMTP_HOST") else "log")


@dataclass
class ScanReport:
    duties_due: int = 0
    notifications_created: int = 0
    deadlines_fired: int = 0
    deadlines_skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"duties_due": self.duties_due, "notifications_created": self.notifications_created,
                "deadlines_fired": self.deadlines_fired, "deadlines_skipped": self.deadlines_skipped,
                "errors": self.errors}


_KEYS_ANY = select(N.c.key).where(N.c.key == any_(bindparam("keys", type_=ARRAY(String))))
"""PostgreSQL: one array parameter, so the statement is the same (and compiled once) for any number of keys."""


def new_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    """The keys the outbox does not hold yet, looked up in chunks through its unique index."""
    missing = set(keys)
    ordered = sorted(missing)
    if conn.dialect.name == "postgresql":
        for start in range(0, len(ordered), KEY_CHUNK * 10):
            missing.difference_update(conn.execute(_KEYS_ANY, {"keys": ordered[start:start + KEY_CHUNK * 10]})
                                      .scalars().all())
        return missing
    for start in range(0, len(ordered), KEY_CHUNK):
        missing.difference_update(conn.execute(select(N.c.key).where(
            N.c.key.in_(ordered[start:start + KEY_CHUNK]))).scalars().all())
    return missing


def insert_once(conn: Connection, rows: list[dict[str, Any]], *, looked_up: bool = False) -> int:
    """Insert outbox rows whose key is new; returns how many were inserted.

    Existing keys are looked up first (unless the caller just did, ``looked_up``),
    so a repeated scan writes nothing; the insert itself still says ON
    CONFLICT DO NOTHING, for a concurrent scan that won the race.
    """
    if not rows:
        return 0
    by_key = {row["key"]: row for row in rows}
    fresh_keys = set(by_key) if looked_up else new_keys(conn, by_key)
    fresh = [row for key, row in by_key.items() if key in fresh_keys]
    if not fresh:
        return 0
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(conn.dialect.name)
    if dialect is None:  # other databases: the lookup above, then a plain insert
        conn.execute(N.insert(), fresh)
        return len(fresh)
    # RETURNING tells which rows were really inserted (rowcount is unreliable for ON CONFLICT on SQLite);
    # SQLAlchemy batches the rows into few statements ("insertmanyvalues").
    statement = dialect.insert(N).on_conflict_do_nothing(index_elements=["key"]).returning(N.c.id)
    return len(conn.execute(statement, fresh).all())


def refresh_statistics(conn: Connection, inserted: int) -> None:
    """After a burst of new outbox rows, fresh PostgreSQL statistics keep the key look-ups on a good plan.

    Autovacuum would catch up later; the next scan should not wait for it. Once per scan, not per batch:
    ANALYZE samples the whole table each time.
    """
    if conn.dialect.name == "postgresql" and inserted >= ANALYZE_AFTER:
        conn.exec_driver_sql("ANALYZE mf_reminders_outbox")


def _row(key: str, kind: str, relationship_id: int | None, recipient: int, context: dict[str, Any],
         now: datetime, channel: str | None = None) -> dict[str, Any]:
    return {"key": key, "kind": kind, "relationship_id": relationship_id, "recipient_id": recipient,
            "channel": channel or default_channel(), "context": context, "status": "pending", "attempts": 0,
            "next_attempt_at": now, "claimed_until": None, "last_error": None, "created_at": now, "sent_at": None}


def _coordinators(conn: Connection, programme_id: int, cache: dict[int, list[int]]) -> list[int]:
    if programme_id not in cache:
        cache[programme_id] = list(conn.execute(select(ROLES.c.person_id).where(
            ROLES.c.programme_id == programme_id, ROLES.c.role == "coordinator")).scalars())
    return cache[programme_id]


@dataclass(frozen=True, slots=True)
class Owed:
    """A notification a duty owes, known by its unique key before its row is built.

    A scan repeated every few minutes finds mostly keys the outbox already
    holds; only the new ones are worth building rows (contexts, labels, names) for.
    """

    key: str
    kind: str
    """``remind`` or ``escalate``."""
    recipient: int
    duty: Duty
    before_due: bool = False


def _who(duty: Duty, shared_role: bool) -> str:
    """Whose duty, in an outbox key: the role (a pair's keys, as they always were) and, for a role several
    members may hold, the member too (each mentee of a group, each of two co-mentors is reminded once)."""
    return f"{duty.role}~{duty.person_id}" if shared_role else duty.role


def owed_by(conn: Connection, duty: Duty, now: datetime, coordinators: dict[int, list[int]], *,
            shared_role: bool = False) -> list[Owed]:
    """What a duty owes at ``now``: the latest reminder that has come, and an escalation to each coordinator."""
    if duty.person_id is None:
        return []
    owed = []
    period = duty.period_start.isoformat()
    times = duty.reminder_times()
    passed = [i for i, at in enumerate(times) if at <= now]
    if passed:
        index = passed[-1]  # after downtime, send only the most recent reminder, not a burst
        who = _who(duty, shared_role)
        owed.append(Owed(f"remind:{duty.relationship_id}:{duty.timer.id}:{who}:{period}:{index}", "remind",
                         duty.person_id, duty, times[index] < duty.due_at))
    escalate_at = duty.escalate_at
    if escalate_at is not None and escalate_at <= now:
        for coordinator in _coordinators(conn, duty.programme_id, coordinators):
            owed.append(Owed(f"escalate:{duty.relationship_id}:{duty.timer.id}:{_who(duty, shared_role)}:{period}:"
                             f"{coordinator}",
                             "escalate", coordinator, duty))
    return owed


def row_for(owed: Owed, now: datetime, workflow: Any, names: dict[int, str],
            channel: str | None = None) -> dict[str, Any]:
    """The outbox row of an owed notification, with the context its message is written from."""
    duty = owed.duty
    context = {"relationship_id": duty.relationship_id, "timer": duty.timer.id, "timer_label": dict(duty.timer.label),
               "role": duty.role, "due_at": duty.due_at.isoformat(), "programme_id": duty.programme_id}
    if owed.kind == "remind":
        context["before_due"] = owed.before_due
    else:
        context.update(person_name=names.get(duty.person_id or -1, ""), role_label=workflow.role_label(duty.role, "en"),
                       overdue_days=duty.overdue_by(now).days)
    return _row(owed.key, owed.kind, duty.relationship_id, owed.recipient, context, now, channel)


def _names(conn: Connection, people: set[int | None]) -> dict[int, str]:
    ids = sorted(p for p in people if p is not None)
    names: dict[int, str] = {}
    for start in range(0, len(ids), KEY_CHUNK):
        names.update(conn.execute(select(P.c.id, P.c.display_name).where(P.c.id.in_(ids[start:start + KEY_CHUNK])))
                     .all())
    return names


def active_versions(conn: Connection) -> list[int]:
    """Workflow versions that still have relationships which are not closed."""
    return list(conn.execute(select(R.c.workflow_version_id).where(R.c.closed_at.is_(None)).distinct()).scalars())


def scan(engine: Engine, now: datetime | None = None, shard: Shard | None = None) -> ScanReport:
    """Owe every due reminder and escalation, and fire every deadline that has passed (of one ``shard`` when given).

    Reads only the due table's rows whose ``next_at`` has come (:mod:`.due`),
    in bounded batches, each in its own transaction: the notifications a batch
    owes and the rows' next look are written together, so a scan stopped midway
    is simply continued by the next one. Shards split the relationships by id, so
    several workers can scan at once; the outbox keys keep any overlap harmless.
    """
    now = now or engine.clock.now()
    report = ScanReport()
    coordinators: dict[int, list[int]] = {}
    channel = default_channel()
    previous: set[tuple[Any, ...]] = set()
    while True:
        with engine.write() as conn:
            batch = due_rows(conn, now, RECURRING, shard, SCAN_BATCH)
            keys = {(r.relationship_id, r.timer, r.role, r.person_id, r.period_start) for r in batch}
            if not batch or keys <= previous:  # nothing left, or only rows a concurrent transition keeps moving
                break
            previous = keys
            report.duties_due += len(batch)
            timers = _Timers(engine, conn)
            owed = [o for duty, shared in _duties(conn, timers, batch)
                    for o in owed_by(conn, duty, now, coordinators, shared_role=shared)]
            fresh = new_keys(conn, (o.key for o in owed))
            owed = [o for o in owed if o.key in fresh]
            names = _names(conn, {o.duty.person_id for o in owed if o.kind == "escalate"})
            rows = [row_for(o, now, engine.workflow_by_version(o.duty.workflow_version_id or 0, conn), names,
                            channel) for o in owed]
            report.notifications_created += insert_once(conn, rows, looked_up=True)
            advance(conn, [{"rid": r.relationship_id, "tid": r.timer, "who": r.role, "person": r.person_id,
                            "start": r.period_start, "next": _next(timers, r, now)} for r in batch])
        if len(batch) < SCAN_BATCH:
            break
    if report.notifications_created >= ANALYZE_AFTER:
        with engine.write() as conn:
            refresh_statistics(conn, report.notifications_created)
    with engine.read() as conn:
        timers = _Timers(engine, conn)
        to_fire = [(row, timers.of(row)) for row in due_rows(conn, now, DEADLINE, shard)]
    # Each deadline fires in its own transaction: one that fails (a guard, a concurrent change)
    # must not undo the others. The state change itself makes firing idempotent (and replaces the row).
    for row, timer in to_fire:
        if timer is None or not timer.fire:
            continue
        try:
            engine.fire(row.relationship_id, timer.fire, SYSTEM)
            report.deadlines_fired += 1
        except UserError as error:
            report.deadlines_skipped += 1
            log.info("deadline %s on relationship %s not fired: %s", timer.id, row.relationship_id, error)
    return report


class _Timers(dict[tuple[int, str], "Timer | None"]):
    """The timer a due row is about, by (workflow version, timer id); None if the version lacks it."""

    def __init__(self, engine: Engine, conn: Connection) -> None:
        super().__init__()
        self.engine, self.conn = engine, conn

    def __missing__(self, key: tuple[int, str]) -> Timer | None:
        workflow = self.engine.workflow_by_version(key[0], self.conn)  # versions never change
        self[key] = found = next((t for t in workflow.timers if t.id == key[1]), None)
        return found

    def of(self, row: Any) -> Timer | None:
        return self[row.workflow_version_id, row.timer]

    def shared(self, row: Any) -> bool:
        """Whether several members may hold the row's role (a group's mentees, co-mentors, a circle's peers)."""
        return self.engine.workflow_by_version(row.workflow_version_id, self.conn).format.bounds(row.role).max > 1


def _next(timers: _Timers, row: Any, now: datetime) -> datetime | None:
    """When the scan should look at a row again: its next reminder or escalation after ``now``."""
    timer = timers.of(row)
    return next_action(timer, as_utc(row.due_at), now) if timer is not None else None


def _duties(conn: Connection, timers: _Timers, batch: list[Any]) -> Iterator[tuple[Duty, bool]]:
    """The duties of a batch of due rows: each row is one member's (rows follow the members as they change)."""
    for row in batch:
        timer = timers.of(row)
        if timer is None:
            continue
        person = row.person_id if row.person_id != NOBODY else None
        yield Duty(row.relationship_id, row.programme_id, timer, row.role, person, as_utc(row.period_start),
                   as_utc(row.due_at), row.workflow_version_id), timers.shared(row)


def owe_digests(engine: Engine, now: datetime | None = None) -> int:
    """Owe each coordinator one digest per programme per day."""
    now = now or engine.clock.now()
    day = now.date().isoformat()
    rows = []
    for programme in engine.programmes():
        _version, workflow = engine.current_workflow(programme["key"])
        counts = engine.count_relationships(programme["key"])
        per_stage = [(dict(s.label), counts.get(s.id, 0)) for s in workflow.states.values()]
        with engine.read() as conn:
            overdue = sum(1 for v in active_versions(conn)
                          for t in engine.workflow_by_version(v, conn).timers if t.kind == "recurring"
                          for d in duties(conn, v, engine.workflow_by_version(v, conn), t, now)
                          if d.programme_id == programme["id"] and d.due_at <= now)
            coordinators = _coordinators(conn, programme["id"], {})
        for coordinator in coordinators:
            rows.append(_row(f"digest:{programme['id']}:{coordinator}:{day}", "digest", None, coordinator,
                             {"programme_name": programme["name"], "per_stage": per_stage, "overdue": overdue}, now))
    with engine.write() as conn:
        inserted = insert_once(conn, rows)
        refresh_statistics(conn, inserted)
        return inserted

