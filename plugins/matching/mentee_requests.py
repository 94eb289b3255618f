"""Mentee-led matching: ranked suggestions, picks (preferences), and requests a mentor accepts or declines.

A request waits for the mentor's answer until ``settings.matching.request_expiry``
(default P14D) has passed on the engine's clock; after that it counts as
expired and can no longer be accepted. Expiry is applied whenever requests
are read or answered, and by :func:`expire_requests` (for a periodic job).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import delete, insert, select, update

from mentorflow.actors import SYSTEM, Actor, as_actor
from mentorflow.clock import as_utc
from mentorflow.errors import Forbidden, FormInvalid, NotFound, Problem, TransitionError
from mentorflow.i18n import _
from mentorflow.policy import is_coordinator

from .pool import (
    PREFERENCES,
    REQUESTS,
    ProgrammeMatching,
    active_mentees,
    load_pool,
    programme_matching,
)
from .scoring import score_pool
from .starting import StartIntent, start_from_match

if TYPE_CHECKING:
    from mentorflow.engine import Engine

MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A mentor suggested to a mentee, with the score and its breakdown."""

    rank: int
    mentor_id: int
    display_name: str
    score: float
    breakdown: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class RequestView:
    id: int
    programme_id: int
    mentee_id: int
    mentor_id: int
    status: str
    """pending, accepted, declined, expired or withdrawn."""
    score: float
    breakdown: list[dict[str, Any]]
    message: str | None
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    reason: str | None
    relationship_id: int | None


def _view(row: Any) -> RequestView:
    return RequestView(row.id, row.programme_id, row.mentee_id, row.mentor_id, row.status, row.score, row.breakdown,
                       row.message, as_utc(row.created_at), as_utc(row.expires_at),
                       as_utc(row.answered_at) if row.answered_at else None, row.reason, row.relationship_id)


def _suggest(engine: Engine, pm: ProgrammeMatching, mentee: int, limit: int) -> list[Suggestion]:
    now = engine.clock.now()
    with engine.read() as conn:
        # A mentee's own pending requests keep them out of runs, not out of their suggestions.
        pool = load_pool(conn, pm, now, mentee_ids=[mentee], reserve_open_proposals=False, ignore_requests=True)
    if len(pool.mentees) == 0:
        return []
    matrix = score_pool(pm.settings, pm.scorers, pm.constraints, pool.mentees, pool.mentors,
                        excluded=pool.excluded, preferences=pool.preferences, now=now)
    columns = np.flatnonzero(matrix.allowed[0])
    # Best first; equal scores by mentor id, so the list is stable.
    order = columns[np.lexsort((matrix.mentors.ids[columns], -matrix.total[0, columns]))][:limit]
    names = engine.display_names([int(matrix.mentors.ids[j]) for j in order])
    return [Suggestion(rank + 1, int(matrix.mentors.ids[j]), names.get(int(matrix.mentors.ids[j]), ""),
                       matrix.score(0, int(j)), matrix.breakdown(0, int(j))) for rank, j in enumerate(order)]


def _require_self_or_coordinator(engine: Engine, programme_id: int, person: int, actor: Actor) -> None:
    with engine.read() as conn:
        if not (actor.is_system or actor.person_id == person or is_coordinator(conn, programme_id, actor.person_id)):
            raise Forbidden(_("Only the mentee themself or a coordinator may see these suggestions."))


def suggestions(engine: Engine, programme: str | int, mentee: int, viewer: Actor | int, *,
                limit: int | None = None) -> list[Suggestion]:
    """The mentee's top mentors (``settings.matching.suggestions``, default 5), best first.

    Only mentors with capacity left who satisfy every constraint and are
    not excluded for the mentee appear. Empty when the mentee has no
    profile or is already matched.
    """
    pm = programme_matching(engine, programme)
    _require_self_or_coordinator(engine, pm.programme_id, mentee, as_actor(viewer))
    return _suggest(engine, pm, mentee, limit or pm.settings.suggestions)


def set_preferences(engine: Engine, programme: str | int, mentee: int, mentors: list[int], actor: Actor | int
                    ) -> list[int]:
    """The mentee's picks from their top suggestions, most wanted first (replaces earlier picks).

    The ``mentee_preference`` criterion turns them into score, so a run can
    honour them. Each pick must be among the mentee's current suggestions.
    """
    actor = as_actor(actor)
    pm = programme_matching(engine, programme)
    if actor.is_system or actor.person_id != mentee:
        raise Forbidden(_("Only the mentee themself may pick mentors."))
    offered = {s.mentor_id for s in _suggest(engine, pm, mentee, pm.settings.suggestions)}
    problems = [Problem(f"/mentors/{i}", _("person {id} is not among your suggestions").format(id=m))
                for i, m in enumerate(mentors) if m not in offered]
    if len(set(mentors)) != len(mentors):
        problems.append(Problem("/mentors", _("has duplicate items")))
    if len(mentors) > pm.settings.max_preferences:
        problems.append(Problem("/mentors", _("has more than {n} items").format(n=pm.settings.max_preferences)))
    if problems:
        raise FormInvalid("matching_preferences", problems)
    now = engine.clock.now()
    with engine.write() as conn:
        conn.execute(delete(PREFERENCES).where(PREFERENCES.c.programme_id == pm.programme_id,
                                               PREFERENCES.c.mentee_id == mentee))
        if mentors:
            conn.execute(insert(PREFERENCES), [{"programme_id": pm.programme_id, "mentee_id": mentee,
                                                "mentor_id": m, "rank": i + 1, "created_at": now}
                                               for i, m in enumerate(mentors)])
    return list(mentors)


def expire_requests(engine: Engine, programme: str | int | None = None) -> int:
    """Mark pending requests whose answer time has passed (by the engine's clock) as expired; returns how many."""
    now = engine.clock.now()
    with engine.write() as conn:
        where = [REQUESTS.c.status == "pending", REQUESTS.c.expires_at <= now]
        if programme is not None:
            where.append(REQUESTS.c.programme_id == engine.programme_id(programme, conn))
        return conn.execute(update(REQUESTS).where(*where).values(status="expired")).rowcount


def send_request(engine: Engine, programme: str | int, mentee: int, mentor: int, actor: Actor | int,
                 message: str | None = None) -> RequestView:
    """A mentee asks one of their suggested mentors (mentee-requests mode only)."""
    actor = as_actor(actor)
    pm = programme_matching(engine, programme)
    if pm.settings.mode != "mentee-requests":
        raise TransitionError(_("In this programme mentees do not send requests (mode: {mode}).").format(
            mode=pm.settings.mode))
    if actor.is_system or actor.person_id != mentee:
        raise Forbidden(_("Only the mentee themself may send a request."))
    if message is not None and (not isinstance(message, str) or len(message) > MAX_TEXT):
        raise FormInvalid("matching_request", [Problem("/message", _("is longer than {n} characters").format(
            n=MAX_TEXT))])
    expire_requests(engine, pm.programme_id)
    now = engine.clock.now()
    with engine.read() as conn:
        open_requests = conn.execute(select(REQUESTS.c.mentor_id).where(
            REQUESTS.c.programme_id == pm.programme_id, REQUESTS.c.mentee_id == mentee,
            REQUESTS.c.status == "pending")).scalars().all()
        active = active_mentees(conn, pm.programme_id, [mentee])
    if active and not pm.settings.allow_multiple:
        raise TransitionError(_("You already have an active relationship in this programme."))
    if mentor in open_requests:
        raise TransitionError(_("You have already asked this mentor; wait for the answer."))
    if len(open_requests) >= pm.settings.max_open_requests:
        raise TransitionError(_("You have {n} request(s) waiting for an answer; withdraw one first.").format(
            n=len(open_requests)))
    offered = {s.mentor_id: s for s in _suggest(engine, pm, mentee, pm.settings.suggestions)}
    if mentor not in offered:
        raise TransitionError(_("This mentor is not among your top {n} suggestions.").format(
            n=pm.settings.suggestions))
    chosen = offered[mentor]
    with engine.write() as conn:
        rid = conn.execute(insert(REQUESTS).values(
            programme_id=pm.programme_id, mentee_id=mentee, mentor_id=mentor, status="pending", score=chosen.score,
            breakdown=chosen.breakdown, message=message, created_at=now, expires_at=now + pm.settings.request_expiry,
            answered_at=None, reason=None, relationship_id=None)).inserted_primary_key[0]
        row = conn.execute(select(REQUESTS).where(REQUESTS.c.id == rid)).one()
    return _view(row)


def _request_row(conn: Any, request_id: int) -> Any:
    row = conn.execute(select(REQUESTS).where(REQUESTS.c.id == request_id)).first()
    if row is None:
        raise NotFound(_("Request {id} does not exist.").format(id=request_id))
    return row


def answer_request(engine: Engine, request_id: int, actor: Actor | int, *, accept: bool,
                   reason: str | None = None) -> RequestView:
    """The mentor accepts (the relationship starts) or declines with a reason (the pair is then excluded).

    An answer after the expiry time finds the request expired. Accepting
    starts the relationship through :meth:`Engine.start_relationship` as
    the system (only coordinators and the system may start relationships);
    the request records that the mentor accepted, and when.
    """
    actor = as_actor(actor)
    now = engine.clock.now()
    with engine.read() as conn:
        row = _request_row(conn, request_id)
    if actor.is_system or actor.person_id != row.mentor_id:
        raise Forbidden(_("Only the mentor asked may answer this request."))
    if row.status == "pending" and as_utc(row.expires_at) <= now:
        expire_requests(engine, row.programme_id)
        raise TransitionError(_("The request expired on {when}; the mentee may ask again.").format(
            when=as_utc(row.expires_at).isoformat(timespec="minutes")))
    if row.status != "pending":
        raise TransitionError(_("The request is {status}; only a pending request can be answered.").format(
            status=row.status))
    if not accept:
        text = (reason or "").strip() if isinstance(reason, str | type(None)) else ""
        if not text:
            raise FormInvalid("matching_decline", [Problem("/reason", _("'reason' is required here but missing"))])
        if len(text) > MAX_TEXT:
            raise FormInvalid("matching_decline", [Problem("/reason", _("is longer than {n} characters").format(
                n=MAX_TEXT))])
        with engine.write() as conn:
            changed = conn.execute(update(REQUESTS).where(REQUESTS.c.id == request_id,
                                                          REQUESTS.c.status == "pending").values(
                status="declined", answered_at=now, reason=text)).rowcount
            if changed != 1:
                raise TransitionError(_("The request was answered or withdrawn meanwhile."))
            return _view(_request_row(conn, request_id))
    pm = programme_matching(engine, row.programme_id)
    start_from_match(StartIntent(pm, row.mentee_id, row.mentor_id, SYSTEM, now, request_id=request_id))
    if not pm.settings.allow_multiple:
        with engine.write() as conn:
            # The mentee is matched: their other pending requests lapse.
            conn.execute(update(REQUESTS).where(
                REQUESTS.c.programme_id == row.programme_id, REQUESTS.c.mentee_id == row.mentee_id,
                REQUESTS.c.status == "pending").values(status="withdrawn", answered_at=now))
    with engine.read() as conn:
        return _view(_request_row(conn, request_id))


def withdraw_request(engine: Engine, request_id: int, actor: Actor | int) -> RequestView:
    """The mentee takes back a pending request."""
    actor = as_actor(actor)
    now = engine.clock.now()
    with engine.write() as conn:
        row = _request_row(conn, request_id)
        if actor.is_system or actor.person_id != row.mentee_id:
            raise Forbidden(_("Only the mentee who sent the request may withdraw it."))
        changed = conn.execute(update(REQUESTS).where(
            REQUESTS.c.id == request_id, REQUESTS.c.status == "pending", REQUESTS.c.expires_at > now).values(
            status="withdrawn", answered_at=now)).rowcount
        if changed != 1:
            raise TransitionError(_("Only a pending request can be withdrawn."))
        return _view(_request_row(conn, request_id))


def list_requests(engine: Engine, programme: str | int, viewer: Actor | int, *, status: str | None = None
                  ) -> list[RequestView]:
    """Requests a viewer may see, newest first: a mentee their own, a mentor those sent to them, coordinators all."""
    viewer = as_actor(viewer)
    expire_requests(engine, programme)
    with engine.read() as conn:
        pid = engine.programme_id(programme, conn)
        query = select(REQUESTS).where(REQUESTS.c.programme_id == pid)
        if not (viewer.is_system or is_coordinator(conn, pid, viewer.person_id)):
            query = query.where((REQUESTS.c.mentee_id == viewer.person_id) | (REQUESTS.c.mentor_id ==
                                                                             viewer.person_id))
        if status is not None:
            query = query.where(REQUESTS.c.status == status)
        rows = conn.execute(query.order_by(REQUESTS.c.id.desc())).all()
    return [_view(r) for r in rows]
