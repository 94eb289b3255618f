"""Matching runs: score the pool, assign, store the proposals with their breakdowns (and, in automatic mode,
approve them all)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from mentorflow.actors import SYSTEM, Actor
from mentorflow.clock import as_utc
from mentorflow.errors import NotFound, UserError
from mentorflow.i18n import _

from . import assignment
from .pool import PROPOSALS, RUNS, ProgrammeMatching, load_pool, programme_matching, require_coordinator
from .scoring import ScoreMatrix, score_pool

if TYPE_CHECKING:
    from mentorflow.engine import Engine

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: ``score`` (mentees scored), ``assign``, ``store``."""


@dataclass(frozen=True, slots=True)
class ProposalView:
    """A proposed pair (``mentor_id`` None: the mentee stayed unmatched) and where its review stands."""

    id: int | None
    run_id: int | None
    mentee_id: int
    mentor_id: int | None
    score: float | None
    breakdown: list[dict[str, Any]] | None
    status: str
    """proposed, approved, overridden, excluded, unmatched or superseded."""
    proposed_mentor_id: int | None = None
    relationship_id: int | None = None
    decided_by: int | None = None
    decided_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class RunResult:
    """The outcome of a run: its proposals (matched first) and figures."""

    run_id: int | None
    programme_id: int
    algorithm: str
    method: str
    exact: bool
    total_score: float
    proposals: list[ProposalView]
    criteria: list[str]
    """Criterion keys, in breakdown order (the CSV's breakdown columns)."""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def matched(self) -> list[ProposalView]:
        return [p for p in self.proposals if p.mentor_id is not None]

    @property
    def unmatched(self) -> list[ProposalView]:
        return [p for p in self.proposals if p.mentor_id is None]


def assign(matrix: ScoreMatrix, capacity: Iterable[int], algorithm: str) -> assignment.Assignment:
    """Run the chosen algorithm on a scored pool."""
    import numpy as np

    cap = np.asarray(list(capacity), dtype=np.int64)
    if algorithm == "greedy":
        return assignment.greedy(matrix.total, matrix.allowed, cap)
    return assignment.optimal(matrix.total, matrix.allowed, cap)


def run_matching(engine: Engine, programme: str | int, actor: Actor | int = SYSTEM, *, algorithm: str | None = None,
                 mentee_ids: Iterable[int] | None = None, parent_run_id: int | None = None, store: bool = True,
                 progress: ProgressCallback | None = None) -> RunResult:
    """Match the programme's free mentees to mentors with capacity left, and store the run for review.

    Only the system or a coordinator may run it. ``algorithm`` is
    ``optimal`` or ``greedy`` (default: the programme's setting).
    ``store=False`` computes without writing (a dry run). In ``automatic``
    mode a stored run's proposals are approved at once.
    """
    pm = programme_matching(engine, programme)
    algorithm = algorithm or pm.settings.algorithm
    if algorithm not in ("optimal", "greedy"):
        raise UserError(_("Unknown matching algorithm '{name}' (use optimal or greedy).").format(name=algorithm))
    now = engine.clock.now()
    started = time.perf_counter()
    with engine.read() as conn:
        actor = require_coordinator(conn, pm.programme_id, actor)
        pool = load_pool(conn, pm, now, mentee_ids=mentee_ids)
    matrix = score_pool(pm.settings, pm.scorers, pm.constraints, pool.mentees, pool.mentors, excluded=pool.excluded,
                        preferences=pool.preferences, now=now,
                        progress=(lambda done, total: progress("score", done, total)) if progress else None)
    scored = time.perf_counter()
    if progress:
        progress("assign", 0, 1)
    chosen = assign(matrix, pool.capacity, algorithm)
    assigned = time.perf_counter()
    if progress:
        progress("assign", 1, 1)
    proposals = _proposals(matrix, chosen.pairs)
    total = chosen.total(matrix.total)
    stats = {"mentees": len(pool.mentees), "mentors": len(pool.mentors), "capacity": int(sum(pool.capacity)),
             "matched": len(chosen.pairs), "unmatched": len(pool.mentees) - len(chosen.pairs),
             "allowed_pairs": int(matrix.allowed.sum()), "skipped": pool.skipped,
             "seconds": {"score": round(scored - started, 3), "assign": round(assigned - scored, 3)}}
    result = RunResult(None, pm.programme_id, algorithm, chosen.method, chosen.exact, total, proposals,
                       [c.key for c in pm.settings.criteria], stats)
    if not store:
        return result
    result = _store(engine, pm, actor, result, parent_run_id, now)
    if progress:
        progress("store", 1, 1)
    if pm.settings.mode == "automatic":
        from .review import approve_all

        approve_all(engine, result.run_id, actor)  # type: ignore[arg-type]
        return get_run(engine, result.run_id, actor)  # type: ignore[arg-type]
    return result


def _proposals(matrix: ScoreMatrix, pairs: list[tuple[int, int]]) -> list[ProposalView]:
    out = []
    matched = set()
    for i, j in pairs:
        matched.add(i)
        out.append(ProposalView(None, None, int(matrix.mentees.ids[i]), int(matrix.mentors.ids[j]), matrix.score(i, j),
                                matrix.breakdown(i, j), "proposed", int(matrix.mentors.ids[j])))
    out += [ProposalView(None, None, int(matrix.mentees.ids[i]), None, None, None, "unmatched")
            for i in range(len(matrix.mentees)) if i not in matched]
    return out


def _store(engine: Engine, pm: ProgrammeMatching, actor: Actor, result: RunResult, parent_run_id: int | None,
           now: datetime) -> RunResult:
    with engine.write() as conn:
        run_id = conn.execute(insert(RUNS).values(
            programme_id=pm.programme_id, parent_run_id=parent_run_id, algorithm=result.algorithm,
            method=result.method, status="open" if result.matched else "completed", created_at=now,
            created_by=actor.person_id, total_score=result.total_score, settings=dict(pm.settings.raw),
            stats=result.stats)).inserted_primary_key[0]
        if result.proposals:
            conn.execute(insert(PROPOSALS), [
                {"run_id": run_id, "mentee_id": p.mentee_id, "mentor_id": p.mentor_id,
                 "proposed_mentor_id": p.proposed_mentor_id, "score": p.score, "breakdown": p.breakdown,
                 "status": p.status, "relationship_id": None, "decided_by": None, "decided_at": None, "note": None}
                for p in result.proposals])
    return get_run(engine, run_id, SYSTEM)


@dataclass(frozen=True)
class RunSummary:
    id: int
    programme_id: int
    parent_run_id: int | None
    algorithm: str
    method: str
    status: str
    created_at: datetime
    created_by: int | None
    total_score: float
    stats: dict[str, Any]


def _view(row: Any) -> ProposalView:
    return ProposalView(row.id, row.run_id, row.mentee_id, row.mentor_id, row.score, row.breakdown, row.status,
                        row.proposed_mentor_id, row.relationship_id, row.decided_by,
                        as_utc(row.decided_at) if row.decided_at else None, row.note)


def run_row(conn: Any, run_id: int) -> Any:
    row = conn.execute(select(RUNS).where(RUNS.c.id == run_id)).first()
    if row is None:
        raise NotFound(_("Matching run {id} does not exist.").format(id=run_id))
    return row


def get_run(engine: Engine, run_id: int, viewer: Actor | int) -> RunResult:
    """A stored run with its proposals (matched first, then by mentee). Coordinators and the system only."""
    with engine.read() as conn:
        run = run_row(conn, run_id)
        require_coordinator(conn, run.programme_id, viewer)
        rows = conn.execute(select(PROPOSALS).where(PROPOSALS.c.run_id == run_id).order_by(
            PROPOSALS.c.mentor_id.is_(None), PROPOSALS.c.mentee_id)).all()
    proposals = [_view(r) for r in rows]
    keys = [c.get("key") or c["name"] for c in run.settings.get("criteria", [])]
    return RunResult(run.id, run.programme_id, run.algorithm, run.method, not run.method.startswith("sparse-lsa("),
                     run.total_score, proposals, keys, dict(run.stats))


def list_runs(engine: Engine, programme: str | int, viewer: Actor | int) -> list[RunSummary]:
    """The programme's runs, newest first."""
    with engine.read() as conn:
        pid = engine.programme_id(programme, conn)
        require_coordinator(conn, pid, viewer)
        rows = conn.execute(select(RUNS).where(RUNS.c.programme_id == pid).order_by(RUNS.c.id.desc())).all()
    return [RunSummary(r.id, r.programme_id, r.parent_run_id, r.algorithm, r.method, r.status, as_utc(r.created_at),
                       r.created_by, r.total_score, dict(r.stats)) for r in rows]


def rerun(engine: Engine, run_id: int, actor: Actor | int, *, algorithm: str | None = None,
          progress: ProgressCallback | None = None) -> RunResult:
    """Match again the mentees a run left without a mentor (unmatched, excluded or superseded proposals).

    Approved pairs now count against their mentors' capacity, pairs ruled
    out since are excluded, and proposals still awaiting review keep their
    mentors' capacity reserved.
    """
    with engine.read() as conn:
        run = run_row(conn, run_id)
        require_coordinator(conn, run.programme_id, actor)
        mentees = list(conn.execute(select(PROPOSALS.c.mentee_id).where(
            PROPOSALS.c.run_id == run_id, PROPOSALS.c.status.in_(("unmatched", "excluded", "superseded")))).scalars())
    return run_matching(engine, run.programme_id, actor, algorithm=algorithm or run.algorithm, mentee_ids=mentees,
                        parent_run_id=run_id, progress=progress)
