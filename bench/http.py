"""Request latency and throughput of `mentorflow serve` under concurrent load.

Run from the repository root::

    python -m bench.http            # SQLite and PostgreSQL, 1 and 2 web processes, 50 clients, 15 s each
    python -m bench.http --quick    # 3 s each: 2 processes (serve's default), 1 saturated on PostgreSQL

The server runs as a real gunicorn (`mentorflow serve --no-worker`); the
load comes from a separate process (bench/http_load.py, asyncio + httpx,
50 concurrent clients with keep-alive) sharing the same 2 cores. Measured
per request kind: GET /health (the baseline: the framework and server
alone), the relationship page (HTML, session cookie), GET of a relationship
through the API, and POST of a transition (a mentee's reflection, which the
reflections plugin checks and records beside the audit row); all on
relationships of the shipped default programme. Two seconds of the same
load run before recording (connections open, every kind served once).
Two kinds of load: 50 concurrent people who each click about once a
second (the latency target: p95 < 50 ms for the page and the transition),
and saturation, 50 clients sending back to back, for throughput with one
and two web processes on PostgreSQL. Printed: p50/p95/p99 in ms,
requests/s, and each p95 as a ratio to the /health p95 in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from mentorflow import Engine
from mentorflow.testing import Factory
from mentorflow.tokens import create_token

SECRET = "bench-secret"
THINK = 1.0
"""Mean seconds a simulated person waits between clicks (50 people ≈ 50 requests/s offered)."""
ROOT = Path(__file__).resolve().parent.parent
WARMUP = 2.0
"""Seconds of load before recording: every connection is open and every kind of request served once."""


def seed(url: str, relationships: int) -> list[dict[str, Any]]:
    """Relationships of the shipped default programme in 'reflecting', a token per mentee; returns the load plan.

    The default programme runs every built-in lifecycle plugin, so the page shows the agreement, goals,
    reflections and meetings sections and the transition (a mentee's reflection check-in, the most frequent
    write) runs the reflections plugin's form checks and effect.
    """
    from mentorflow.integrations.web.demo import AGREEMENT, SIGN
    from mentorflow.plugins.goals import api as goals
    from mentorflow.schemas import template_paths

    engine = Engine(url)
    engine.upgrade_database()
    factory = Factory(engine)
    factory.programme("bench", json.loads(template_paths()["default"].read_text("utf-8")))
    coordinator = factory.coordinator("bench")
    plan: list[dict[str, Any]] = []
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    from mentorflow.integrations.web.sessions import cookie_data

    app = Flask("bench")
    app.secret_key = SECRET
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert signer is not None
    for n in range(relationships):
        mentor = factory.person(f"Mentor {n}", role="mentor", programme="bench")
        mentee = factory.person(f"Mentee {n}", role="mentee", programme="bench")
        rel = factory.relationship("bench", mentor=mentor, mentee=mentee)
        rel = factory.drive(rel, [("propose_agreement", coordinator, AGREEMENT), ("sign_agreement", mentor, SIGN),
                                  ("sign_agreement", mentee, SIGN), ("agree", mentee),
                                  ("add_goal", mentee, {"title": "Grow", "category": "skills"})])
        goal_id = goals.list_goals(engine, rel, mentee).goals[-1].id
        factory.drive(rel, [("agree_goal", mentor, {"goal_id": goal_id}), ("start_reflecting", mentor)])
        token = create_token(engine, f"bench {mentee}", person_id=mentee)[0]
        auth = {"Authorization": f"Bearer {token}"}
        cookie = {"Cookie": f"session={signer.dumps(cookie_data(engine, mentee))}"}
        plan += [
            {"name": "health", "method": "GET", "path": "/health"},
            {"name": "page", "method": "GET", "path": f"/relationships/{rel.id}", "headers": cookie},
            {"name": "api_get", "method": "GET", "path": f"/api/v1/relationships/{rel.id}", "headers": auth},
            {"name": "transition", "method": "POST",
             "path": f"/api/v1/relationships/{rel.id}/transitions/submit_reflection", "headers": auth,
             "json": {"data": {"went_well": "We met and I prepared", "health": 4}}},
        ]
    engine.db.dispose()
    return plan


def _cumulative(stats: dict[Any, Any], fragment: str, function: str) -> float:
    """Cumulative seconds of ``function`` in a file whose path contains ``fragment``."""
    return max((v[3] for (path, _line, func), v in stats.items() if fragment in path and func == function),
               default=0.0)


def profile_requests(url: str, plan: list[dict[str, Any]], out: Any, repeat: int = 100) -> dict[str, Any]:
    """Where one request's time goes, in-process (cProfile): database, templates, the rest."""
    import cProfile
    import pstats
    import time

    from mentorflow.integrations.web import create_app
    from mentorflow.integrations.web.settings import load_settings

    app = create_app(load_settings(database_url=url, secret_key=SECRET, worker=False))
    client = app.test_client()
    shares: dict[str, Any] = {}
    print("  where the time goes (in-process, cProfile; per request):", file=out)
    for name in ("health", "page", "api_get", "transition"):
        requests = [p for p in plan if p["name"] == name][:repeat]
        cookie = next((p["headers"]["Cookie"] for p in requests if "Cookie" in (p.get("headers") or {})), None)
        if cookie:
            client.set_cookie("session", cookie.split("=", 1)[1])
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for request in requests:
            headers = {k: v for k, v in (request.get("headers") or {}).items() if k != "Cookie"}
            client.open(request["path"], method=request["method"], headers=headers, json=request.get("json"))
        profiler.disable()
        total = (time.perf_counter() - started) / len(requests)
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]

        database = _cumulative(stats, "sqlalchemy/engine/base.py", "_execute_context") / len(requests)
        templates = _cumulative(stats, "jinja2/environment.py", "render") / len(requests)
        rest = 1 - (database + templates) / total
        shares[name] = {"ms": total * 1000, "database": database / total, "templates": templates / total}
        print(f"    {name:<11} {total * 1000:6.2f} ms: database {database / total:5.1%}, templates "
              f"{templates / total:5.1%}, Flask, auth, JSON and the engine's Python {rest:5.1%}", file=out)
    app.extensions["mentorflow"].engine.db.dispose()
    return shares


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def scenario(url: str, workers: int, plan: list[dict[str, Any]], seconds: float, concurrency: int,
             folder: Path, think: float = THINK) -> dict[str, Any]:
    from tests.web.conftest import start_server, stop_server

    server = start_server(url, folder / f"server-{workers}.log", "--workers", str(workers),
                          env={"MENTORFLOW_SECRET_KEY": SECRET, "MENTORFLOW_LOG_LEVEL": "warning"})
    try:
        plan_file = folder / "plan.json"
        plan_file.write_text(json.dumps(plan))
        out = subprocess.run([sys.executable, "-m", "bench.http_load", "--url", server.url, "--plan", str(plan_file),
                              "--seconds", str(seconds), "--concurrency", str(concurrency), "--think", str(think),
                              "--warmup", str(WARMUP)],
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            raise RuntimeError(f"the load generator failed:\n{out.stderr[-3000:]}")
    finally:
        stop_server(server.process)
    return json.loads(out.stdout)


def summarise(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    summary = {}
    for name, values in result["latencies"].items():
        summary[name] = {"p50": statistics.median(values), "p95": percentile(values, 0.95),
                         "p99": percentile(values, 0.99), "rps": len(values) / result["seconds"],
                         "errors": result["errors"].get(name, 0), "count": len(values)}
    return summary


def report(label: str, summary: dict[str, dict[str, float]], out: Any) -> None:
    base = summary["health"]["p95"] or 1
    total = sum(s["rps"] for s in summary.values())
    print(f"  {label}: {total:,.0f} requests/s in all", file=out)
    for name in ("health", "page", "api_get", "transition"):
        s = summary[name]
        print(f"    {name:<11} p50 {s['p50']:7.1f} ms  p95 {s['p95']:7.1f} ms  p99 {s['p99']:7.1f} ms  "
              f"{s['rps']:7.0f}/s  errors {s['errors']:<4} p95/health {s['p95'] / base:5.2f}", file=out)


def _processes(workers: int) -> str:
    return "1 web process" if workers == 1 else f"{workers} web processes{' (the default)' if workers == 2 else ''}"


def main(argv: list[str] | None = None, out: Any = sys.stdout) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--relationships", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args(argv)
    seconds = 3 if args.quick else 15
    print(f"http benchmark · {platform.platform()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
          f"{args.concurrency} concurrent clients, {seconds:g} s per scenario", file=out)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sqlite_url = f"sqlite:///{folder / 'http.db'}"
        plan = seed(sqlite_url, args.relationships)
        results["profile-sqlite"] = profile_requests(sqlite_url, plan, out)
        # People clicking: with the default two web processes of `mentorflow serve` (the full run adds one).
        for workers in (2,) if args.quick else (1, 2):
            key = f"sqlite-{workers}"
            results[key] = summarise(scenario(sqlite_url, workers, plan, seconds, args.concurrency, folder))
            report(f"SQLite, {_processes(workers)}, {args.concurrency} people clicking every ~{THINK:g} s",
                   results[key], out)
        from bench.scan import _postgres

        scratch = _postgres("http")
        if scratch is None:
            print("  PostgreSQL skipped: set MENTORFLOW_BENCH_POSTGRES_URL", file=out)
            return results
        pg_url, drop = scratch
        try:
            plan = seed(pg_url, args.relationships)
            results["profile-postgresql"] = profile_requests(pg_url, plan, out)
            for workers in (2,) if args.quick else (1, 2):
                key = f"postgresql-{workers}"
                results[key] = summarise(scenario(pg_url, workers, plan, seconds, args.concurrency, folder))
                report(f"PostgreSQL, {_processes(workers)}, {args.concurrency} people clicking every "
                       f"~{THINK:g} s", results[key], out)
            for workers in (1,) if args.quick else (1, 2):
                key = f"saturation-postgresql-{workers}"
                results[key] = summarise(scenario(pg_url, workers, plan, seconds, args.concurrency, folder, think=0))
                report(f"PostgreSQL, {_processes(workers)}, saturated "
                       f"({args.concurrency} clients back to back)", results[key], out)
        finally:
            drop()
    if "saturation-postgresql-2" in results:
        one = sum(s["rps"] for s in results["saturation-postgresql-1"].values())
        two = sum(s["rps"] for s in results["saturation-postgresql-2"].values())
        print(f"  throughput, 2 web processes / 1 on PostgreSQL: {two / one:.2f}", file=out)
    return results


if __name__ == "__main__":
    main()
