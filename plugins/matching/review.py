"""Coordinator review of a run: approve, approve all, override with another mentor, exclude a pair.

Approving creates the relationship in the workflow's initial state through
:meth:`Engine.start_relationship` as the coordinator (audited as ``start``);
the rules it must pass are checked inside that transaction (see
:mod:`.starting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from mentorflow.actors import Actor
from mentorflow.errors import FormInvalid, NotFound, Problem, TransitionError, UserError
from mentorflow.i18n import _

from .pool import (
    EXCLUSIONS,
    PROPOSALS,
    RUNS,
    ProgrammeMatching,
    holds_role,
    load_pool,
    programme_matching,
    require_coordinator,
)
from .runs import ProposalView, _view
from .scoring import score_pool
from .starting import StartIntent, start_from_match

if TYPE_CHECKING:
    from mentorflow.engine import Engine

MAX_NOTE = 2000


def _proposal(conn: Any, proposal_id: int) -> Any:
    row = conn.execute(select(PROPOSALS, RUNS.c.programme_id).join(RUNS, RUNS.c.id == PROPOSALS.c.run_id).where(
        PROPOSALS.c.id == proposal_id)).first()
    if row is None:
        raise NotFound(_("Proposal {id} does not exist.").format(id=proposal_id))
    return row


def get_proposal(engine: Engine, proposal_id: int, viewer: Actor | int) -> ProposalView:
    """One proposal (coordinators and the system)."""
    with engine.read() as conn:
        row = _proposal(conn, proposal_id)
        require_coordinator(conn, row.programme_id, viewer)
    return _view(row)


def _close_finished_run(engine: Engine, run_id: int) -> None:
    with engine.write() as conn:
        open_left = conn.execute(select(func.count()).select_from(PROPOSALS).where(
            PROPOSALS.c.run_id == run_id, PROPOSALS.c.status == "proposed")).scalar_one()
        if not open_left:
            conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(status="completed"))


def approve(engine: Engine, proposal_id: int, actor: Actor | int, *, matching: ProgrammeMatching | None = None
            ) -> ProposalView:
    """Accept a proposal: the relationship starts, audited as ``start`` by the coordinator."""
    with engine.read() as conn:
        row = _proposal(conn, proposal_id)
        actor = require_coordinator(conn, row.programme_id, actor)
    if row.status != "proposed" or row.mentor_id is None:
        raise TransitionError(_("Proposal {id} is {status}; only an open proposal can be approved.").format(
            id=proposal_id, status=row.status))
    pm = matching or programme_matching(engine, row.programme_id)
    start_from_match(StartIntent(pm, row.mentee_id, row.mentor_id, actor, engine.clock.now(),
                                 proposal_id=proposal_id))
    _close_finished_run(engine, row.run_id)
    return get_proposal(engine, proposal_id, actor)


@dataclass(frozen=True)
class ApprovalFailure:
    proposal_id: int
    mentee_id: int
    reason: str


def approve_all(engine: Engine, run_id: int, actor: Actor | int) -> tuple[list[ProposalView], list[ApprovalFailure]]:
    """Approve every open proposal of a run (automatic mode does this right after the run).

    Each approval is its own transaction; a proposal that can no longer be
    approved (say, its mentor's capacity was taken meanwhile) stays open and
    is reported, the others go ahead.
    """
    with engine.read() as conn:
        run = conn.execute(select(RUNS).where(RUNS.c.id == run_id)).first()
        if run is None:
            raise NotFound(_("Matching run {id} does not exist.").format(id=run_id))
        actor = require_coordinator(conn, run.programme_id, actor)
        ids = list(conn.execute(select(PROPOSALS.c.id).where(
            PROPOSALS.c.run_id == run_id, PROPOSALS.c.status == "proposed", PROPOSALS.c.mentor_id.is_not(None))
            .order_by(PROPOSALS.c.id)).scalars())
    approved, failed = [], []
    pm = programme_matching(engine, run.programme_id)  # once, not per proposal
    for pid in ids:
        try:
            approved.append(approve(engine, pid, actor, matching=pm))
        except UserError as error:
            row = get_proposal(engine, pid, actor)
            failed.append(ApprovalFailure(pid, row.mentee_id, error.message))
    return approved, failed


def override(engine: Engine, proposal_id: int, mentor: int, actor: Actor | int, note: str | None = None
             ) -> ProposalView:
    """The coordinator picks another mentor for the proposal's mentee; the relationship starts with that mentor.

    The new pair must satisfy the same rules as any approval (constraints,
    capacity, exclusions); the algorithm's choice stays recorded as
    ``proposed_mentor_id``.
    """
    if note is not None and len(note) > MAX_NOTE:
        raise FormInvalid("matching_override", [Problem("/note", _("is longer than {n} characters").format(
            n=MAX_NOTE))])
    with engine.read() as conn:
        row = _proposal(conn, proposal_id)
        actor = require_coordinator(conn, row.programme_id, actor)
        if not holds_role(conn, row.programme_id, mentor, "mentor"):
            raise FormInvalid("matching_override", [Problem("/mentor", _("person {id} is not a mentor of this "
                                                                         "programme").format(id=mentor))])
    if row.status not in ("proposed", "unmatched", "excluded"):
        raise TransitionError(_("Proposal {id} is {status}; it can no longer be overridden.").format(
            id=proposal_id, status=row.status))
    pm = programme_matching(engine, row.programme_id)
    now = engine.clock.now()
    with engine.read() as conn:
        pool = load_pool(conn, pm, now, mentee_ids=[row.mentee_id], reserve_open_proposals=False)
    breakdown, score = None, None
    mentor_index = [i for i, p in enumerate(pool.mentors.ids) if int(p) == mentor]
    if len(pool.mentees) == 1 and mentor_index:
        matrix = score_pool(pm.settings, pm.scorers, pm.constraints, pool.mentees,
                            pool.mentors.take(mentor_index[:1]), now=now, apply_min_score=False)
        breakdown, score = matrix.breakdown(0, 0), matrix.score(0, 0)
    start_from_match(StartIntent(pm, row.mentee_id, mentor, actor, now, proposal_id=proposal_id, status="overridden",
                                 from_statuses=("proposed", "unmatched", "excluded"), proposal_values={
                                     "mentor_id": mentor, "score": score, "breakdown": breakdown, "note": note}))
    _close_finished_run(engine, row.run_id)
    return get_proposal(engine, proposal_id, actor)


def exclude_pair(engine: Engine, programme: str | int, mentee: int, mentor: int, actor: Actor | int,
                 reason: str | None = None) -> list[int]:
    """Rule out a pair for good in the programme; open proposals of that pair become ``excluded``.

    Returns the ids of the proposals this withdrew (their mentees can be
    matched again with :func:`~.runs.rerun`).
    """
    if reason is not None and len(reason) > MAX_NOTE:
        raise FormInvalid("matching_exclusion", [Problem("/reason", _("is longer than {n} characters").format(
            n=MAX_NOTE))])
    now = engine.clock.now()
    with engine.write() as conn:
        pid = engine.programme_id(programme, conn)
        actor = require_coordinator(conn, pid, actor)
        problems = [Problem(f"/{name}", _("person {id} is not a {role} of this programme").format(id=who, role=role))
                    for name, who, role in (("mentee", mentee, "mentee"), ("mentor", mentor, "mentor"))
                    if not holds_role(conn, pid, who, role)]
        if problems:
            raise FormInvalid("matching_exclusion", problems)
        exists = conn.execute(select(EXCLUSIONS.c.id).where(EXCLUSIONS.c.programme_id == pid,
                                                            EXCLUSIONS.c.mentee_id == mentee,
                                                            EXCLUSIONS.c.mentor_id == mentor)).first()
        if exists is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(EXCLUSIONS).values(programme_id=pid, mentee_id=mentee, mentor_id=mentor,
                                                           created_at=now, created_by=actor.person_id, reason=reason))
            except IntegrityError:
                pass  # excluded concurrently: the same outcome
        withdrawn = list(conn.execute(select(PROPOSALS.c.id).join(RUNS, RUNS.c.id == PROPOSALS.c.run_id).where(
            RUNS.c.programme_id == pid, PROPOSALS.c.mentee_id == mentee, PROPOSALS.c.mentor_id == mentor,
            PROPOSALS.c.status == "proposed")).scalars())
        if withdrawn:
            conn.execute(update(PROPOSALS).where(PROPOSALS.c.id.in_(withdrawn)).values(
                status="excluded", decided_by=actor.person_id, decided_at=now, note=reason))
    return withdrawn
