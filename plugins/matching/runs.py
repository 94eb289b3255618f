"""Matching runs: score the pool, assign, store the proposals with their breakdowns (and, in automatic mode,
approve them all)."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, insert, or_, select, update

from mentorflow.actors import SYSTEM, Actor
from mentorflow.clock import as_utc
from mentorflow.errors import NotFound, TransitionError, UserError
from mentorflow.i18n import _

from . import assignment
from .pool import PROPOSALS, RUNS, ProgrammeMatching, load_pool, programme_matching, require_coordinator
from .scoring import PoolScorer

if TYPE_CHECKING:
    from mentorflow.engine import Engine

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
"""A ``running`` run whose row has not been beaten for this long is taken for dead (its process was killed or
the machine stopped): it is marked failed, "interrupted", and no longer blocks a new run of its programme."""
HEARTBEAT_SECONDS = 10.0
"""How often a running run beats its row, from a thread of its own (so also while the solver is busy): twelve
beats fit in a lease, so a loaded machine or a slow write does not get a live run taken for dead."""

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
    groups: list[Any] = field(default_factory=list)
    """A group, circle or co-mentoring programme's run: its :class:`~.group_runs.GroupView` proposals."""

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


class RunInterrupted(UserError):
    """The run's row was marked interrupted (its heartbeat was older than :data:`LEASE`) while it still computed:
    it stops and stores nothing, as another run may already have started."""


def phase_name(phase: str | None) -> str:
    """A run's phase as a person reads it (translated when called)."""
    names = {"scoring": _("scoring the pairs"), "solving": _("finding the best assignment"),
             "pricing": _("checking every allowed pair"), "storing": _("storing the proposals")}
    return names.get(phase or "scoring", phase or "")


def interruption_message(run_id: int, stats: dict[str, Any]) -> str | None:
    """What a person reads about a run marked interrupted (None for any other run)."""
    if stats.get("failure") != "interrupted":
        return None
    return _("Matching run {id} was interrupted: its process stopped while {phase} and gave no sign of life after "
             "{time}. Nothing was proposed; run matching again.").format(
        id=run_id, phase=phase_name(stats.get("phase")), time=stats.get("heartbeat_at", "?"))


def _stale(now: datetime) -> Any:
    """Running runs whose last heartbeat (or, before the first, their start) is older than the lease."""
    cutoff = now - LEASE
    return and_(RUNS.c.status == "running", or_(RUNS.c.heartbeat_at < cutoff,
                                                and_(RUNS.c.heartbeat_at.is_(None), RUNS.c.created_at < cutoff)))


def reap_interrupted(engine: Engine, programme_id: int | None = None) -> list[int]:
    """Mark the runs whose process died as failed ("interrupted"); returns their ids.

    Called wherever runs are listed, read, started or cancelled, so a dead
    run is shown as failed as soon as its lease is over and never blocks a
    new run. Each row is updated only if it is still stale, so a run that
    beats in the meantime is left alone.
    """
    now = engine.clock.now()
    query = select(RUNS.c.id, RUNS.c.phase, RUNS.c.progress, RUNS.c.heartbeat_at, RUNS.c.created_at,
                   RUNS.c.stats).where(_stale(now))
    if programme_id is not None:
        query = query.where(RUNS.c.programme_id == programme_id)
    with engine.read() as conn:
        rows = conn.execute(query).all()
    if not rows:
        return []
    reaped = []
    with engine.write() as conn:
        for row in rows:
            seen = as_utc(row.heartbeat_at or row.created_at)
            stats = {**dict(row.stats or {}), "failure": "interrupted", "phase": row.phase or "scoring",
                     "progress": row.progress, "heartbeat_at": seen.strftime("%Y-%m-%d %H:%M:%S UTC")}
            done = conn.execute(update(RUNS).where(RUNS.c.id == row.id, _stale(now)).values(
                status="failed", phase=None, progress=None, stats=stats))
            if done.rowcount:
                reaped.append(int(row.id))
                log.warning("matching run %s marked interrupted: no heartbeat since %s", row.id, seen.isoformat())
    return reaped


class _Heartbeat:
    """Beats a running run's row every :data:`HEARTBEAT_SECONDS` from a daemon thread, until stopped.

    A beat that finds the row no longer ``running`` (it was marked
    interrupted by someone who took this process for dead) sets ``lost``,
    and the run stops at its next check.
    """

    def __init__(self, engine: Engine, run_id: int | None) -> None:
        self.engine, self.run_id = engine, run_id
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"matching-run-{run_id}-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        if self.run_id is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def beat(self, conn: Any, **values: Any) -> None:
        """Update the row (with ``values``) if it is still running; note it as lost if not."""
        done = conn.execute(update(RUNS).where(RUNS.c.id == self.run_id, RUNS.c.status == "running").values(
            heartbeat_at=self.engine.clock.now(), **values))
        if not done.rowcount:
            self.lost = True

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                with self.engine.write() as conn:
                    self.beat(conn)
            except Exception:  # a busy database: the next beat tries again, well inside the lease
                log.warning("matching run %s: heartbeat failed", self.run_id, exc_info=True)


class _Reporter:
    """Passes the solver's progress on (to the caller and to the run's row) and asks whether to stop."""

    def __init__(self, engine: Engine, run_id: int | None, progress: ProgressCallback | None,
                 cancelled: Callable[[], bool] | None, heartbeat: _Heartbeat) -> None:
        self.engine, self.run_id, self.callback, self.external = engine, run_id, progress, cancelled
        self.heartbeat = heartbeat
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
                self.heartbeat.beat(conn, phase=phase, progress=share)

    def cancelled(self) -> bool:
        if self.heartbeat.lost:
            return True
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
    callable, can too); a cancelled run raises :class:`RunCancelled`. While
    it computes, the run beats its row (``heartbeat_at``); a run whose
    process died is marked failed ("interrupted") once its beat is older
    than :data:`LEASE`. Only one stored run of a programme computes at a
    time: starting one while another is alive raises
    :class:`~mentorflow.errors.TransitionError`, a dead one does not block.
    In ``automatic`` mode a stored run's proposals are approved at once.
    """
    pm = programme_matching(engine, programme)
    algorithm = algorithm or pm.settings.algorithm
    if algorithm not in ("optimal", "greedy"):
        raise UserError(_("Unknown matching algorithm '{name}' (use optimal or greedy).").format(name=algorithm))
    now = engine.clock.now()
    started = time.perf_counter()
    with engine.read() as conn:
        actor = require_coordinator(conn, pm.programme_id, actor)
        # A group programme loads its own pool (:mod:`.group_runs`): no pairs' pool read for nothing.
        pool = load_pool(conn, pm, now, mentee_ids=mentee_ids) if pm.format.is_pair else None
    if pool is None:
        return _run_groups(engine, pm, actor, parent_run_id, store, progress, cancelled, now, started)
    source = PoolScorer(pm.settings, pm.scorers, pm.constraints, pool.mentees, pool.mentors, excluded=pool.excluded,
                        preferences=pool.preferences, now=now)
    method = "greedy" if algorithm == "greedy" else "min-cost-flow"
    run_id = _start(engine, pm, actor, algorithm, method, parent_run_id, now) if store else None
    heartbeat = _Heartbeat(engine, run_id)
    reporter = _Reporter(engine, run_id, progress, cancelled, heartbeat)
    try:
        with heartbeat:
            chosen = assign(source, pool.capacity, algorithm, progress=reporter.progress,
                            cancelled=reporter.cancelled)
            assigned = time.perf_counter()
            if reporter.cancelled():  # the last chance: nothing is stored yet
                raise assignment.Cancelled()
            reporter.progress("storing", 0, 1)
            scores, breakdowns = source.pairs(chosen.pairs)
    except BaseException as error:
        raise _ended(engine, run_id, heartbeat, error) from None
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


def _ended(engine: Engine, run_id: int | None, heartbeat: _Heartbeat, error: BaseException) -> BaseException:
    """What a run that stopped early raises, its row marked: interrupted (its lease lost), cancelled or failed."""
    if isinstance(error, assignment.Cancelled):
        if heartbeat.lost:
            return _interrupted(run_id)
        if run_id is not None:
            _finish(engine, run_id, "cancelled")
        return RunCancelled(_("Matching run {id} was cancelled; nothing was proposed.").format(
            id=run_id if run_id is not None else "-"))
    if run_id is not None:
        _finish(engine, run_id, "failed")
    return error


def _run_groups(engine: Engine, pm: ProgrammeMatching, actor: Actor, parent_run_id: int | None, store: bool,
                progress: ProgressCallback | None, cancelled: Callable[[], bool] | None, now: datetime,
                started: float) -> RunResult:
    """A run of a programme that forms groups (:mod:`.group_runs`): stored, cancelled and beaten like a pair run."""
    from .group_runs import group_views, run_groups, store_groups

    run_id = _start(engine, pm, actor, "optimal", "group-flow", parent_run_id, now) if store else None
    heartbeat = _Heartbeat(engine, run_id)
    reporter = _Reporter(engine, run_id, progress, cancelled, heartbeat)
    try:
        with heartbeat:
            method, total, stats, views = run_groups(engine, pm, actor, run_id, reporter, started)
            if reporter.cancelled():
                raise assignment.Cancelled()
    except BaseException as error:
        raise _ended(engine, run_id, heartbeat, error) from None
    keys = [c.key for c in pm.settings.criteria]
    result = RunResult(run_id, pm.programme_id, "optimal", method, bool(stats["exact"]), total, [], keys, stats, views)
    if run_id is None:
        return result
    with engine.write() as conn:
        stored = conn.execute(update(RUNS).where(RUNS.c.id == run_id, RUNS.c.status == "running").values(
            method=method, status="open" if views else "completed", total_score=total, stats=stats, phase=None,
            progress=None))
        if not stored.rowcount:
            raise _interrupted(run_id)
        store_groups(conn, run_id, views)
        stored_views = group_views(conn, run_id)
    if progress:
        progress("storing", 1, 1)
    return replace(result, groups=stored_views)


def _interrupted(run_id: int | None) -> RunInterrupted:
    return RunInterrupted(_("Matching run {id} was marked interrupted while it still ran (no sign of life for "
                            "{minutes} minutes); it stopped and proposed nothing.").format(
        id=run_id, minutes=round(LEASE.total_seconds() / 60)))


def cancel_run(engine: Engine, run_id: int, actor: Actor | int) -> None:
    """Ask a running run to stop (coordinators and the system); it stops at its next block or round."""
    reap_interrupted(engine)
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
    reap_interrupted(engine, pm.programme_id)  # a dead run does not block this one
    with engine.write() as conn:
        alive = conn.execute(select(RUNS.c.id, RUNS.c.phase).where(
            RUNS.c.programme_id == pm.programme_id, RUNS.c.status == "running")).first()
        if alive is not None:
            raise TransitionError(_("Matching run {id} of this programme is still running ({phase}); wait for it "
                                    "to finish or cancel it.").format(id=alive.id, phase=phase_name(alive.phase)))
        return int(conn.execute(insert(RUNS).values(
            programme_id=pm.programme_id, parent_run_id=parent_run_id, algorithm=algorithm, method=method,
            status="running", created_at=now, created_by=actor.person_id, total_score=0.0,
            settings=dict(pm.settings.raw), stats={}, phase="scoring", progress=0.0,
            cancel_requested=False, heartbeat_at=now)).inserted_primary_key[0])


def _finish(engine: Engine, run_id: int, status: str) -> None:
    with engine.write() as conn:  # a run marked interrupted meanwhile stays so
        conn.execute(update(RUNS).where(RUNS.c.id == run_id, RUNS.c.status == "running").values(
            status=status, phase=None, progress=None))


def _store(engine: Engine, run_id: int, result: RunResult) -> RunResult:
    with engine.write() as conn:
        stored = conn.execute(update(RUNS).where(RUNS.c.id == run_id, RUNS.c.status == "running").values(
            method=result.method, status="open" if result.matched else "completed", total_score=result.total_score,
            stats=result.stats, phase=None, progress=None))
        if not stored.rowcount:  # marked interrupted while it computed: another run may have started since
            raise _interrupted(run_id)
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
    heartbeat_at: datetime | None = None
    """While running: when its process last showed it was alive."""

    @property
    def message(self) -> str | None:
        """Why a failed run failed, for a person (None when there is nothing to explain)."""
        return interruption_message(self.id, self.stats)


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
    reap_interrupted(engine)
    with engine.read() as conn:
        run = run_row(conn, run_id)
        require_coordinator(conn, run.programme_id, viewer)
        rows = conn.execute(select(PROPOSALS).where(PROPOSALS.c.run_id == run_id).order_by(
            PROPOSALS.c.mentor_id.is_(None), PROPOSALS.c.mentee_id)).all()
        from .group_runs import group_views

        groups = group_views(conn, run_id)
    proposals = [_view(r) for r in rows]
    keys = [c.get("key") or c["name"] for c in run.settings.get("criteria", [])]
    exact = run.method in EXACT_METHODS or bool(groups and (run.stats or {}).get("exact"))
    return RunResult(run.id, run.programme_id, run.algorithm, run.method, exact, run.total_score, proposals, keys,
                     dict(run.stats), groups)


def list_runs(engine: Engine, programme: str | int, viewer: Actor | int) -> list[RunSummary]:
    """The programme's runs, newest first."""
    with engine.read() as conn:
        pid = engine.programme_id(programme, conn)
        require_coordinator(conn, pid, viewer)
    reap_interrupted(engine, pid)
    with engine.read() as conn:
        rows = conn.execute(select(RUNS).where(RUNS.c.programme_id == pid).order_by(RUNS.c.id.desc())).all()
    return [RunSummary(r.id, r.programme_id, r.parent_run_id, r.algorithm, r.method, r.status, as_utc(r.created_at),
                       r.created_by, r.total_score, dict(r.stats), r.phase, r.progress, bool(r.cancel_requested),
                       as_utc(r.heartbeat_at) if r.heartbeat_at else None)
            for r in rows]


def rerun(engine: Engine, run_id: int, actor: Actor | int, *, algorithm: str | None = None,
          progress: ProgressCallback | None = None, cancelled: Callable[[], bool] | None = None) -> RunResult:
    """Match again the mentees a run left without a mentor (unmatched, excluded or superseded proposals).

    Approved pairs now count against their mentors' capacity, pairs ruled
    out since are excluded, and proposals still awaiting review keep their
    mentors' capacity reserved. A run that proposed nothing because it
    failed (or was interrupted) or was cancelled is run again over the same
    mentees: its parent's leftovers, or the whole pool.
    """
    reap_interrupted(engine)
    with engine.read() as conn:
        run = run_row(conn, run_id)
        require_coordinator(conn, run.programme_id, actor)
        if run.status == "running":
            raise TransitionError(_("Matching run {id} is still running; wait for it to finish or cancel it.").format(
                id=run_id))
        parent = run.parent_run_id if run.status in ("failed", "cancelled") else run_id
        mentees = _leftovers(conn, parent) if parent is not None else None
    return run_matching(engine, run.programme_id, actor, algorithm=algorithm or run.algorithm, mentee_ids=mentees,
                        parent_run_id=parent, progress=progress, cancelled=cancelled)


def _leftovers(conn: Any, run_id: int) -> list[int]:
    """The mentees a run left without a mentor."""
    return list(conn.execute(select(PROPOSALS.c.mentee_id).where(
        PROPOSALS.c.run_id == run_id, PROPOSALS.c.status.in_(("unmatched", "excluded", "superseded")))).scalars())
