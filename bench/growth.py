"""How request costs grow with the size of the database: 1k, 10k and 100k relationships in one programme.

Run from the repository root::

    python -m bench.growth                    # 1k, 10k and 100k, SQLite and PostgreSQL
    python -m bench.growth --sizes 1000,10000

For each size, a fresh database holds the shipped default programme with
20 relationships driven through the engine (agreement, goal, reflecting;
the ones requests are made on) and the rest bulk-inserted in 'reflecting'
with their start event and a few reflections each, as months of use would
leave them. Then, in this process through Flask's test client (no network:
the figure is the server's own work), the median time of: the
relationship page, the relationship through the API, a transition (a
reflection), and the coordinator dashboard with its programme figures
(per-stage counts, goal attainment, satisfaction, regularity, the overdue
list and the at-risk flags) read afresh on every view from the figures
plugin's summary rows (docs/figures.md; there is no cache). The bulk fill
writes those summary rows too, as the transitions would have (checked
against ``mentorflow figures rebuild`` at the smallest size). Each figure
is printed as a ratio to the same request at the smallest size, and the
dashboard also as a ratio to the relationship page in the same run. PostgreSQL runs when
``MENTORFLOW_BENCH_POSTGRES_URL`` or ``MENTORFLOW_TEST_POSTGRES_URL`` names
a server.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from mentorflow import Engine
from mentorflow.db.models import AuditEvent, Person, ProgrammeRole, Relationship, RelationshipMember

SECRET = "bench-secret"
MEASURED = 20
KINDS = ("page", "api_get", "transition", "dashboard")
EVERY = timedelta(days=14)
"""The shipped default's reflection cadence (``reflection_due`` every P14D)."""


def fill(engine: Engine, total: int, seed: int = 11) -> None:
    """Bulk-insert relationships in 'reflecting' (with people and history) until the programme holds ``total``."""
    rng = random.Random(seed)
    P, R, A = Person.__table__, Relationship.__table__, AuditEvent.__table__
    M = RelationshipMember.__table__
    with engine.write() as conn:
        template = conn.execute(select(R).order_by(R.c.id).limit(1)).one()
        missing = total - conn.execute(select(func.count()).select_from(R)).scalar_one()
        if missing <= 0:
            return
        now = template.state_entered_at
        for start in range(0, missing, 10_000):
            count = min(10_000, missing - start)
            first_person = conn.execute(select(func.coalesce(func.max(P.c.id), 0))).scalar_one() + 1
            conn.execute(insert(P), [{"id": first_person + i, "display_name": f"Person {start * 2 + i}",
                                      "email": None, "locale": "en", "created_at": now} for i in range(count * 2)])
            first_rel = conn.execute(select(func.coalesce(func.max(R.c.id), 0))).scalar_one() + 1
            rels, events, members = [], [], []
            for i in range(count):
                entered = now - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 23))
                rels.append({"id": first_rel + i, "programme_id": template.programme_id,
                             "workflow_version_id": template.workflow_version_id,
                             "state": "reflecting", "version": 1, "started_at": entered, "state_entered_at": entered,
                             "closed_at": None, "updated_at": entered})
                people = {"mentor": first_person + 2 * i, "mentee": first_person + 2 * i + 1}
                members += [{"relationship_id": first_rel + i, "person_id": person, "role": role,
                             "joined_at": entered, "joined_seq": 1} for role, person in people.items()]
                events.append({"relationship_id": first_rel + i, "seq": 1, "at": entered, "actor_id": None,
                               "actor_role": "system", "transition": "start", "from_state": None,
                               "to_state": "reflecting", "data": None})
                for seq, role in enumerate(rng.sample(["mentor", "mentee"] * 3, rng.randint(0, 6)), start=2):
                    events.append({"relationship_id": first_rel + i, "seq": seq,
                                   "at": entered + timedelta(days=12 * (seq - 1)), "actor_id": people[role],
                                   "actor_role": role, "transition": "submit_reflection",
                                   "from_state": "reflecting", "to_state": "reflecting", "data": None})
            conn.execute(insert(R), rels)
            conn.execute(insert(M), members)
            conn.execute(insert(A), events)
            fill_figures(conn, rels, events, members)
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in (P, R):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                     f"(SELECT max(id) FROM {table.name}))")
            conn.exec_driver_sql("ANALYZE")


def fill_figures(conn: Any, rels: list[dict[str, Any]], events: list[dict[str, Any]],
                 members: list[dict[str, Any]]) -> None:
    """The figures plugin's summary rows for bulk-inserted relationships, as their transitions would have left them.

    Each is open, in 'reflecting', with reflection transitions in the audit log (no reflection rows): its
    values are the relationship, open and stage counts; its deadlines each role's next reflection (14 days
    after the later of entering the state and the role's last one) and 'silent' (two cadences after the
    latest of either side's). The programme's sums are added in one upsert per name.
    """
    from mentorflow.plugins.figures.models import FigureDeadline, RelationshipValue
    from mentorflow.plugins.figures.store import _add

    V, D = RelationshipValue.__table__, FigureDeadline.__table__
    last: dict[tuple[int, str], Any] = {}
    for e in events:
        if e["transition"] == "submit_reflection":
            key = (e["relationship_id"], e["actor_role"])
            last[key] = max(last.get(key, e["at"]), e["at"])
    roles: dict[int, dict[str, int]] = {}
    for m in members:  # the relationships' members (the columns mentor_id/mentee_id are gone, issue #18)
        roles.setdefault(m["relationship_id"], {})[m["role"]] = m["person_id"]
    values, deadlines = [], []
    for r in rels:
        rid, entered, people = r["id"], r["state_entered_at"], roles[r["id"]]
        values += [{"relationship_id": rid, "programme_id": r["programme_id"], "name": name, "value": 1.0}
                   for name in ("relationships", "open", "stage.reflecting")]
        done = {role: last.get((rid, role)) for role in people}
        for role, person in people.items():
            start = max(entered, done[role]) if done[role] is not None else entered
            deadlines.append({"relationship_id": rid, "programme_id": r["programme_id"], "kind": "duty_due",
                              "at": start + EVERY, "role": role, "person_id": person,
                              "label": '{"da": "Refleksion forfalden", "en": "Reflection due"}'})
        latest = max([entered, *(at for at in done.values() if at is not None)])
        deadlines.append({"relationship_id": rid, "programme_id": r["programme_id"], "kind": "silent",
                          "at": latest + 2 * EVERY, "role": None, "person_id": None, "label": None})
    conn.execute(insert(V), values)
    conn.execute(insert(D), deadlines)
    for name in ("relationships", "open", "stage.reflecting"):
        _add(conn, rels[0]["programme_id"], name, float(len(rels)))


def check_figures(engine: Engine) -> None:
    """The bulk-filled summary rows are what ``mentorflow figures rebuild`` computes (run at the smallest size)."""
    from mentorflow import SYSTEM
    from mentorflow.plugins.figures.store import rebuild

    def read() -> Any:
        return engine.pm.hook.mentorflow_programme_figures(engine=engine, programme="bench", actor=SYSTEM)

    filled = read()
    with engine.write() as conn:
        rebuild(engine, conn)
    rebuilt = read()
    assert (filled.totals, filled.overdue_total, filled.at_risk_total) == \
        (rebuilt.totals, rebuilt.overdue_total, rebuilt.at_risk_total), "the bulk fill's figures are a rebuild's"


def median_ms(action: Callable[[], object], n: int) -> float:
    action()  # warm: workflow, templates, statement caches
    times = []
    for _ in range(n):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(url: str, size: int, requests: int, check: bool = False) -> dict[str, float]:
    from flask.sessions import SecureCookieSessionInterface

    from bench.http import seed
    from mentorflow.integrations.web import create_app
    from mentorflow.integrations.web.sessions import cookie_data
    from mentorflow.integrations.web.settings import load_settings

    plan = seed(url, MEASURED)
    started = time.perf_counter()
    engine = Engine(url)
    fill(engine, size)
    built = time.perf_counter() - started
    if check:
        check_figures(engine)
    T = ProgrammeRole.__table__
    with engine.read() as conn:
        coordinator = conn.execute(select(T.c.person_id).where(T.c.role == "coordinator")).scalar_one()
    engine.db.dispose()
    app = create_app(load_settings(database_url=url, secret_key=SECRET, worker=False))
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert signer is not None
    client = app.test_client()
    by_kind = {kind: [p for p in plan if p["name"] == kind] for kind in ("page", "api_get", "transition")}
    turn = {"n": 0}

    def request(kind: str) -> Callable[[], object]:
        def call() -> None:
            planned = by_kind[kind][turn["n"] % MEASURED]
            turn["n"] += 1
            headers = dict(planned.get("headers") or {})
            if "Cookie" in headers:
                client.set_cookie("session", headers.pop("Cookie").split("=", 1)[1])
            response = client.open(planned["path"], method=planned["method"], headers=headers,
                                   json=planned.get("json"))
            assert response.status_code < 300, response.status_code
        return call

    def dashboard() -> None:
        client.set_cookie("session", signer.dumps(cookie_data(app.extensions["mentorflow"].engine, coordinator)))
        response = client.get("/coordinator/bench")
        assert response.status_code == 200, response.status_code

    figures = {kind: median_ms(request(kind), requests) for kind in ("page", "api_get", "transition")}
    figures["dashboard"] = median_ms(dashboard, max(3, requests // 5))  # every view reads the figures afresh
    app.extensions["mentorflow"].engine.db.dispose()
    return {"n": size, "built": built, **figures}


def report(label: str, rows: list[dict[str, float]], out: Any) -> None:
    print(f"{label}:", file=out)
    base = rows[0]
    for row in rows:
        cells = "  ".join(f"{kind} {row[kind]:8.2f} ms ({row[kind] / base[kind]:6.2f}×)" for kind in KINDS)
        print(f"  {int(row['n']):>9,} relationships (filled in {row['built']:5.1f} s):", file=out)
        print(f"      {cells}  dashboard/page {row['dashboard'] / row['page']:5.2f}×", file=out)


def main(argv: list[str] | None = None, out: Any = sys.stdout) -> dict[str, list[dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated relationship counts")
    parser.add_argument("--requests", type=int, default=40, help="requests of each kind per size")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-sizes", default="", help="further sizes measured on PostgreSQL only (1000000)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    postgres_only = [int(s) for s in args.postgres_sizes.split(",") if s]
    print(f"growth benchmark · {platform.platform()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
          f"median of {args.requests} in-process requests per kind (dashboard {max(3, args.requests // 5)}, "
          "its figures read afresh each time); "
          "(×) is the ratio to the smallest size", file=out)
    results: dict[str, list[dict[str, float]]] = {"sqlite": []}
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"].append(measure(f"sqlite:///{Path(folder) / 'growth.db'}", size, args.requests,
                                             check=size == sizes[0]))
    report("SQLite", results["sqlite"], out)
    if not args.no_postgres:
        from bench.scan import _postgres

        for size in sizes + postgres_only:
            scratch = _postgres(f"growth{size}")
            if scratch is None:
                print("PostgreSQL skipped: set MENTORFLOW_BENCH_POSTGRES_URL", file=out)
                break
            url, drop = scratch
            try:
                results.setdefault("postgresql", []).append(measure(url, size, args.requests,
                                                                    check=size == sizes[0]))
            finally:
                drop()
        if results.get("postgresql"):
            report("PostgreSQL", results["postgresql"], out)
    return results


if __name__ == "__main__":
    main()
