"""The effects ``meetings.log`` and ``meetings.rate``, run inside the transition's transaction.

Checks that need the time of the transition or the database (a date too
far ahead, a meeting of another relationship) raise :class:`FormInvalid`
with the field's pointer; the whole transition is then rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from mentorflow import EffectContext, FormInvalid, Problem, TransitionError, TransitionEvent, effect
from mentorflow.i18n import _
from mentorflow.snapshots import MEMBER_ROLES

from .models import Meeting, MeetingAttendance, MeetingFeedback

LOG_EFFECT = "meetings.log"
RATE_EFFECT = "meetings.rate"
FORMATS = ("in_person", "video", "phone", "chat")
MAX_MINUTES = 24 * 60
RATINGS = range(1, 5)  # Together's four-point meeting rating
FUTURE_SLACK = timedelta(days=1)
"""A meeting may be dated up to a day ahead (time zones, logging the evening before)."""

M = Meeting.__table__
F = MeetingFeedback.__table__
A = MeetingAttendance.__table__
ATTENDED = "attended"
"""The meeting form's field naming who attended: ``[{"person_id": 7, "present": true}, ...]``."""


def _author(event: TransitionEvent) -> int:
    if event.actor.person_id is None or event.role not in MEMBER_ROLES:
        raise TransitionError(_("Only a member of the relationship can log its meetings."))
    return event.actor.person_id


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _rating(data: Mapping[str, Any], problems: list[Problem]) -> int | None:
    if data.get("rating") is None:
        return None
    rating = _whole(data["rating"])
    if rating not in RATINGS:
        problems.append(Problem("/rating", _("must be a whole number from 1 to 4")))
        return None
    return rating


def _held_on(value: Any, event: TransitionEvent, problems: list[Problem]) -> date | None:
    try:
        held_on = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        held_on = None
    if held_on is None:
        problems.append(Problem("/date", _("must be a date such as 2026-03-01")))
        return None
    if held_on > (event.at + FUTURE_SLACK).date():
        problems.append(Problem("/date", _("is more than a day in the future; log a meeting once it has taken place")))
    return held_on


def _attendance(data: Mapping[str, Any], event: TransitionEvent, problems: list[Problem]) -> dict[int, str]:
    """``{person id: role}`` of the members marked present; anyone else (or twice) is a problem at its item."""
    items = data.get(ATTENDED)
    if items is None:
        return {}
    if not isinstance(items, list):
        problems.append(Problem(f"/{ATTENDED}", _("must be a list of the members who attended")))
        return {}
    roles = {m.person_id: m.role for m in event.before.members}
    present: dict[int, str] = {}
    for index, item in enumerate(items):
        person = _whole(item.get("person_id")) if isinstance(item, Mapping) else None
        at = f"/{ATTENDED}/{index}/person_id"
        if person is None or person not in roles:
            # The same answer for a stranger, a former member and an id that does not exist: no probing.
            problems.append(Problem(at, _("{value} is not a member of this relationship").format(
                value=item.get("person_id") if isinstance(item, Mapping) else item)))
        elif person in present:
            problems.append(Problem(at, _("{value} is marked twice").format(value=person)))
        elif not isinstance(item, Mapping) or item.get("present", True) is not False:
            present[person] = roles[person]
    return present


def _form(event: TransitionEvent) -> str:
    return event.transition.form or event.transition.id


def _save_feedback(conn: Connection, event: TransitionEvent, meeting_id: int, author: int, rating: int | None,
                   notes: str | None) -> None:
    """Insert or complete the author's own feedback row; a rating, once given, stays."""
    existing = conn.execute(select(F.c.id, F.c.rating, F.c.private_notes).where(
        F.c.meeting_id == meeting_id, F.c.author_id == author)).first()
    if existing is None:
        conn.execute(insert(F).values(meeting_id=meeting_id, author_id=author, role=event.role, rating=rating,
                                      private_notes=notes, audit_id=event.audit_id, updated_at=event.at))
        return
    if rating is not None and existing.rating is not None:
        raise TransitionError(_("You have already rated this meeting."))
    conn.execute(update(F).where(F.c.id == existing.id).values(
        rating=rating if rating is not None else existing.rating,
        private_notes=notes if notes is not None else existing.private_notes,
        audit_id=event.audit_id, updated_at=event.at))


@effect(LOG_EFFECT, description="Log a meeting: shared fields for the members, who attended (a group meeting), private "
                               "notes and rating for the author.")
def log_meeting(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Store the meeting and who attended; the author's rating and private notes go to their own feedback row."""
    event, conn = ctx.event, ctx.connection
    author = _author(event)
    data = event.data
    problems: list[Problem] = []
    held_on = _held_on(data.get("date"), event, problems)
    minutes = _whole(data.get("duration_minutes"))
    if minutes is None or minutes <= 0:
        problems.append(Problem("/duration_minutes", _("must be a number of minutes greater than 0")))
    elif minutes > MAX_MINUTES:
        problems.append(Problem("/duration_minutes", _("must be at most {n} minutes").format(n=MAX_MINUTES)))
    if data.get("format") not in FORMATS:
        problems.append(Problem("/format", _("must be one of {choices}").format(choices=", ".join(FORMATS))))
    rating = _rating(data, problems)
    present = _attendance(data, event, problems)
    if problems:
        raise FormInvalid(_form(event), problems)
    meeting_id = conn.execute(insert(M).values(
        relationship_id=event.before.id, audit_id=event.audit_id, logged_by=author, logged_role=event.role,
        logged_at=event.at, held_on=held_on, duration_minutes=minutes, format=data["format"],
        agenda=_text(data.get("agenda")), shared_notes=_text(data.get("shared_notes")))).inserted_primary_key[0]
    if present:
        conn.execute(insert(A), [{"meeting_id": meeting_id, "person_id": person, "role": role,
                                  "audit_id": event.audit_id} for person, role in present.items()])
    notes = _text(data.get("private_notes"))
    if rating is not None or notes is not None:
        _save_feedback(conn, event, meeting_id, author, rating, notes)


@effect(RATE_EFFECT, description="Add one's own rating and private notes to a meeting of the relationship.")
def rate_meeting(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """The other side (or the logger, later) adds a rating (1-4) and private notes to an existing meeting."""
    event, conn = ctx.event, ctx.connection
    author = _author(event)
    data = event.data
    problems: list[Problem] = []
    meeting_id = _whole(data.get("meeting_id"))
    found = meeting_id is not None and conn.execute(select(M.c.id).where(
        M.c.id == meeting_id, M.c.relationship_id == event.before.id)).first() is not None
    if not found:
        problems.append(Problem("/meeting_id", _("is not a meeting of this relationship")))
    rating = _rating(data, problems)
    notes = _text(data.get("private_notes"))
    if rating is None and notes is None and not any(p.pointer == "/rating" for p in problems):
        problems.append(Problem("/rating", _("give a rating or write private notes")))
    if problems:
        raise FormInvalid(_form(event), problems)
    assert meeting_id is not None
    _save_feedback(conn, event, meeting_id, author, rating, notes)
