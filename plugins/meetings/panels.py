"""The meetings plugin's panel on a relationship's page: "Meetings", upcoming and past.

Each meeting shows its date, format and length, who logged it, the shared agenda and notes, the viewer's own
private notes (marked private: only they see them) and rating, who attended a group meeting, and a link to add it
to a calendar (when the calendar plugin serves one). What each viewer reads is decided by :func:`.api.meetings`
(the policy module): a coordinator sees dates, formats and lengths, and how many attended, never notes or names.
A meeting is logged once it has taken place (at most a day ahead), so "upcoming" holds those dated today or later.
"""

from __future__ import annotations

from typing import Any

from mentorflow.engine import Engine
from mentorflow.i18n import _, format_date
from mentorflow.panels import PageContext, Panel, render_template
from mentorflow.policy import Access

from .api import MeetingView, meetings
from .choices import format_word
from .effects import LOG_EFFECT

PANEL = "meetings"
CALENDAR_PLUGIN = "calendar"
"""The plugin whose route serves one meeting as an iCalendar file (``mentorflow.plugins.calendar``)."""


def _meeting(meeting: MeetingView, names: dict[int, str], calendar: str | None) -> dict[str, Any]:
    return {
        "meeting": meeting, "format": format_word(meeting.format), "logged_by": names.get(meeting.logged_by, "—"),
        "full": meeting.access is Access.FULL,
        "attended": [names.get(p, "—") for p in meeting.attended] if meeting.attended is not None else None,
        "calendar": f"{calendar}/{meeting.id}.ics" if calendar else None,
    }


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    """The relationship page's "Meetings" panel, in the ``overview`` slot."""
    snap = page.relationship
    if page.page != "relationship" or snap is None:
        return []
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    if not any(e.name == LOG_EFFECT for t in workflow.transitions.values() for e in t.effects):
        return []
    found = meetings(engine, snap, page.viewer)
    names = engine.display_names({m.logged_by for m in found} | {p for m in found for p in m.attended or ()})
    is_member = page.viewer in snap.member_ids
    calendar = (f"{page.base_url}/calendar/relationships/{snap.id}/meetings"
                if is_member and page.host == "web" and engine.pm.get_plugin(CALENDAR_PLUGIN) is not None else None)
    today = engine.clock.now().date()
    upcoming = [_meeting(m, names, calendar) for m in found if m.held_on >= today]
    past = [_meeting(m, names, calendar) for m in reversed(found) if m.held_on < today]
    html = render_template(__package__, "meetings_home_panel.html", upcoming=upcoming, past=past,
                           level=page.heading_level + 1, group=not workflow.format.is_pair, member=is_member,
                           format_date=format_date)
    data = {"meetings": [{"id": m.id, "held_on": m.held_on.isoformat(), "duration_minutes": m.duration_minutes,
                          "format": m.format, "attendance": m.attendance, "attended": m.attended,
                          "rating": m.own.rating if m.own else None} for m in found]}
    return [Panel(id=PANEL, title=_("Meetings"), order=30, slot="overview", html=html, data=data)]
