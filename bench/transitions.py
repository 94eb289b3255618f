"""How fast does :meth:`Engine.fire` persist transitions, measured against the floor?

Run from the repository root::

    python -m bench.transitions            # N=2000 per repetition, median of 7
    python -m bench.transitions --quick    # a quick look (N=300, median of 3)

The engine fires an action transition with one guard (``bench.allow``,
registered by the bench plugin) through five hook implementations on the
fire path (two ``mentorflow_before_transition``, two
``mentorflow_apply_transition``, one ``mentorflow_after_transition``),
writes the relationship UPDATE with its version check plus the audit row,
and commits each transition. The FLOOR does the same UPDATE-with-version
and audit INSERT with the stdlib ``sqlite3`` module on an identically
migrated database with the engine's pragmas (WAL, synchronous=NORMAL,
foreign keys, ``BEGIN IMMEDIATE`` ... ``COMMIT``). Target: the engine
reaches at least 25 % of the floor.

It also measures batch mode (:meth:`Engine.batch`, 100 transitions per
commit) against the floor committing every 100, PostgreSQL (when
``MENTORFLOW_BENCH_POSTGRES_URL`` or ``MENTORFLOW_TEST_POSTGRES_URL`` names
a server whose user may create databases; a scratch database is created
and dropped), and the per-call cost of loading a workflow document and of
re-hydrating a relationship, relative to one transition.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import pluggy
import sqlalchemy

from mentorflow import Engine, GuardContext, RelationshipSnapshot, SystemClock, guard, hookimpl
from mentorflow.db.database import create_db_engine
from mentorflow.schemas import template_paths
from mentorflow.transitions import PREPARED_OPTION

TARGET = 0.25
BATCH = 100
POSTGRES_ENVS = ("MENTORFLOW_BENCH_POSTGRES_URL", "MENTORFLOW_TEST_POSTGRES_URL")


def _labels(text: str) -> dict[str, str]:
    return {"en": text, "da": text}


BENCH_WORKFLOW: dict[str, Any] = {
    "id": "bench",
    "programme": {"name": _labels("Benchmark"), "context": "other"},
    "states": [
        {"id": "active", "kind": "initial", "label": _labels("Active")},
        {"id": "closed", "kind": "terminal", "label": _labels("Closed")},
    ],
    "transitions": [
        {"id": "note", "from": "active", "roles": ["mentor", "mentee"], "guards": [{"name": "bench.allow"}],
         "label": _labels("Log a note")},
        {"id": "close", "from": "active", "to": "closed", "roles": ["mentor", "mentee"], "label": _labels("Close")},
    ],
}
TRANSITION = "note"
GROUP_SIZE = 8
GROUP_TARGET = 1.5
"""A transition on a group of GROUP_SIZE mentees costs at most this many times one on a pair (issue #18)."""
GROUP_WORKFLOW: dict[str, Any] = {**BENCH_WORKFLOW, "id": "bench-group", "programme": {
    **BENCH_WORKFLOW["programme"], "format": {"kind": "group", "roles": {"mentee": {"min": 2, "max": GROUP_SIZE}}}}}


# -- the bench plugins: one guard and five hook implementations on the fire path -----------
@guard("bench.allow", description="Always allows the transition (benchmark only).")
def allow(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    return None


class BenchPlugin:
    """Registers the guard; one before, one apply and one after implementation."""

    def __init__(self) -> None:
        self.before = self.applied = self.after = 0

    @hookimpl
    def mentorflow_register_guards(self) -> list[Any]:
        return [allow]

    @hookimpl
    def mentorflow_before_transition(self, event: Any, connection: Any) -> None:
        self.before += 1

    @hookimpl
    def mentorflow_apply_transition(self, event: Any, connection: Any) -> None:
        self.applied += 1

    @hookimpl
    def mentorflow_after_transition(self, event: Any, engine: Any) -> None:
        self.after += 1


class BenchObserver:
    """A second plugin on the write path: one before and one apply implementation."""

    def __init__(self) -> None:
        self.seen = 0

    @hookimpl
    def mentorflow_before_transition(self, event: Any, connection: Any) -> None:
        event.extra["bench"] = True

    @hookimpl
    def mentorflow_apply_transition(self, event: Any, connection: Any) -> None:
        self.seen += 1


BUILTIN_PLUGINS = ("mentorflow.plugins.guards", "mentorflow.plugins.agreements", "mentorflow.plugins.goals",
                   "mentorflow.plugins.reflections", "mentorflow.plugins.meetings", "mentorflow.plugins.adjustments",
                   "mentorflow.plugins.closure")
"""Loaded explicitly instead of the entry-point group, so other installed plugins do not change the workload
(the built-in guards and lifecycle plugins are needed by the default template; of them only adjustments and
closure add a hook on the fire path, which returns at once when the state does not change)."""
FIRE_PATH_HOOKS = ("mentorflow_before_transition", "mentorflow_apply_transition", "mentorflow_after_transition")


def make_engine(url: str, prepared: bool = True) -> tuple[Engine, BenchPlugin]:
    """The bench engine; ``prepared=False`` runs the transition's statements through ``conn.execute``."""
    plugin = BenchPlugin()
    plugins: list[Any] = [*BUILTIN_PLUGINS, ("bench", plugin), ("bench-observer", BenchObserver())]
    db = None if prepared else create_db_engine(url, execution_options={PREPARED_OPTION: False})
    return Engine(url, db=db, clock=SystemClock(), plugins=plugins, load_entrypoints=False), plugin


def fire_path_impls(engine: Engine) -> dict[str, int]:
    return {name: len(getattr(engine.pm.hook, name).get_hookimpls()) for name in FIRE_PATH_HOOKS}


@dataclass
class Fixture:
    """A relationship on the bench workflow, and one on the default template (for re-hydration)."""

    rel: RelationshipSnapshot
    mentor: int
    default_rel_id: int
    default_version_id: int


def populate(engine: Engine) -> Fixture:
    engine.publish_workflow("bench", BENCH_WORKFLOW)
    mentor = engine.add_person("Bench mentor")
    mentee = engine.add_person("Bench mentee")
    for role, person in (("mentor", mentor), ("mentee", mentee)):
        engine.grant_role("bench", person, role)
    rel = engine.start_relationship("bench", mentee=mentee, mentor=mentor)
    published = engine.publish_workflow("default", default_document())
    other = engine.start_relationship("default", mentee=mentee, mentor=mentor)
    return Fixture(rel, mentor, other.id, published.workflow_version_id)


def populate_group(engine: Engine) -> Fixture:
    """A group relationship (one mentor, GROUP_SIZE mentees) on the bench workflow's group twin."""
    engine.publish_workflow("bench-group", GROUP_WORKFLOW)
    mentor = engine.add_person("Group mentor")
    mentees = [engine.add_person(f"Group mentee {n}") for n in range(GROUP_SIZE)]
    rel = engine.start_relationship("bench-group", members={"mentor": [mentor], "mentee": mentees})
    return Fixture(rel, mentor, rel.id, rel.workflow_version_id)


def default_document() -> dict[str, Any]:
    return json.loads(template_paths()["default"].read_text("utf-8"))


# -- timing helpers ----------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@dataclass
class Series:
    """Rates (operations per second) of the repetitions of one path."""

    rates: list[float] = field(default_factory=list)

    def add(self, count: int, seconds: float) -> None:
        self.rates.append(count / seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


# -- engine paths --------------------------------------------------------------------------
class EnginePath:
    def __init__(self, engine: Engine, fixture: Fixture) -> None:
        self.engine, self.rel, self.mentor = engine, fixture.rel, fixture.mentor

    def each(self, n: int) -> None:
        fire, rel, mentor = self.engine.fire, self.rel, self.mentor
        for _ in range(n):
            rel = fire(rel, TRANSITION, mentor).relationship
        self.rel = rel

    def batched(self, n: int, every: int = BATCH) -> None:
        rel, mentor = self.rel, self.mentor
        for start in range(0, n, every):
            with self.engine.batch() as batch:
                for _ in range(min(every, n - start)):
                    rel = batch.fire(rel, TRANSITION, mentor).relationship
        self.rel = rel


# -- the floor: the same two statements without the engine ----------------------------------
UPDATE_SQL = ("UPDATE mf_relationships SET state = {p}, version = {p}, state_entered_at = {p}, closed_at = {p}, "
              "updated_at = {p} WHERE mf_relationships.id = {p} AND mf_relationships.version = {p}")
INSERT_SQL = ("INSERT INTO mf_audit_events (relationship_id, seq, at, actor_id, actor_role, transition, from_state, "
              "to_state, data) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})")


def sqlite_timestamp(value: datetime) -> str:
    """The text SQLAlchemy stores for a DateTime on SQLite."""
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}:"
            f"{value.second:02d}.{value.microsecond:06d}")


class SqliteFloor:
    """stdlib sqlite3 with the engine's pragmas and explicit BEGIN IMMEDIATE ... COMMIT."""

    def __init__(self, path: Path, fixture: Fixture) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.rid, self.version, self.state = fixture.rel.id, fixture.rel.version, fixture.rel.state
        self.entered = sqlite_timestamp(fixture.rel.state_entered_at)
        self.actor = fixture.mentor
        self.update, self.insert = UPDATE_SQL.format(p="?"), INSERT_SQL.format(p="?")

    def run(self, n: int, every: int = 1) -> None:
        execute, update, insert = self.conn.execute, self.update, self.insert
        rid, version, state, entered, actor = self.rid, self.version, self.state, self.entered, self.actor
        for i in range(n):
            if i % every == 0:
                execute("BEGIN IMMEDIATE")
            now = sqlite_timestamp(datetime.now(UTC))
            if execute(update, (state, version + 1, entered, None, now, rid, version)).rowcount != 1:
                raise RuntimeError("floor: version conflict")
            version += 1
            execute(insert, (rid, version, now, actor, "mentor", TRANSITION, state, state, None)).lastrowid  # noqa: B018
            if (i + 1) % every == 0 or i == n - 1:
                execute("COMMIT")
        self.version = version

    def close(self) -> None:
        self.conn.close()


class PostgresFloor:
    """psycopg 3 with the same statements, RETURNING the audit id as the engine does."""

    def __init__(self, conninfo: str, fixture: Fixture) -> None:
        import psycopg

        self.conn = psycopg.connect(conninfo)
        self.rid, self.version, self.state = fixture.rel.id, fixture.rel.version, fixture.rel.state
        self.entered, self.actor = fixture.rel.state_entered_at, fixture.mentor
        self.update = UPDATE_SQL.format(p="%s")
        self.insert = INSERT_SQL.format(p="%s") + " RETURNING mf_audit_events.id"

    def run(self, n: int, every: int = 1) -> None:
        conn, update, insert = self.conn, self.update, self.insert
        rid, version, state, entered, actor = self.rid, self.version, self.state, self.entered, self.actor
        with conn.cursor() as cur:
            for i in range(n):
                now = datetime.now(UTC)
                cur.execute(update, (state, version + 1, entered, None, now, rid, version))
                if cur.rowcount != 1:
                    raise RuntimeError("floor: version conflict")
                version += 1
                cur.execute(insert, (rid, version, now, actor, "mentor", TRANSITION, state, state, None))
                cur.fetchone()
                if (i + 1) % every == 0 or i == n - 1:
                    conn.commit()
        self.version = version

    def close(self) -> None:
        self.conn.close()


# -- the report ------------------------------------------------------------------------------
@dataclass
class Options:
    n: int
    reps: int
    loads: int
    gets: int
    workdir: Path
    postgres_url: str | None
    prepared: bool = True


def machine() -> str:
    versions = [f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}",
                f"SQLAlchemy {sqlalchemy.__version__}", f"pluggy {pluggy.__version__}"]
    try:
        import psycopg

        versions.append(f"psycopg {psycopg.__version__}")
    except ImportError:
        pass
    return f"{platform.platform()} ({platform.machine()}), {os.cpu_count()} CPUs, " + ", ".join(versions)


def rate_line(out: TextIO, label: str, rate: float) -> None:
    print(f"  {label:<42} {rate:>10,.0f} transitions/s  ({1e6 / rate:8.1f} µs each)", file=out)


def ratio_line(out: TextIO, label: str, ratio: float, target: float | None = None) -> float:
    verdict = "" if target is None else (f"  (target >= {target:.0%}: " + ("met)" if ratio >= target else "NOT met)"))
    print(f"  {label:<42} {ratio:>10.1%}{verdict}", file=out)
    return ratio


@dataclass
class Comparison:
    floor: float
    """Median rate of the floor."""
    engine: float
    """Median rate of the engine."""
    ratio: float
    """Median of engine/floor over the repetitions, each pair measured back to back."""


def compare(n: int, reps: int, floor_run: Callable[[int], None], engine_run: Callable[[int], None],
            warmup: int) -> Comparison:
    """Warm both up, then alternate repetitions so that drift on a noisy machine hits both alike."""
    floor_run(warmup)
    engine_run(warmup)
    floor, engine = Series(), Series()
    for _ in range(reps):
        floor.add(n, timed(lambda: floor_run(n)))
        engine.add(n, timed(lambda: engine_run(n)))
    ratios = [e / f for e, f in zip(engine.rates, floor.rates, strict=True)]
    return Comparison(floor.median, engine.median, statistics.median(ratios))


def per_call(fn: Callable[[], Any], count: int, reps: int) -> float:
    """Median microseconds per call over ``reps`` runs of ``count`` calls."""
    fn()
    samples = []
    for _ in range(reps):
        seconds = timed(lambda: [fn() for _ in range(count)])
        samples.append(seconds / count * 1e6)
    return statistics.median(samples)


def bench_sqlite(out: TextIO, opts: Options) -> dict[str, float]:
    template = opts.workdir / "template.db"
    migrator, _ = make_engine(f"sqlite:///{template}")
    migrator.upgrade_database()
    migrator.db.dispose()  # checkpoints the WAL into the file we copy
    paths = {name: opts.workdir / f"{name}.db" for name in ("engine", "floor")}
    fixtures = {}
    for name, path in paths.items():
        shutil.copyfile(template, path)
        setup, _ = make_engine(f"sqlite:///{path}")
        fixtures[name] = populate(setup)
        setup.db.dispose()

    engine, plugin = make_engine(f"sqlite:///{paths['engine']}", opts.prepared)
    path = EnginePath(engine, fixtures["engine"])
    floor = SqliteFloor(paths["floor"], fixtures["floor"])
    warmup = max(50, opts.n // 10)
    results: dict[str, float] = {}
    try:
        print(f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL), one transaction per transition:", file=out)
        each = compare(opts.n, opts.reps, floor.run, path.each, warmup)
        rate_line(out, "floor (stdlib sqlite3, commit each)", each.floor)
        rate_line(out, "engine (Engine.fire, commit each)", each.engine)
        ratio_line(out, "ratio engine/floor", each.ratio, TARGET)
        results.update(floor=each.floor, engine=each.engine, ratio=each.ratio)

        print(f"SQLite batch mode, {BATCH} transitions per commit:", file=out)
        batch = compare(opts.n, opts.reps, lambda k: floor.run(k, BATCH), path.batched, warmup)
        rate_line(out, f"floor (stdlib sqlite3, commit every {BATCH})", batch.floor)
        rate_line(out, f"engine (Engine.batch, {BATCH} per commit)", batch.engine)
        ratio_line(out, "ratio engine/floor (batch)", batch.ratio)
        results.update(floor_batch=batch.floor, engine_batch=batch.engine, ratio_batch=batch.ratio)
        fired = 2 * warmup + 2 * opts.reps * opts.n
        if not plugin.before == plugin.applied == plugin.after == fired:
            raise RuntimeError(f"the bench hooks ran {plugin.before}/{plugin.applied}/{plugin.after} times, "
                               f"expected {fired}")

        print(f"A group of one mentor and {GROUP_SIZE} mentees against a pair, one transaction per transition:",
              file=out)
        group = EnginePath(engine, populate_group(engine))
        sizes = compare(opts.n, opts.reps, path.each, group.each, warmup)
        rate_line(out, "pair (Engine.fire, commit each)", sizes.floor)
        rate_line(out, f"group of {GROUP_SIZE} (Engine.fire, commit each)", sizes.engine)
        cost = 1 / sizes.ratio
        verdict = "met" if cost <= GROUP_TARGET else "NOT met"
        print(f"  {'cost of a group transition / a pair' + chr(39) + 's':<42} {cost:>10.2f}x  "
              f"(target <= {GROUP_TARGET:.1f}x: {verdict})", file=out)
        results.update(pair=sizes.floor, group=sizes.engine, group_cost=cost)

        transition_us = 1e6 / results["engine"]
        print(f"Per call, against one Engine.fire ({transition_us:.1f} µs):", file=out)
        document = default_document()
        fixture = fixtures["engine"]
        reps = max(3, min(opts.reps, 5))
        results["load_us"] = per_call(lambda: engine.load_workflow(document, "default.json"), opts.loads, reps)
        results["get_us"] = per_call(lambda: engine.get(fixture.default_rel_id), opts.gets, reps)

        def cold_workflow() -> Any:
            engine._workflows.clear()  # the cache is per engine; empty it to measure a cold re-hydration
            return engine.workflow_by_version(fixture.default_version_id)

        results["workflow_us"] = per_call(cold_workflow, opts.loads, reps)
        results["rehydrate_us"] = results["get_us"] + results["workflow_us"]
        for key, label in (("load_us", "load+validate default.json (load_workflow)"),
                           ("get_us", "Engine.get(id)"),
                           ("workflow_us", "workflow_by_version, cold cache"),
                           ("rehydrate_us", "re-hydrate (get + cold workflow)")):
            print(f"  {label:<42} {results[key]:>10,.1f} µs/call  ({results[key] / transition_us:5.2f}× one "
                  "transition)", file=out)
        print("  (loading runs on publish and once per workflow version per engine, which then caches it;\n"
              "   Engine.get is paid only when a caller passes an id instead of the snapshot it holds)", file=out)
    finally:
        floor.close()
        engine.db.dispose()
    return results


def bench_postgres(out: TextIO, opts: Options) -> dict[str, float]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(opts.postgres_url)  # type: ignore[arg-type]
    server = server.set(drivername="postgresql+psycopg")
    name = f"mentorflow_bench_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    conninfo = server.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    results: dict[str, float] = {}
    engine = floor = None
    try:
        engine, _ = make_engine(url, opts.prepared)
        engine.upgrade_database()
        engine_fixture, floor_fixture = populate(engine), populate(engine)
        with engine.read() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
        path = EnginePath(engine, engine_fixture)
        floor = PostgresFloor(conninfo, floor_fixture)
        # Every statement is a round trip: a quarter of N (and at most 5 repetitions) keeps the run short.
        n, reps = max(50, opts.n // 4), min(opts.reps, 5)
        warmup = max(20, n // 10)
        print(f"PostgreSQL {version} ({server.host}:{server.port}, scratch database {name}; "
              f"N={n}, median of {reps}):", file=out)
        each = compare(n, reps, floor.run, path.each, warmup)
        rate_line(out, "floor (psycopg, commit each)", each.floor)
        rate_line(out, "engine (Engine.fire, commit each)", each.engine)
        ratio_line(out, "ratio engine/floor", each.ratio)
        batch = compare(n, reps, lambda k: floor.run(k, BATCH), path.batched, warmup)  # type: ignore[union-attr]
        rate_line(out, f"floor (psycopg, commit every {BATCH})", batch.floor)
        rate_line(out, f"engine (Engine.batch, {BATCH} per commit)", batch.engine)
        ratio_line(out, "ratio engine/floor (batch)", batch.ratio)
        results.update(floor=each.floor, engine=each.engine, ratio=each.ratio, floor_batch=batch.floor,
                       engine_batch=batch.engine, ratio_batch=batch.ratio)
    finally:
        if floor is not None:
            floor.close()
        if engine is not None:
            engine.db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return results


def run(opts: Options, out: TextIO = sys.stdout) -> dict[str, Any]:
    print(f"machine: {machine()}", file=out)
    probe, _ = make_engine("sqlite://")
    impls = fire_path_impls(probe)
    probe.db.dispose()
    counts = ", ".join(f"{name.removeprefix('mentorflow_').removesuffix('_transition')} x{count}"
                       for name, count in impls.items())
    print(f"workload: action '{TRANSITION}' with guard bench.allow, {sum(impls.values())} hook impls on the fire "
          f"path ({counts}), audit row, SystemClock; N={opts.n} per repetition, "
          f"median of {opts.reps} after a warm-up; each ratio is the median of back-to-back pairs; "
          f"statements {'prepared' if opts.prepared else 'through conn.execute (--unprepared)'}", file=out)
    results: dict[str, Any] = {"sqlite": bench_sqlite(out, opts)}
    if opts.postgres_url:
        results["postgres"] = bench_postgres(out, opts)
    else:
        print(f"PostgreSQL: skipped (set {' or '.join(POSTGRES_ENVS)} to a server URL, "
              "e.g. postgresql://postgres@127.0.0.1:5432/postgres)", file=out)
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.transitions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=None, help="transitions per repetition (default 2000; 300 quick)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 7; 3 quick)")
    parser.add_argument("--quick", action="store_true", help="a quick run (N=300, 3 repetitions)")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the SQLite files (default: a temp dir)")
    parser.add_argument("--postgres-url", default=None,
                        help=f"PostgreSQL server URL (default ${POSTGRES_ENVS[0]} or ${POSTGRES_ENVS[1]})")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL even when configured")
    parser.add_argument("--unprepared", action="store_true",
                        help="send the transition's statements through conn.execute, not prepared (to compare)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, out: TextIO | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    n = args.n or (300 if args.quick else 2000)
    reps = args.reps or (3 if args.quick else 7)
    postgres_url = None if args.no_postgres else (
        args.postgres_url or next((os.environ[e] for e in POSTGRES_ENVS if os.environ.get(e)), None))
    small = args.quick or n < 500
    with tempfile.TemporaryDirectory(prefix="mentorflow-bench-", dir=args.dir) as workdir:
        opts = Options(n=n, reps=reps, loads=5 if small else 20, gets=100 if small else 500,
                       workdir=Path(workdir), postgres_url=postgres_url, prepared=not args.unprepared)
        return run(opts, out or sys.stdout)


if __name__ == "__main__":
    main()
