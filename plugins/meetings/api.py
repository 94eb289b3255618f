"""Read side of the meetings plugin: a relationship's meeting log and a programme's meeting figures.

Visibility is decided only by :mod:`mentorflow.policy`: the shared part of
a meeting (agenda, shared notes, who attended a group meeting) is a ``group`` item of the person who
logged it (a meeting is the whole relationship's); each feedback row (rating, private notes) is a ``private`` item
of its author. Date, duration and format are the metadata every
coordinator of the programme may see. Strangers get :class:`mentorflow.NotFound`,
as for a relationship that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select

from mentorflow import Actor, Engine, RelationshipSnapshot
from mentorflow.actors import as_actor
from mentorflow.clock import as_utc
from mentorflow.db.models import Relationship
from mentorflow.i18n import _
from mentorflow.policy import Access, Visibility, access, coordinator_for, relationship_for

from .models import Meeting, MeetingAttendance, MeetingFeedback

A = MeetingAttendance.__table__
M = Meeting.__table__
F = MeetingFeedback.__table__
R = Relationship.__table__


@dataclass(frozen=True, slots=True)
class FeedbackView:
    """Someone's feedback on a meeting; ``rating`` and ``private_notes`` only for its author (and the system)."""

    author_id: int
    role: str
    updated_at: datetime
    access: Access
    rating: int | None = None
    private_notes: str | None = None


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting as one viewer may see it: ``agenda`` and ``shared_notes`` are None unless ``access`` is FULL."""

    id: int
    relationship_id: int
    held_on: date
    duration_minutes: int
    format: str
    logged_by: int
    logged_role: str
    logged_at: datetime
    access: Access
    agenda: str | None = None
    shared_notes: str | None = None
    feedback: tuple[FeedbackView, ...] = ()
    """The feedback rows the viewer may know about (their own in full; coordinators: that it exists)."""
    own: FeedbackView | None = None
    """The viewer's own rating and private notes, if they gave any."""
    attended: tuple[int, ...] | None = None
    """Who attended (a group meeting's attendance, person ids in the order marked); None unless ``access`` is
    FULL or no attendance was recorded."""
    attendance: int = 0
    """How many members were marked as attending (a count every viewer of the meeting may know)."""


@dataclass(frozen=True, slots=True)
class MeetingStats:
    """A programme's meeting figures for coordinators: counts and averages only."""

    programme: str
    meetings: int
    relationships_with_meetings: int
    total_minutes: int
    average_minutes: float | None
    by_format: dict[str, int]
    ratings: int
    average_rating: float | None
    average_rating_by_role: dict[str, float]


def _average(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def meetings(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int) -> list[MeetingView]:
    """The relationship's meetings, in the order they were held, as ``viewer`` may see them.

    The pair sees the shared fields and each their own rating and private
    notes; coordinators see date, duration and format (and the shared
    fields where the programme lets them), never anyone's private notes;
    strangers get :class:`~mentorflow.NotFound`, as for a relationship that does not exist.
    """
    actor = as_actor(viewer)
    with engine.read() as conn:
        snap, who = relationship_for(conn, actor, relationship)
        settings = engine.workflow_by_version(snap.workflow_version_id, conn).programme.get("settings")
        rows = conn.execute(select(M).where(M.c.relationship_id == snap.id).order_by(M.c.held_on, M.c.id)).all()
        feedback_rows = conn.execute(select(F).join(M, M.c.id == F.c.meeting_id)
                                     .where(M.c.relationship_id == snap.id).order_by(F.c.id)).all()
        present: dict[int, list[int]] = {}
        for meeting_id, person_id in conn.execute(select(A.c.meeting_id, A.c.person_id).join(
                M, M.c.id == A.c.meeting_id).where(M.c.relationship_id == snap.id).order_by(A.c.id)):
            present.setdefault(meeting_id, []).append(person_id)
    by_meeting: dict[int, list[FeedbackView]] = {}
    own: dict[int, FeedbackView] = {}
    for row in feedback_rows:
        level = access(who, Visibility.PRIVATE, row.author_id, settings)
        if level is Access.NONE:
            continue
        full = level is Access.FULL
        view = FeedbackView(author_id=row.author_id, role=row.role, updated_at=as_utc(row.updated_at), access=level,
                            rating=row.rating if full else None, private_notes=row.private_notes if full else None)
        by_meeting.setdefault(row.meeting_id, []).append(view)
        if row.author_id == actor.person_id:
            own[row.meeting_id] = view
    out = []
    for row in rows:
        # A meeting is the whole relationship's (a group meeting): its agenda and shared notes reach every member.
        level = access(who, Visibility.GROUP, row.logged_by, settings)
        full = level is Access.FULL
        out.append(MeetingView(
            id=row.id, relationship_id=row.relationship_id, held_on=row.held_on,
            duration_minutes=row.duration_minutes, format=row.format, logged_by=row.logged_by,
            logged_role=row.logged_role, logged_at=as_utc(row.logged_at), access=level,
            agenda=row.agenda if full else None, shared_notes=row.shared_notes if full else None,
            feedback=tuple(by_meeting.get(row.id, ())), own=own.get(row.id),
            attended=tuple(present[row.id]) if full and row.id in present else None,
            attendance=len(present.get(row.id, ()))))
    return out


def meeting_stats(engine: Engine, programme: str | int, viewer: Actor | int) -> MeetingStats:
    """Counts, minutes and average ratings of a programme's meetings; coordinators (and the system) only."""
    with engine.read() as conn:
        programme_id = engine.programme_id(programme, conn)
        coordinator_for(conn, viewer, programme_id,
                        refusal=_("Only a coordinator of the programme may see its figures."))
        log = M.join(R, and_(R.c.id == M.c.relationship_id, R.c.programme_id == programme_id))
        count, pairs, minutes, average = conn.execute(select(
            func.count(), func.count(M.c.relationship_id.distinct()), func.coalesce(func.sum(M.c.duration_minutes), 0),
            func.avg(M.c.duration_minutes)).select_from(log)).one()
        by_format: dict[str, int] = dict(conn.execute(
            select(M.c.format, func.count()).select_from(log).group_by(M.c.format)).all())
        rated = F.join(log, M.c.id == F.c.meeting_id)
        ratings, average_rating = conn.execute(select(func.count(F.c.rating), func.avg(F.c.rating))
                                               .select_from(rated)).one()
        by_role = conn.execute(select(F.c.role, func.avg(F.c.rating)).select_from(rated)
                               .where(F.c.rating.is_not(None)).group_by(F.c.role)).all()
    return MeetingStats(
        programme=str(programme), meetings=count, relationships_with_meetings=pairs, total_minutes=int(minutes),
        average_minutes=_average(average), by_format=by_format, ratings=ratings,
        average_rating=_average(average_rating),
        average_rating_by_role={role: round(float(value), 2) for role, value in by_role},
    )
