"""Rendering calendar events as an iCalendar object (RFC 5545) with the ``icalendar`` library.

The library writes CRLF line endings, folds lines at 75 octets and
escapes TEXT values (``,`` ``;`` ``\\`` and newlines). Times are UTC
(``...Z``) and all-day events are plain dates, so no VTIMEZONE is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from types import ModuleType

from mentorflow import __version__
from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _

from .events import CalendarEvent

PRODID = f"-//mentorflow//mentorflow {__version__}//EN"
REFRESH = timedelta(hours=1)
MEDIA_TYPE = "text/calendar; charset=utf-8"


def _library() -> ModuleType:
    try:
        import icalendar
    except ImportError:  # the plugin loads without the extra; only rendering needs it
        raise ConfigurationError(
            _("Calendar files need the icalendar package: pip install 'mentorflow[calendar]'.")) from None
    return icalendar


def render(events: Iterable[CalendarEvent], *, name: str) -> bytes:
    """A VCALENDAR holding ``events``, named ``name`` in calendar applications."""
    ical = _library()
    calendar = ical.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)  # RFC 7986
    calendar.add("x-wr-calname", name)  # what most applications still read
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # an x-property is TEXT to the library: write the duration out
    for item in events:
        event = ical.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.categories:
            event.add("categories", list(item.categories))
        for key, value in item.extra.items():
            event.add(key, value)
        for offset in item.alarms:
            alarm = ical.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", offset)
            alarm.add("description", item.summary)
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
