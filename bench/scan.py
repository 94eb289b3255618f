"""How long does the due-reflection scan take over many relationships?

Run from the repository root::

    python -m bench.scan                 # 10k and 100k relationships on SQLite (and PostgreSQL when available)
    python -m bench.scan --quick         # 2k and 10k
    python -m bench.scan --workers 1,2,4 # also: a full scan split into shards over 1, 2 and 4 processes (PostgreSQL)

The scan (:func:`mentorflow.plugins.reminders.outbox.scan`) reads the due
table's rows whose next look has come (``next_at <= now``, through its index)
and owes reminders in the outbox. The data is bulk-loaded, so the due table is
rebuilt from the states and the audit log first (timed: what ``mentorflow
reminders rebuild-due`` costs at upgrade). Baseline, in the same run on the
same data: the naive way — read every relationship in the timer's states and
its last satisfying events, and decide in Python. Printed: seconds per scan,
per 10k relationships, the ratio scan/naive and the speed-up naive/scan, for the
repeated scan (nothing new to owe) and for the scan a day later (one day's
reminders and escalations come due). PostgreSQL runs when ``MENTORFLOW_BENCH_POSTGRES_URL``
or ``MENTORFLOW_TEST_POSTGRES_URL`` names a server (a scratch database is
created and dropped). Aim: under 2 seconds for 100k relationships.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import delete, func, insert, select, text

from mentorflow import Engine, ManualClock
from mentorflow.clock import as_utc
from mentorflow.db.models import AuditEvent, Person, Relationship, RelationshipMember
from mentorflow.plugins.reminders.due import Shard, engine_workflows, rebuild
from mentorflow.plugins.reminders.models import Notification
from mentorflow.plugins.reminders.outbox import scan
from mentorflow.testing import default_workflow

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POSTGRES_ENVS = ("MENTORFLOW_BENCH_POSTGRES_URL", "MENTORFLOW_TEST_POSTGRES_URL")


def populate(engine: Engine, n: int, seed: int = 7) -> datetime:
    """``n`` relationships in 'reflecting' with a start event and their reflections; returns 'now'."""
    rng = random.Random(seed)
    engine.upgrade_database()
    published = engine.publish_workflow("bench", default_workflow())
    P, R, A = Person.__table__, Relationship.__table__, AuditEvent.__table__
    now = START + timedelta(days=60)
    with engine.write() as conn:
        conn.execute(insert(P), [{"display_name": f"Person {i}", "email": None, "locale": "en", "created_at": START}
                                 for i in range(n + 1000)])
        first = conn.execute(select(func.min(P.c.id))).scalar_one()
        rels, events = [], []
        for _ in range(n):
            entered = START + timedelta(days=rng.randint(0, 50), hours=rng.randint(0, 23))
            rels.append({"programme_id": published.programme_id, "workflow_version_id": published.workflow_version_id,
                         "state": "reflecting",
                         "version": 1, "started_at": START, "state_entered_at": entered, "closed_at": None,
                         "updated_at": entered})
        conn.execute(insert(R), rels)
        first_rel = conn.execute(select(func.min(R.c.id))).scalar_one()
        members = []
        for i, rel in enumerate(rels):
            rid = first_rel + i
            people = {"mentor": first + n + (i % 1000), "mentee": first + i}
            members += [{"relationship_id": rid, "person_id": person, "role": role, "joined_at": START,
                         "joined_seq": 1} for role, person in people.items()]
            events.append({"relationship_id": rid, "seq": 1, "at": START, "actor_id": None, "actor_role": "system",
                           "transition": "start", "from_state": None, "to_state": "reflecting", "data": None})
            seq = 1
            # Most people reflect every 10-16 days; one in five has stopped (their duty stays overdue).
            for role in ("mentor", "mentee"):
                at = rel["state_entered_at"]
                stops = at + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.2 else now
                while True:
                    at += timedelta(days=rng.randint(10, 16), hours=rng.randint(0, 23))
                    if at > min(stops, now):
                        break
                    seq += 1
                    events.append({"relationship_id": rid, "seq": seq, "at": at, "actor_id": people[role],
                                   "actor_role": role, "transition": "submit_reflection",
                                   "from_state": "reflecting", "to_state": "reflecting", "data": None})
        for chunk in range(0, len(members), 20_000):
            conn.execute(insert(RelationshipMember.__table__), members[chunk:chunk + 20_000])
        for chunk in range(0, len(events), 20_000):
            conn.execute(insert(A), events[chunk:chunk + 20_000])
    return now


def rebuild_due(engine: Engine) -> int:
    """The bulk load bypassed the engine: derive the due table from the states and the audit log."""
    with engine.write() as conn:
        return rebuild(conn, engine_workflows(engine))


def naive_due(engine: Engine, now: datetime) -> int:
    """The baseline: every relationship and its events into Python, decided one by one."""
    R, A = Relationship.__table__, AuditEvent.__table__
    every = timedelta(days=14)
    with engine.read() as conn:
        entered = {r.id: as_utc(r.state_entered_at) for r in conn.execute(
            select(R.c.id, R.c.state_entered_at).where(R.c.state == "reflecting"))}
        last: dict[tuple[int, str], datetime] = {}
        for e in conn.execute(select(A.c.relationship_id, A.c.actor_role, A.c.at).where(
                A.c.transition == "submit_reflection")):
            key = (e.relationship_id, e.actor_role)
            at = as_utc(e.at)
            if key not in last or at > last[key]:
                last[key] = at
    due = 0
    for rid, since in entered.items():
        for role in ("mentor", "mentee"):
            start = max(since, last.get((rid, role), since))
            if start + every - timedelta(days=2) <= now:
                due += 1
    return due


def measure(url: str, n: int, out: Any) -> dict[str, float]:
    clock = ManualClock(START)
    engine = Engine(url, clock=clock)
    t0 = time.perf_counter()
    now = populate(engine, n)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    rebuild_due(engine)
    rebuilt_s = time.perf_counter() - t0
    clock.set(now)
    t0 = time.perf_counter()
    naive = naive_due(engine, now)
    naive_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    first = scan(engine, now)
    first_s = time.perf_counter() - t0
    repeats = []
    for _ in range(3):  # what a scan every few minutes costs: the median of three, nothing new to owe
        t0 = time.perf_counter()
        again = scan(engine, now)
        repeats.append(time.perf_counter() - t0)
        assert again.notifications_created == 0
    again_s = statistics.median(repeats)
    tomorrow = now + timedelta(days=1)  # a day's reminders and escalations come due
    t0 = time.perf_counter()
    naive_next = naive_due(engine, tomorrow)
    naive_next_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    next_day = scan(engine, tomorrow)
    next_s = time.perf_counter() - t0
    engine.db.dispose()
    assert first.duties_due == naive, (first.duties_due, naive)
    assert naive_next >= naive
    assert again.notifications_created == 0
    print(f"  {n:>7,} relationships (built in {built:.1f} s, due table rebuilt in {rebuilt_s:.2f} s): naive "
          f"{naive_s:.3f} s | scan, first (owes {first.notifications_created:,}) {first_s:.3f} s | scan, repeat "
          f"(median of 3) {again_s:.4f} s = {again_s / (n / 10_000):.4f} s per 10k | repeat/naive "
          f"{again_s / naive_s:.3f} (naive/repeat x{naive_s / again_s:,.0f}) | a day later: reads "
          f"{next_day.duties_due:,} rows, owes {next_day.notifications_created:,} in {next_s:.3f} s (naive, which only "
          f"decides and owes nothing, {naive_next_s:.3f} s)", file=out)
    return {"n": n, "naive": naive_s, "first": first_s, "repeat": again_s, "rebuild": rebuilt_s,
            "next_day": next_s, "naive_next_day": naive_next_s}


def _shard_worker(url: str, now: str, index: int, count: int, barrier: Any, results: Any) -> None:
    """One worker process: connect, wait for the others, scan its shard, report what it owed and how long it took."""
    when = datetime.fromisoformat(now)
    engine = Engine(url, clock=ManualClock(when))
    with engine.read() as conn:  # connected and warm before the clock starts
        conn.execute(select(1))
    barrier.wait()
    t0 = time.perf_counter()
    report = scan(engine, when, shard=Shard(index, count))
    results.put((index, report.notifications_created, time.perf_counter() - t0))
    engine.db.dispose()


def measure_workers(url: str, n: int, counts: list[int], out: Any) -> list[dict[str, Any]]:
    """Wall time of one full first scan (everything owed afresh) split into as many shards as worker processes."""
    clock = ManualClock(START)
    engine = Engine(url, clock=clock)
    now = populate(engine, n)
    context = multiprocessing.get_context("spawn")
    rows, owed_once = [], None
    for count in counts:
        with engine.write() as conn:  # the same starting point each time: nothing owed, every row at its first look
            conn.execute(delete(Notification.__table__))
            rebuild(conn, engine_workflows(engine))
        barrier, results = context.Barrier(count + 1), context.Queue()
        workers = [context.Process(target=_shard_worker, args=(url, now.isoformat(), i, count, barrier, results))
                   for i in range(count)]
        for worker in workers:
            worker.start()
        barrier.wait()
        t0 = time.perf_counter()
        done = [results.get(timeout=600) for _ in workers]
        wall = time.perf_counter() - t0
        for worker in workers:
            worker.join()
        owed = sum(d[1] for d in done)
        owed_once = owed if owed_once is None else owed_once
        assert owed == owed_once, (count, owed, owed_once)  # the shards together owe what one scan owes
        rows.append({"workers": count, "n": n, "wall": wall, "owed": owed})
        print(f"  {count} worker(s), {count} shard(s), {n:,} relationships: full scan (owes {owed:,}) wall "
              f"{wall:.2f} s | x{rows[0]['wall'] / wall:.2f} the speed of 1 worker | slowest shard "
              f"{max(d[2] for d in done):.2f} s", file=out)
    engine.db.dispose()
    return rows


def _postgres(size_label: str) -> tuple[str, Any] | None:
    server = next((os.environ[e] for e in POSTGRES_ENVS if os.environ.get(e)), None)
    if not server:
        return None
    from sqlalchemy.engine import make_url

    base = make_url(server).set(drivername="postgresql+psycopg")
    name = f"mentorflow_bench_scan_{os.getpid()}_{size_label}"
    admin = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main(argv: list[str] | None = None, out: Any = sys.stdout) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2k and 10k relationships")
    parser.add_argument("--sizes", help="comma-separated relationship counts (default 10000,100000)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--workers", help="comma-separated worker counts for the sharded full scan (PostgreSQL), "
                                          "at the largest size")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([2_000, 10_000] if args.quick
                                                                          else [10_000, 100_000])
    print(f"scan benchmark · {platform.platform()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
          f"SQLAlchemy {sqlalchemy.__version__}", file=out)
    results = []
    print("SQLite (WAL):", file=out)
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            results.append({"db": "sqlite", **measure(f"sqlite:///{Path(folder) / 'scan.db'}", n, out)})
    if not args.no_postgres:
        print("PostgreSQL:", file=out)
        for n in sizes:
            scratch = _postgres(str(n))
            if scratch is None:
                print("  skipped: set MENTORFLOW_BENCH_POSTGRES_URL to a server URL", file=out)
                break
            url, drop = scratch
            try:
                results.append({"db": "postgresql", **measure(url, n, out)})
            finally:
                drop()
    if args.workers and not args.no_postgres:
        print(f"Sharded full scan on PostgreSQL (worker processes on this machine's {os.cpu_count()} CPUs, shared "
              "with the database server: more workers than CPUs cannot run at once):", file=out)
        scratch = _postgres("workers")
        if scratch is None:
            print("  skipped: set MENTORFLOW_BENCH_POSTGRES_URL to a server URL", file=out)
        else:
            url, drop = scratch
            try:
                results += [{"db": "postgresql-workers", **row} for row in
                            measure_workers(url, max(sizes), [int(c) for c in args.workers.split(",")], out)]
            finally:
                drop()
    return results


if __name__ == "__main__":
    main()
