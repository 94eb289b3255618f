"""Matching runs: score the pool, assign, store the proposals with their breakdowns (and, in automatic mode,
approve them all)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from mentorflow.actors import SYSTEM, Actor
from mentorflow.clock import as_utc
from mentorflow.errors import NotFound, TransitionError, UserError
from mentorflow.i18n import _

from . import assignment
from .pool import PROPOSALS, RUNS, ProgrammeMatching, load_pool, programme_matching, require_coordinator
from .scoring import PoolScorer

if TYPE_CHECKING:
    from mentorflow.engine import Engine

ProgressCallback = Callable[[str, int, int], None]
"""``progress(phase, done, total)``; phases: ``scoring`` and ``pricing`` (mentees scored), ``solving`` (flow
rounds), ``storing``."""


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

    @property
    def objective(self) -> str:
        """How the proposals were chosen, for the review page (translated when read, so at render time)."""
        text = _("Proposals give the largest total score first and then match as many mentees as possible; a "
                 "pair with a negative score is never proposed.")
        certificate = self.stats.get("certificate")
        if self.algorithm == "greedy":
            return text + " " + _("This run was greedy (best pair first): fast, not always the best total.")
        if certificate:
            return text + " " + _("Proven optimal: after {rounds} round(s) of checking, no allowed pair could "
                                  "improve it.").format(rounds=certificate.get("rounds", 1))
        return text


def assign(source: PoolScorer, capacity: Iterable[int], algorithm: str, *,
           progress: assignment.Progress | None = None, cancelled: Callable[[], bool] | None = None
           ) -> assignment.Assignment:
    """Run the chosen algorithm on a pool's scores, block by block."""
    import numpy as np

    cap = np.asarray(list(capacity), dtype=np.int64)
    if algorithm == "greedy":
        return assignment.greedy_solve(source, cap, progress=progress, cancelled=cancelled)
    return assignment.solve(source, cap, progress=progress, cancelled=cancelled)


class RunCancelled(UserError):
    """The run was cancelled before it finished; it is stored as ``cancelled``, without proposals."""


class _Reporter:
    """Passes the solver's progress on (to the caller and to the run's row) and asks whether to stop."""

    def __init__(self, engine: Engine, run_id: int | None, progress: ProgressCallback | None,
                 cancelled: Callable[[], bool] | None) -> None:
        self.engine, self.run_id, self.callback, self.external = engine, run_id, progress, cancelled
        self.shown: tuple[str, int] | None = None

    def progress(self, phase: str, done: int, total: int) -> None:
        if self.callback is not None:
            self.callback(phase, done, total)
        share = done / total if total else 1.0
        # One row update per phase and per percent: a few hundred small writes per run at most.
        key = (phase, int(share * 100))
        if self.run_id is not None and key != self.shown:
            self.shown = key
            with self.engine.write() as conn:
                conn.execute(update(RUNS).where(RUNS.c.id == self.run_id).values(phase=phase, progress=share))

    def cancelled(self) -> bool:
        if self.external is not None and self.external():
            return True
        if self.run_id is None:
            return False
        with self.engine.read() as conn:
            return bool(conn.execute(select(RUNS.c.cancel_requested).where(RUNS.c.id == self.run_id)).scalar_one())


def run_matching(engine: Engine, programme: str | int, actor: Actor | int = SYSTEM, *, algorithm: str | None = None,
                 mentee_ids: Iterable[int] | None = None, parent_run_id: int | None = None, store: bool = True,
                 progress: ProgressCallback | None = None, cancelled: Callable[[], bool] | None = None
                 ) -> RunResult:
    """Match the programme's free mentees to mentors with capacity left, and store the run for review.

    Only the system or a coordinator may run it. ``algorithm`` is
    ``optimal`` or ``greedy`` (default: the programme's setting).
    ``store=False`` computes without writing (a dry run). A stored run is
    written first as ``running`` with its phase and progress, so the console
    can follow it and :func:`cancel_run` can stop it (``cancelled``, a
    callable, can too); a cancelled run raises :class:`RunCancelled`. In
    ``automatic`` mode a stored run's proposals are approved at once.
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
    source = PoolScorer(pm.settings, pm.scorers, pm.constraints, pool.mentees, pool.mentors, excluded=pool.excluded,
                        preferences=pool.preferences, now=now)
    method = "greedy" if algorithm == "greedy" else "min-cost-flow"
    run_id = _start(engine, pm, actor, algorithm, method, parent_run_id, now) if store else None
    reporter = _Reporter(engine, run_id, progress, cancelled)
    try:
        chosen = assign(source, pool.capacity, algorithm, progress=reporter.progress, cancelled=reporter.cancelled)
        assigned = time.perf_counter()
        if reporter.cancelled():  # the last chance: nothing is stored yet
            raise assignment.Cancelled()
        reporter.progress("storing", 0, 1)
        scores, breakdowns = source.pairs(chosen.pairs)
    except assignment.Cancelled:
        if run_id is not None:
            _finish(engine, run_id, "cancelled")
        raise RunCancelled(_("Matching run {id} was cancelled; nothing was proposed.").format(
            id=run_id if run_id is not None else "-")) from None
    except BaseException:
        if run_id is not None:
            _finish(engine, run_id, "failed")
        raise
    proposals = _proposals(source, chosen.pairs, scores, breakdowns)
    total = math.fsum(scores)
    stats = {"mentees": len(pool.mentees), "mentors": len(pool.mentors), "capacity": int(sum(pool.capacity)),
             "matched": len(chosen.pairs), "unmatched": len(pool.mentees) - len(chosen.pairs),
             "skipped": pool.skipped, "objective": "total, then matched",
             "seconds": {"assign": round(assigned - started, 3)}}
    if chosen.certificate is not None:
        stats["certificate"] = chosen.certificate.as_dict()
    result = RunResult(run_id, pm.programme_id, algorithm, chosen.method, chosen.exact, total, proposals,
                       [c.key for c in pm.settings.criteria], stats)
    if run_id is None:
        return result
    result = _store(engine, run_id, result)
    if progress:
        progress("storing", 1, 1)
    if pm.settings.mode == "automatic":
        from .review import approve_all

        approve_all(engine, result.run_id, actor)  # type: ignore[arg-type]
        return get_run(engine, result.run_id, actor)  # type: ignore[arg-type]
    return result


def cancel_run(engine: Engine, run_id: int, actor: Actor | int) -> None:
    """Ask a running run to stop (coordinators and the system); it stops at its next block or round."""
    with engine.write() as conn:
        run = run_row(conn, run_id)
        require_coordinator(conn, run.programme_id, actor)
        if run.status != "running":
            raise TransitionError(_("Matching run {id} is {status}; only a running run can be cancelled.").format(
                id=run_id, status=run.status))
        conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(cancel_requested=True))


def _proposals(source: PoolScorer, pairs: list[tuple[int, int]], scores: list[float],
               breakdowns: list[list[dict[str, Any]]]) -> list[ProposalView]:
    mentees, mentors = source.mentees.ids, source.mentors.ids
    out = []
    matched = set()
    for (i, j), score, breakdown in zip(pairs, scores, breakdowns, strict=True):
        matched.add(i)
        out.append(ProposalView(None, None, int(mentees[i]), int(mentors[j]), score, breakdown, "proposed",
                                int(mentors[j])))
    out += [ProposalView(None, None, int(mentees[i]), None, None, None, "unmatched")
            for i in range(len(mentees)) if i not in matched]
    return out


def _start(engine: Engine, pm: ProgrammeMatching, actor: Actor, algorithm: str, method: str,
           parent_run_id: int | None, now: datetime) -> int:
    with engine.write() as conn:
        return int(conn.execute(insert(RUNS).values(
            programme_id=pm.programme_id, parent_run_id=parent_run_id, algorithm=algorithm, method=method,
            status="running", created_at=now, created_by=actor.person_id, total_score=0.0,
            settings=dict(pm.settings.raw), stats={}, phase="scoring", progress=0.0,
            cancel_requested=False)).inserted_primary_key[0])


def _finish(engine: Engine, run_id: int, status: str) -> None:
    with engine.write() as conn:
        conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(status=status, phase=None, progress=None))


def _store(engine: Engine, run_id: int, result: RunResult) -> RunResult:
    with engine.write() as conn:
        conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(
            method=result.method, status="open" if result.matched else "completed", total_score=result.total_score,
            stats=result.stats, phase=None, progress=None))
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
    phase: str | None = None
    """While running: the phase (scoring, solving, pricing, storing) and the share of it done."""
    progress: float | None = None
    cancel_requested: bool = False
    """A cancel was asked for; a running run stops at its next block or round."""


EXACT_METHODS = ("min-cost-flow", "dense-lsa", "sparse-lsa", "empty")
"""Methods that give a proven optimum (older runs stored the scipy ones)."""


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
    return RunResult(run.id, run.programme_id, run.algorithm, run.method, run.method in EXACT_METHODS,
                     run.total_score, proposals, keys, dict(run.stats))


def list_runs(engine: Engine, programme: str | int, viewer: Actor | int) -> list[RunSummary]:
    """The programme's runs, newest first."""
    with engine.read() as conn:
        pid = engine.programme_id(programme, conn)
        require_coordinator(conn, pid, viewer)
        rows = conn.execute(select(RUNS).where(RUNS.c.programme_id == pid).order_by(RUNS.c.id.desc())).all()
    return [RunSummary(r.id, r.programme_id, r.parent_run_id, r.algorithm, r.method, r.status, as_utc(r.created_at),
                       r.created_by, r.total_score, dict(r.stats), r.phase, r.progress, bool(r.cancel_requested))
            for r in rows]


def rerun(engine: Engine, run_id: int, actor: Actor | int, *, algorithm: str | None = None,
          progress: ProgressCallback | None = None, cancelled: Callable[[], bool] | None = None) -> RunResult:
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
                        parent_run_id=run_id, progress=progress, cancelled=cancelled)
