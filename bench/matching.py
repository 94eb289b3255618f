"""How fast and how good is matching at programme scale, against greedy and open-source matchers?

Run from the repository root::

    python -m bench.matching            # 5,000 mentees x 1,000 mentors, growth 1k..10k, all comparisons
    python -m bench.matching --quick    # a quick look (smaller sizes)

Seeded random profiles (languages, skills offered and sought, industry,
career stage, time zone, availability, free-text interests, reporting
lines, mentor capacity 1-5) are scored with the matching plugin's built-in
criteria and constraints (vectorised, in blocks), then assigned:

- ``optimal``: :func:`mentorflow.plugins.matching.assignment.optimal`
  (mentors expanded by capacity; exact);
- ``greedy``: best remaining pair first, the baseline;
- scipy's ``linear_sum_assignment`` called directly on the dense expanded
  matrix (what ``optimal`` improves on by pruning and choosing a solver);
- the ``matching`` package's ``HospitalResident`` (a stable matching from
  preference lists: each mentee's 30 best allowed mentors, mentors ranking
  those who listed them by score), when installed;
- networkx's ``max_weight_matching`` on a smaller instance (pure Python
  blossom algorithm), when installed, next to ``optimal`` on the same one.

Then the national-scale tiers (20,000 x 4,000 and 50,000 x 10,000; ``--tiers-only``
runs just those): ``optimal`` in blocks with its certificate, greedy, OR-tools'
min-cost flow given every allowed pair at once, and scipy on the slot-expanded
matrix, each in its own process so its time (scoring included) and peak memory
are its own; a reference that does not fit is reported as skipped.

Every result is checked (constraints, capacities, one mentor per mentee)
before it is reported. Totals are in score points (sum of the chosen pairs'
scores); ratios compare within this run, since machines are noisy.
Group formation (``--groups-only``): 5,000 mentees into groups of 2-8 led by 700 mentors, fit only (exact) and
with cohesion and diversity (heuristic, with its upper bound), and the gap to a MILP's exact optimum on small
instances. Finally ``run_matching`` is timed end to end on SQLite (read the pool,
score, assign, store every proposal with its breakdown).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

from mentorflow.plugins.matching import assignment
from mentorflow.plugins.matching.constraints import BUILT_IN as CONSTRAINTS
from mentorflow.plugins.matching.scorers import BUILT_IN as SCORERS
from mentorflow.plugins.matching.scoring import ScoreMatrix, score_pool
from mentorflow.plugins.matching.settings import MatchingSettings
from mentorflow.plugins.matching.specs import ProfileTable

STAGES = ["student", "junior", "mid", "senior", "executive"]
SETTINGS: dict[str, Any] = {
    "criteria": [
        {"name": "skills_overlap", "weight": 3},
        {"name": "same_value", "key": "same_industry", "weight": 1, "params": {"field": "industry"}},
        {"name": "shared_language", "weight": 0.5},
        {"name": "timezone_distance", "weight": 1, "params": {"max_hours": 8}},
        {"name": "seniority_gap", "weight": 1, "params": {"field": "career_stage", "levels": STAGES, "ideal": 2,
                                                          "tolerance": 2}},
        {"name": "text_similarity", "key": "interests", "weight": 1},
        {"name": "overlap", "key": "availability", "weight": 1, "params": {"field": "availability"}},
    ],
    "constraints": [{"name": "shared_language"}, {"name": "not_same_reporting_line"}],
}
SKILLS = [f"skill-{i:02d}" for i in range(40)]
INDUSTRIES = ["it", "health", "finance", "education", "energy", "media", "law", "retail", "public", "research",
              "logistics", "design"]
WORDS = [
    "jazz", "chess", "hiking", "climbing", "cooking", "data", "ethics", "startups", "teaching", "robotics",
    "football", "poetry", "design", "gardening", "music", "travel", "running", "photography", "history",
    "philosophy", "economics", "sailing", "painting", "writing", "languages", "cycling", "film", "theatre",
    "volunteering", "podcasts", "gaming", "astronomy", "biology", "chemistry", "medicine", "architecture", "fashion",
    "marketing", "sustainability",
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ZONES = [-8, -5, 0, 1, 2, 3, 5.5, 8, 9]


def generate(mentees: int, mentors: int, seed: int) -> tuple[ProfileTable, ProfileTable, np.ndarray]:
    """Seeded random profiles; some mentors manage some mentees (the reporting-line constraint has work)."""
    rng = np.random.default_rng(seed)
    managers = [f"mgr-{i}" for i in range(max(10, mentors // 4))]

    def person(kind: str, i: int) -> dict[str, Any]:
        languages = ["en"] if rng.random() < 0.7 else []
        languages += [lang for lang, p in (("da", 0.4), ("de", 0.15), ("sv", 0.1)) if rng.random() < p]
        profile: dict[str, Any] = {
            "languages": languages or ["da"],
            "industry": INDUSTRIES[min(int(rng.zipf(1.6)) - 1, len(INDUSTRIES) - 1)],
            "utc_offset": float(rng.choice(ZONES)),
            "availability": sorted(set(rng.choice(DAYS, size=int(rng.integers(1, 5))).tolist())),
            "interests": " ".join(rng.choice(WORDS, size=int(rng.integers(4, 12))).tolist()),
        }
        boss = managers[int(rng.integers(len(managers)))]
        if kind == "mentor":
            profile["skills_offered"] = sorted(set(rng.choice(SKILLS, size=int(rng.integers(3, 9))).tolist()))
            profile["career_stage"] = STAGES[int(rng.choice([2, 3, 4], p=[0.3, 0.5, 0.2]))]
            # A quarter of the mentors are managers that mentees may report to.
            own = managers[i] if i < len(managers) else f"mentor-{i}"
            profile["reporting_line"] = [own, boss]
        else:
            profile["skills_sought"] = sorted(set(rng.choice(SKILLS, size=int(rng.integers(2, 6))).tolist()))
            profile["career_stage"] = STAGES[int(rng.choice([0, 1, 2], p=[0.4, 0.4, 0.2]))]
            profile["reporting_line"] = [f"mentee-{i}", boss, "ceo"]
        return profile

    mentor_table = ProfileTable.of([(100_000 + j, person("mentor", j)) for j in range(mentors)])
    mentee_table = ProfileTable.of([(i + 1, person("mentee", i)) for i in range(mentees)])
    capacity = rng.integers(1, 6, size=mentors)
    return mentee_table, mentor_table, capacity


def score(mentees: ProfileTable, mentors: ProfileTable) -> ScoreMatrix:
    return score_pool(MatchingSettings.parse(SETTINGS), {s.name: s for s in SCORERS},
                      {c.name: c for c in CONSTRAINTS}, mentees, mentors)


def check(pairs: list[tuple[int, int]], allowed: np.ndarray, capacity: np.ndarray) -> None:
    """Raise if a result breaks a constraint, a capacity or gives a mentee two mentors."""
    mentees = [i for i, _j in pairs]
    if len(set(mentees)) != len(mentees):
        raise AssertionError("a mentee has two mentors")
    if pairs and not all(allowed[i, j] for i, j in pairs):
        raise AssertionError("a pair breaks a constraint")
    load = np.bincount([j for _i, j in pairs], minlength=len(capacity))
    if (load > capacity).any():
        raise AssertionError("a mentor is over capacity")


def total(matrix: np.ndarray, pairs: list[tuple[int, int]]) -> float:
    return math.fsum(float(matrix[i, j]) for i, j in pairs)


def timed(fn: Callable[[], Any], reps: int = 1) -> tuple[float, Any]:
    """Median seconds of ``reps`` calls, and the last result."""
    samples, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


@dataclass
class Row:
    name: str
    seconds: float
    score: float
    matched: int
    note: str = ""


def table(rows: list[Row], reference: Row, out: Any) -> None:
    print(f"  {'':<44}{'time':>10}{'total score':>15}{'matched':>9}{'score/optimal':>15}{'time/optimal':>14}",
          file=out)
    for row in rows:
        print(f"  {row.name:<44}{row.seconds:>9.2f}s{row.score:>15,.2f}{row.matched:>9,}"
              f"{row.score / reference.score if reference.score else 1:>15.4f}"
              f"{row.seconds / reference.seconds if reference.seconds else 0:>13.2f}×  {row.note}", file=out)


def lsa_dense(matrix: ScoreMatrix, capacity: np.ndarray) -> list[tuple[int, int]]:
    """scipy's Hungarian-type solver on the full expanded matrix, forbidden pairs worth 0 and dropped."""
    slot_mentor = np.repeat(np.arange(len(capacity)), capacity)
    value = np.where(matrix.allowed, np.maximum(matrix.total, 0.0), 0.0)[:, slot_mentor]
    rows, cols = linear_sum_assignment(value, maximize=True)
    return [(int(i), int(slot_mentor[s])) for i, s in zip(rows, cols, strict=True) if matrix.allowed[i, slot_mentor[s]]]


def hospital_resident(matrix: ScoreMatrix, capacity: np.ndarray, k: int = 30) -> list[tuple[int, int]] | None:
    """The ``matching`` package's resident-optimal stable matching on top-k preference lists."""
    try:
        from matching.games import HospitalResident
    except ImportError:
        return None
    masked = np.where(matrix.allowed, matrix.total, -np.inf)
    k = min(k, masked.shape[1])
    top = np.argsort(-masked, axis=1, kind="stable")[:, :k]
    resident_prefs: dict[str, list[str]] = {}
    listed: dict[int, list[int]] = {j: [] for j in range(masked.shape[1])}
    for i in range(masked.shape[0]):
        chosen = [int(j) for j in top[i] if np.isfinite(masked[i, j])]
        if chosen:
            resident_prefs[f"r{i}"] = [f"h{j}" for j in chosen]
            for j in chosen:
                listed[j].append(i)
    hospital_prefs = {f"h{j}": [f"r{i}" for i in sorted(who, key=lambda i: -matrix.total[i, j])]
                      for j, who in listed.items() if who}
    capacities = {f"h{j}": int(capacity[j]) for j in range(len(capacity)) if f"h{j}" in hospital_prefs}
    result: list[Any] = []

    def solve() -> None:
        # The package deep-copies its object graph recursively: give it a deep stack.
        game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
        result.append(game.solve(optimal="resident"))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 29)
    worker = threading.Thread(target=solve)
    worker.start()
    worker.join()
    threading.stack_size(0)
    sys.setrecursionlimit(limit)
    if not result:
        raise RuntimeError("HospitalResident failed")
    return [(int(r.name[1:]), int(h.name[1:])) for h, residents in result[0].items() for r in residents]


def networkx_matching(matrix: ScoreMatrix, capacity: np.ndarray) -> list[tuple[int, int]] | None:
    """networkx's max_weight_matching on the bipartite graph of mentees and capacity units."""
    try:
        import networkx as nx
    except ImportError:
        return None
    graph = nx.Graph()
    slot_mentor = np.repeat(np.arange(len(capacity)), capacity)
    for s, j in enumerate(slot_mentor):
        for i in np.flatnonzero(matrix.allowed[:, j]):
            if matrix.total[i, j] > 0:
                graph.add_edge(("e", int(i)), ("s", s), weight=float(matrix.total[i, j]))
    pairs = []
    for a, b in nx.max_weight_matching(graph):
        mentee, slot = (a, b) if a[0] == "e" else (b, a)
        pairs.append((mentee[1], int(slot_mentor[slot[1]])))
    return pairs


def compare_all(matrix: ScoreMatrix, capacity: np.ndarray, out: Any, stable: bool, reps: int) -> None:
    rows = []
    # A first call pays for fresh memory pages (about a second at this size): warm up, then take medians.
    assignment.optimal(matrix.total, matrix.allowed, capacity)
    for name, fn in (("optimal (mentorflow)", lambda: assignment.optimal(matrix.total, matrix.allowed, capacity)),
                     ("greedy (mentorflow)", lambda: assignment.greedy(matrix.total, matrix.allowed, capacity))):
        seconds, result = timed(fn, reps)
        check(result.pairs, matrix.allowed, capacity)
        rows.append(Row(name, seconds, total(matrix.total, result.pairs), len(result.pairs), result.method))
    seconds, pairs = timed(lambda: lsa_dense(matrix, capacity), reps)
    check(pairs, matrix.allowed, capacity)
    rows.append(Row("scipy linear_sum_assignment, dense expanded", seconds, total(matrix.total, pairs), len(pairs),
                    f"{matrix.total.shape[0]:,} x {int(capacity.sum()):,}"))
    if stable:
        seconds, pairs = timed(lambda: hospital_resident(matrix, capacity))
        if pairs is None:
            print("  (matching.HospitalResident skipped: pip install matching)", file=out)
        else:
            check(pairs, matrix.allowed, capacity)
            rows.append(Row("matching.HospitalResident (stable, top 30)", seconds, total(matrix.total, pairs),
                            len(pairs), "resident-optimal"))
    table(rows, rows[0], out)


def growth(sizes: list[int], mentors: int, seed: int, out: Any) -> None:
    print(f"\nGrowth with the number of mentees ({mentors:,} mentors, capacity 1-5; one cold run each, as a "
          "command-line run would be):", file=out)
    print(f"  {'mentees':>8}{'places':>8}{'score':>9}{'optimal':>10}{'method':>15}{'greedy':>9}{'opt/greedy score':>18}"
          f"{'opt/greedy time':>17}", file=out)
    for size in sizes:
        mentees, mentor_table, capacity = generate(size, mentors, seed)
        score_s, matrix = timed(lambda m=mentees, t=mentor_table: score(m, t))
        opt_s, opt = timed(lambda mx=matrix, c=capacity: assignment.optimal(mx.total, mx.allowed, c))
        greedy_s, greedy = timed(lambda mx=matrix, c=capacity: assignment.greedy(mx.total, mx.allowed, c))
        check(opt.pairs, matrix.allowed, capacity)
        check(greedy.pairs, matrix.allowed, capacity)
        ratio = total(matrix.total, opt.pairs) / max(total(matrix.total, greedy.pairs), 1e-12)
        print(f"  {size:>8,}{int(capacity.sum()):>8,}{score_s:>8.2f}s{opt_s:>9.2f}s{opt.method:>15}{greedy_s:>8.2f}s"
              f"{ratio:>18.4f}{opt_s / greedy_s:>16.2f}×", file=out)


def networkx_section(size: tuple[int, int], seed: int, out: Any) -> None:
    mentees, mentors, capacity = generate(*size, seed)
    matrix = score(mentees, mentors)
    print(f"\nSmall instance for networkx ({size[0]} mentees x {size[1]} mentors, {int(capacity.sum())} places; its "
          "blossom algorithm is pure Python and cubic):", file=out)
    seconds, pairs = timed(lambda: networkx_matching(matrix, capacity))
    rows = []
    opt_s, opt = timed(lambda: assignment.optimal(matrix.total, matrix.allowed, capacity))
    rows.append(Row("optimal (mentorflow)", opt_s, total(matrix.total, opt.pairs), len(opt.pairs), opt.method))
    greedy_s, greedy = timed(lambda: assignment.greedy(matrix.total, matrix.allowed, capacity))
    rows.append(Row("greedy (mentorflow)", greedy_s, total(matrix.total, greedy.pairs), len(greedy.pairs)))
    if pairs is None:
        print("  (networkx skipped: pip install networkx)", file=out)
    else:
        check(pairs, matrix.allowed, capacity)
        rows.append(Row("networkx max_weight_matching", seconds, total(matrix.total, pairs), len(pairs), "blossom"))
    table(rows, rows[0], out)


def load_people(engine: Any, programme: str, mentee_count: int, mentor_count: int, seed: int,
                first_id: int = 1) -> None:
    """Bulk-load :func:`generate`'s people, their roles and profiles into a published programme (ids from
    ``first_id`` on: mentees first, then mentors with their capacity)."""
    from sqlalchemy import insert

    from mentorflow.db.models import Person, ProgrammeRole
    from mentorflow.plugins.matching.models import Profile

    mentees, mentors, capacity = generate(mentee_count, mentor_count, seed)
    pid = engine.programme_id(programme)
    now = engine.clock.now()
    rows = [(first_id + i, p, "mentee") for i, p in enumerate(mentees.profiles)]
    rows += [(first_id + mentee_count + j, {**p, "capacity": int(c)}, "mentor")
             for j, (p, c) in enumerate(zip(mentors.profiles, capacity, strict=True))]
    with engine.write() as conn:
        conn.execute(insert(Person.__table__), [{"id": i, "display_name": f"P{i}", "email": None, "locale": "en",
                                                 "created_at": now} for i, _p, _r in rows])
        conn.execute(insert(ProgrammeRole.__table__), [{"programme_id": pid, "person_id": i, "role": r}
                                                       for i, _p, r in rows])
        conn.execute(insert(Profile.__table__), [{"programme_id": pid, "person_id": i, "role": r, "data": p,
                                                  "updated_at": now, "updated_by": None} for i, p, r in rows])


def end_to_end(mentee_count: int, mentor_count: int, seed: int, out: Any) -> None:
    """``run_matching`` on SQLite: people, roles and profiles bulk-loaded, then one timed run."""
    from mentorflow import Engine, ManualClock
    from mentorflow.plugins.matching.runs import run_matching
    from mentorflow.schemas import template_paths
    from mentorflow.workflow.loader import parse_document

    with tempfile.TemporaryDirectory(prefix="mentorflow-bench-") as folder:
        engine = Engine(f"sqlite:///{folder}/bench.db", clock=ManualClock())
        engine.upgrade_database()
        document = parse_document(template_paths()["default"].read_bytes())
        document["programme"].setdefault("settings", {})["matching"] = {
            **SETTINGS, "profile_schema": {"type": "object"}}
        engine.publish_workflow("bench", document)
        load_people(engine, "bench", mentee_count, mentor_count, seed)
        seconds, result = timed(lambda: run_matching(engine, "bench"))
        engine.db.dispose()
    s = result.stats["seconds"]
    print(f"\nEnd to end on SQLite, run_matching with {mentee_count:,} mentees x {mentor_count:,} mentors: "
          f"{seconds:.2f} s (score and assign {s['assign']:.2f} s, the rest reading the pool and "
          f"storing {len(result.proposals):,} proposals with breakdowns); {len(result.matched):,} matched, "
          f"total {result.total_score:,.2f}", file=out)


TIERS = [(20_000, 4_000), (50_000, 10_000)]
QUICK_TIERS = [(4_000, 800)]
LSA_CELLS = 60_000_000
"""Largest slot-expanded matrix scipy is given (480 MB of float64): where it fits."""
ALL_PAIRS = 80_000_000
"""Most allowed pairs OR-tools is given in one graph (where it fits: 20,000 x 4,000 has about 58 million, a
few GB; 50,000 x 10,000 has about 360 million and is skipped, not tried)."""


def _pool(mentee_count: int, mentor_count: int, seed: int) -> tuple[Any, np.ndarray]:
    from mentorflow.plugins.matching.scoring import PoolScorer

    mentees, mentors, capacity = generate(mentee_count, mentor_count, seed)
    return PoolScorer(MatchingSettings.parse(SETTINGS), {s.name: s for s in SCORERS},
                      {c.name: c for c in CONSTRAINTS}, mentees, mentors), capacity


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tier_job(job: str, mentee_count: int, mentor_count: int, seed: int) -> dict[str, Any]:
    """One measurement in this (fresh) process: ``ours``, ``greedy``, ``ortools`` (every allowed pair) or ``lsa``.

    Besides wall time it reports the process's CPU time (all threads) and the load average before and after: on
    a machine shared with other work the CPU time is the steadier figure.
    """
    source, capacity = _pool(mentee_count, mentor_count, seed)
    load = os.getloadavg()[0]
    cpu = time.process_time()
    out = _tier_job(job, source, capacity)
    if "skipped" not in out:
        out.update(cpu_seconds=round(time.process_time() - cpu, 1), load=[round(load, 1), round(os.getloadavg()[0], 1)])
    return out


def _tier_job(job: str, source: Any, capacity: np.ndarray) -> dict[str, Any]:
    start = time.perf_counter()
    if job in ("ours", "greedy"):
        phases: dict[str, float] = {}
        last = [start, ""]

        def progress(phase: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if last[1]:
                phases[str(last[1])] = phases.get(str(last[1]), 0.0) + now - float(last[0])
            last[:] = [now, phase]

        solve = assignment.solve if job == "ours" else assignment.greedy_solve
        result = solve(source, capacity, progress=progress)
        seconds = time.perf_counter() - start
        out = {"seconds": seconds, "total": result.total(), "matched": len(result.pairs),
               "phases": {k: round(v, 1) for k, v in phases.items()}}
        if result.certificate is not None:
            out["certificate"] = result.certificate.as_dict()
        return {**out, "peak_mb": _peak_mb()}
    m, n = source.shape
    slots = int(capacity.sum())
    if job == "lsa" and m * slots > LSA_CELLS:
        return {"skipped": f"{m:,} x {slots:,} expanded matrix: does not fit"}
    # The references see every usable pair (allowed, score >= 0), scored in the same blocks.
    rows, cols, scores = [], [], []
    kept = 0
    for block in source.blocks():
        r, c = np.nonzero(block.allowed & (block.total >= 0) & (capacity[None, :] > 0))
        kept += len(r)
        if kept > ALL_PAIRS:
            return {"skipped": f"more than {ALL_PAIRS:,} allowed pairs: does not fit"}
        rows.append(block.rows[r].astype(np.int32))
        cols.append(c.astype(np.int32))
        scores.append(block.total[r, c])
    scored = time.perf_counter() - start
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(scores)
    del rows, cols, scores
    if job == "ortools":
        from ortools.graph.python import min_cost_flow

        solve_start = time.perf_counter()
        weight, sink = m + 2, m + n
        flow = min_cost_flow.SimpleMinCostFlow()
        q = np.rint(v * 1e6).astype(np.int64)
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            np.concatenate([r, m + np.arange(n), np.arange(m)]).astype(np.int64),
            np.concatenate([m + c, np.full(n, sink), np.full(m, sink)]).astype(np.int64),
            np.concatenate([np.ones(len(r)), capacity, np.ones(m)]).astype(np.int64),
            np.concatenate([-(q * weight + 1), np.zeros(n + m)]).astype(np.int64))
        supplies = np.zeros(m + n + 1, dtype=np.int64)
        supplies[:m], supplies[sink] = 1, -m
        flow.set_nodes_supplies(np.arange(m + n + 1), supplies)
        if flow.solve() != flow.OPTIMAL:
            raise AssertionError("OR-tools did not solve")
        used = np.asarray(flow.flows(arcs[:len(r)])) > 0
        return {"seconds": time.perf_counter() - start, "solve_seconds": time.perf_counter() - solve_start,
                "score_seconds": scored, "total": math.fsum(v[used].tolist()), "matched": int(used.sum()),
                "pairs": len(r), "peak_mb": _peak_mb()}
    slot_mentor = np.repeat(np.arange(n), capacity)
    value = np.zeros((m, n))
    value[r, c] = v
    rows_, cols_ = linear_sum_assignment(value[:, slot_mentor], maximize=True)
    return {"seconds": time.perf_counter() - start, "total": float(value[rows_, slot_mentor[cols_]].sum()),
            "matched": len(rows_), "peak_mb": _peak_mb()}


def _job(job: str, size: tuple[int, int], seed: int) -> dict[str, Any]:
    """Run :func:`tier_job` in a child process, so its peak memory is its own."""
    import json
    import subprocess

    run = subprocess.run([sys.executable, "-m", "bench.matching", "--job", job, "--size", f"{size[0]}x{size[1]}",
                          "--seed", str(seed)], capture_output=True, text=True)
    if run.returncode:
        return {"skipped": f"failed ({run.stderr.strip().splitlines()[-1] if run.stderr.strip() else run.returncode})"}
    return json.loads(run.stdout.strip().splitlines()[-1])


def tiers(sizes: list[tuple[int, int]], seed: int, out: Any) -> None:
    """National scale: the exact optimum in blocks against OR-tools on every allowed pair and scipy, each in its
    own process (time includes scoring; peak is the process's maximum resident memory)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nNational scale (each row its own process; load average {load:.1f} on {_cpus()} CPU(s) at the start):",
          file=out)
    print(f"  {'':<44}{'time':>10}{'peak':>10}{'total score':>15}{'matched':>9}{'time/ours':>11}  note", file=out)
    for size in sizes:
        print(f"  {size[0]:,} mentees x {size[1]:,} mentors", file=out)
        ours = _job("ours", size, seed)
        rows = [("optimal (mentorflow, blocks + pricing)", ours), ("greedy (mentorflow)", _job("greedy", size, seed)),
                ("OR-tools min-cost flow, every allowed pair", _job("ortools", size, seed)),
                ("scipy linear_sum_assignment, expanded", _job("lsa", size, seed))]
        for name, row in rows:
            if "skipped" in row:
                print(f"  {name:<44}{'':>10}{'':>10}{'':>15}{'':>9}{'':>11}  skipped: {row['skipped']}", file=out)
                continue
            note = ""
            if "certificate" in row:
                cert = row["certificate"]
                note = (f"exact: {cert['rounds']} flow round(s), max violation {cert['max_violation']}, "
                        f"{cert['candidate_pairs']:,} candidate pairs; phases {row['phases']}")
            elif "pairs" in row:
                note = (f"{row['pairs']:,} pairs; scoring {row['score_seconds']:.1f} s, "
                        f"solve {row['solve_seconds']:.1f} s")
            note += ("; " if note else "") + f"CPU {row['cpu_seconds']:.1f} s, load {row['load'][0]}-{row['load'][1]}"
            ratio = row["seconds"] / ours["seconds"] if "seconds" in ours else float("nan")
            print(f"  {name:<44}{row['seconds']:>9.1f}s{row['peak_mb']:>8.0f}MB{row['total']:>15,.2f}"
                  f"{row['matched']:>9,}{ratio:>10.2f}×  {note}", file=out)


GROUP_SETTINGS: dict[str, Any] = {
    "groups": {"cohesion": [{"name": "shared_language", "weight": 0.5},
                            {"name": "text_similarity", "key": "interests", "weight": 1}],
               "diversity": {"field": "industry", "weight": 0.5}}}


def _group_problem(mentee_count: int, mentor_count: int, seed: int, cohesive: bool) -> tuple[Any, Any, Any]:
    """A group programme's formation problem: mentors lead one group of 2-8 mentees, fit on :data:`SETTINGS`."""
    from mentorflow.plugins.matching import groups
    from mentorflow.plugins.matching.group_runs import _codes
    from mentorflow.plugins.matching.scoring import PoolScorer

    mentees, mentors, _capacity = generate(mentee_count, mentor_count, seed)
    settings = MatchingSettings.parse({**SETTINGS, **GROUP_SETTINGS})
    scorers, constraints = {s.name: s for s in SCORERS}, {c.name: c for c in CONSTRAINTS}
    source = PoolScorer(settings, scorers, constraints, mentees, mentors)
    rows, cols, score_ = groups.gather(source, True)
    problem = groups.Problem(mentee_count, mentor_count, rows, cols, score_, np.ones(mentor_count, dtype=np.int64),
                             np.ones(mentee_count, dtype=np.int64), 2, 8)
    if not cohesive:
        return problem, None, None
    from dataclasses import replace

    among = PoolScorer(replace(settings, criteria=settings.groups.cohesion, constraints=()), scorers, constraints,
                       mentees, mentees, apply_min_score=False)

    def cohesion(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        return 0.5 * (among.scores(r, c)[0] + among.scores(c, r)[0].T)

    return problem, cohesion, groups.Diversity(_codes(mentees, "industry"), 0.5)


def group_tier(sizes: list[tuple[int, int]], seed: int, out: Any, instances: int = 30) -> None:
    """Group formation (issue #18): time at scale, fit only (exact) and with cohesion and diversity (heuristic,
    with its upper bound), then the gap to the exact optimum (a MILP, HiGHS) on small random instances."""
    from mentorflow.plugins.matching import groups

    print(f"\nGroup formation (one group of 2-8 mentees per mentor; load average {os.getloadavg()[0]:.1f}):",
          file=out)
    print(f"  {'':<44}{'time':>8}{'CPU':>8}{'total':>13}{'bound':>13}{'placed':>8}{'groups':>8}  note", file=out)
    for mentee_count, mentor_count in sizes:
        for cohesive in (False, True):
            start, cpu, load = time.perf_counter(), time.process_time(), os.getloadavg()[0]
            problem, cohesion, diversity = _group_problem(mentee_count, mentor_count, seed, cohesive)
            formed = groups.form(problem, cohesion=cohesion, diversity=diversity)
            seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu
            for g in formed.groups:
                assert 2 <= len(g.members) <= 8
            name = f"{mentee_count:,} x {mentor_count:,} " + ("fit + cohesion + diversity" if cohesive else "fit only")
            note = (f"{'exact' if formed.exact else 'heuristic'}, gap <= {formed.gap:.2%}, "
                    f"{formed.stats['moves']} moves, {formed.stats['rounds']} flow round(s); load {load:.1f}-"
                    f"{os.getloadavg()[0]:.1f}, peak {_peak_mb():.0f} MB")
            print(f"  {name:<44}{seconds:>7.1f}s{cpu_s:>7.1f}s{formed.total:>13,.2f}{formed.bound:>13,.2f}"
                  f"{formed.placed:>8,}{len(formed.groups):>8,}  {note}", file=out)
    rng = np.random.default_rng(seed)
    gaps, optimal, solve_ms = [], 0, []
    for t in range(instances):
        members, anchors = 10 + t % 3, 3
        allowed = rng.random((members, anchors)) < 0.8
        value = rng.integers(0, 5, (members, anchors)) / 4
        r, c = np.nonzero(allowed)
        problem = groups.Problem(members, anchors, r.astype(np.int64), c.astype(np.int64), value[r, c],
                                 np.ones(anchors, dtype=np.int64), np.ones(members, dtype=np.int64), 3, 5)
        matrix = np.triu(rng.integers(0, 3, (members, members)) / 4, 1)
        matrix = matrix + matrix.T
        diversity = groups.Diversity(rng.integers(0, 3, members), 0.5)
        began = time.perf_counter()
        formed = groups.form(problem, cohesion=lambda a, b, matrix=matrix: matrix[np.ix_(a, b)], diversity=diversity)
        solve_ms.append((time.perf_counter() - began) * 1000)
        best, _placed = groups.exact_formation(problem, matrix, diversity)
        assert formed.total <= best + 1e-6 <= formed.bound + 2e-6
        gaps.append((best - formed.total) / best if best else 0.0)
        optimal += abs(best - formed.total) < 1e-6
    print(f"  exact comparison, {instances} random instances (10-12 mentees x 3 mentors, groups of 3-5, cohesion "
          f"and diversity): optimum reached in {optimal}, gap mean {statistics.mean(gaps):.2%}, max {max(gaps):.2%}; "
          f"formation {statistics.median(solve_ms):.0f} ms median", file=out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a quick look")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reps", type=int, default=None, help="repetitions per timing (default 3, quick 1)")
    parser.add_argument("--job", choices=["ours", "greedy", "ortools", "lsa"], help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--tiers-only", action="store_true", help="only the national-scale tiers")
    parser.add_argument("--no-tiers", action="store_true", help="everything but the national-scale tiers")
    parser.add_argument("--groups-only", action="store_true", help="only the group-formation tier")
    opts = parser.parse_args(argv)
    if opts.job:
        import json

        mentee_count, mentor_count = (int(x) for x in opts.size.split("x"))
        print(json.dumps(tier_job(opts.job, mentee_count, mentor_count, opts.seed)))
        return
    opts.reps = opts.reps or (1 if opts.quick else 3)
    out = sys.stdout
    group_sizes = [(1_000, 150)] if opts.quick else [(5_000, 700)]
    if opts.groups_only:
        group_tier(group_sizes, opts.seed, out, 10 if opts.quick else 30)
        return
    mentee_count, mentor_count = (1_000, 200) if opts.quick else (5_000, 1_000)
    sizes = [500, 1_000, 2_000] if opts.quick else [1_000, 2_000, 5_000, 10_000]
    print(f"mentorflow matching benchmark: {mentee_count:,} mentees x {mentor_count:,} mentors, seed {opts.seed}",
          file=out)
    print(f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"{_cpus()} CPU(s){' (quick)' if opts.quick else ''}", file=out)
    generate_s, (mentees, mentors, capacity) = timed(lambda: generate(mentee_count, mentor_count, opts.seed))
    score_s, matrix = timed(lambda: score(mentees, mentors))
    print(f"\nprofiles generated in {generate_s:.2f} s; scored {matrix.total.size:,} pairs on "
          f"{len(SETTINGS['criteria'])} criteria and {len(SETTINGS['constraints'])} constraints in {score_s:.2f} s "
          f"({matrix.allowed.mean():.1%} of pairs allowed, {int(capacity.sum()):,} places)", file=out)
    if opts.tiers_only:
        tiers(QUICK_TIERS if opts.quick else TIERS, opts.seed, out)
        return
    print(f"\nAssignment on the same scores (median of {opts.reps}):", file=out)
    compare_all(matrix, capacity, out, stable=True, reps=opts.reps)
    del matrix
    growth(sizes, mentor_count, opts.seed, out)
    networkx_section((100, 20) if opts.quick else (200, 40), opts.seed, out)
    end_to_end(mentee_count, mentor_count, opts.seed, out)
    group_tier(group_sizes, opts.seed, out, 10 if opts.quick else 30)
    if not opts.no_tiers:
        tiers(QUICK_TIERS if opts.quick else TIERS, opts.seed, out)


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
