"""What goes into a person's calendar, as plain data (rendering to iCalendar is :mod:`.ics`).

- **Meetings** of every relationship the person is mentor or mentee of, as
  all-day events on the day they were held (the log records a date, not a
  time). Only what the pair shares goes in — date, duration, format,
  agenda — never anyone's private notes or ratings: a calendar is often
  synced to other services.
- **Due dates** of the person's current recurring duties (a reflection
  every 14 days), computed from the database by
  :func:`mentorflow.timers.duties` exactly as the reminder scan computes
  them, with the timer's reminders as alarms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from mentorflow import Engine
from mentorflow.clock import as_utc
from mentorflow.i18n import _, get_locale, localized, set_locale
from mentorflow.meetings import relationship_meetings
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.timers import duties
from mentorflow.workflow.model import Workflow

DUTY_LENGTH = timedelta(minutes=30)
"""A due date is shown as a short, non-blocking event at the due time."""


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One VEVENT: ``start``/``end`` are dates (all-day) or aware UTC datetimes."""

    uid: str
    summary: str
    start: date | datetime
    end: date | datetime
    stamp: datetime
    description: str = ""
    categories: tuple[str, ...] = ()
    alarms: tuple[timedelta, ...] = ()
    """Offsets from ``start`` at which the calendar should remind (negative: before)."""
    extra: dict[str, str] = field(default_factory=dict)


def _formats() -> dict[str, str]:
    return {"in_person": _("in person"), "video": _("by video"), "phone": _("by phone"), "chat": _("by chat")}


def _partner(rel: RelationshipSnapshot, person_id: int) -> int | None:
    return rel.mentee_id if rel.mentor_id == person_id else rel.mentor_id


def meeting_events(engine: Engine, rel: RelationshipSnapshot, person_id: int, workflow: Workflow,
                   names: dict[int, str], domain: str) -> list[CalendarEvent]:
    """The relationship's logged meetings, as ``person_id`` may see them (from whichever plugin keeps them)."""
    partner = names.get(_partner(rel, person_id) or -1) or (
        _("your group") if len(rel.member_ids) > 2 else _("your partner"))
    out = []
    for meeting in relationship_meetings(engine, rel, person_id):
        details = [_("{minutes} minutes {format}").format(
            minutes=meeting.duration_minutes, format=_formats().get(meeting.format, meeting.format))]
        if meeting.agenda:
            details.append(_("Agenda: {agenda}").format(agenda=meeting.agenda))
        details.append(workflow.name())
        out.append(CalendarEvent(
            uid=f"meeting-{meeting.id}@{domain}",
            summary=_("Mentoring meeting with {name}").format(name=partner),
            start=meeting.held_on, end=meeting.held_on + timedelta(days=1), stamp=meeting.logged_at,
            description="\n".join(details), categories=(_("Mentoring"),)))
    return out


def duty_events(engine: Engine, rel: RelationshipSnapshot, person_id: int, workflow: Workflow,
                names: dict[int, str], domain: str, now: datetime) -> list[CalendarEvent]:
    """The person's current duties on the relationship (one per recurring timer running in its state)."""
    partner = names.get(_partner(rel, person_id) or -1) or _("your partner")
    out = []
    with engine.read() as conn:
        for timer in workflow.timers:
            if timer.kind != "recurring" or rel.state not in timer.states:
                continue
            for duty in duties(conn, rel.workflow_version_id, workflow, timer, now, relationship_id=rel.id):
                if duty.person_id != person_id:
                    continue
                label = localized(timer.label) if timer.label else timer.id
                out.append(CalendarEvent(
                    uid=f"duty-{rel.id}-{timer.id}-{duty.role}-{int(duty.period_start.timestamp())}@{domain}",
                    summary=_("{duty}: mentoring with {name}").format(duty=label, name=partner),
                    start=duty.due_at, end=duty.due_at + DUTY_LENGTH, stamp=duty.period_start,
                    description=_("{duty} in {programme}, as {role}.").format(
                        duty=label, programme=workflow.name(), role=workflow.role_label(duty.role)),
                    categories=(_("Mentoring"),), alarms=tuple(sorted(timer.remind)),
                    extra={"transp": "TRANSPARENT"}))
    return out


def person_events(engine: Engine, person_id: int, *, domain: str, now: datetime | None = None
                  ) -> list[CalendarEvent]:
    """Every event of ``person_id``'s calendar in their language, sorted by start; NotFound for an unknown person."""
    locale = engine.person(person_id)["locale"]
    previous = get_locale()
    set_locale(locale)
    try:
        return _person_events(engine, person_id, domain, now or engine.clock.now())
    finally:
        set_locale(previous)


def _person_events(engine: Engine, person_id: int, domain: str, now: datetime) -> list[CalendarEvent]:
    events: list[CalendarEvent] = []
    relationships = engine.relationships_of(person_id)
    names = engine.display_names({p for r in relationships for p in (r.mentor_id, r.mentee_id) if p is not None})
    for rel in relationships:
        workflow = engine.workflow_by_version(rel.workflow_version_id)
        events += meeting_events(engine, rel, person_id, workflow, names, domain)
        if rel.closed_at is None:
            events += duty_events(engine, rel, person_id, workflow, names, domain, now)
    return sorted(events, key=lambda e: (_sort_key(e.start), e.uid))


def _sort_key(value: date | datetime) -> datetime:
    return as_utc(value) if isinstance(value, datetime) else datetime.combine(value, time(), tzinfo=UTC)
