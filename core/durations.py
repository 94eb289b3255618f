"""ISO 8601 durations as used in workflow timers (``P14D``, ``-P2D``, ``PT12H``, ``P6M``).

Months count as 30 days and years as 365 days: programme timers are about
cadence, not calendar arithmetic, and a fixed length keeps due dates
computable inside one SQL query.
"""

from __future__ import annotations

import re
from datetime import timedelta

_PATTERN = re.compile(
    r"^(?P<sign>-)?P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
DURATION_REGEX = _PATTERN.pattern


def parse_duration(text: str) -> timedelta:
    """Parse an ISO 8601 duration; raises ``ValueError`` with a readable message."""
    match = _PATTERN.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as P14D or PT12H")
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k != "sign"}
    days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("weeks", 0) * 7
    value = timedelta(
        days=days + parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )
    return -value if match.group("sign") else value


def format_duration(value: timedelta) -> str:
    """Render a timedelta as a compact ISO 8601 duration (days and time parts)."""
    sign = "-" if value < timedelta(0) else ""
    total = abs(int(value.total_seconds()))
    days, time = divmod(total, 86400)
    hours, rest = divmod(time, 3600)
    minutes, seconds = divmod(rest, 60)
    out = f"{sign}P{days}D" if days or not time else f"{sign}P"
    if time:  # whole hours too (PT1H, P1DT12H), not only a remainder of minutes or seconds
        out += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        out += f"{seconds}S" if seconds else ""
    return out


def humanize_duration(value: timedelta) -> str:
    """A duration in words in the current language: "14 days", "2 weeks", "12 hours"."""
    from mentorflow.i18n import ngettext

    seconds = int(abs(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    if days and not rest:
        if days % 7 == 0:
            return ngettext("{n} week", "{n} weeks", days // 7).format(n=days // 7)
        return ngettext("{n} day", "{n} days", days).format(n=days)
    hours, rest = divmod(seconds, 3600)
    if hours and not rest:
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    minutes = max(1, seconds // 60)
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def duration_words(text: str) -> str | None:
    """An ISO 8601 duration in words as written, in the current language: ``P6M`` "6 months", ``P1W``
    "1 week", ``P14D`` "14 days", ``P1Y6M`` "1 year, 6 months".

    Unlike :func:`humanize_duration` it keeps the units the text names (months stay months, not 180
    days). None when ``text`` is not a duration, or is a negative one (an offset, not a period).
    """
    from mentorflow.i18n import ngettext

    match = _PATTERN.match(text) if isinstance(text, str) else None
    if not match or match.group("sign"):
        return None
    # Each unit spelled out in full so the catalogue extractor finds the singular and plural.
    units = {
        "years": lambda n: ngettext("{n} year", "{n} years", n),
        "months": lambda n: ngettext("{n} month", "{n} months", n),
        "weeks": lambda n: ngettext("{n} week", "{n} weeks", n),
        "days": lambda n: ngettext("{n} day", "{n} days", n),
        "hours": lambda n: ngettext("{n} hour", "{n} hours", n),
        "minutes": lambda n: ngettext("{n} minute", "{n} minutes", n),
        "seconds": lambda n: ngettext("{n} second", "{n} seconds", n),
    }
    parts = [(unit, int(value)) for unit, value in match.groupdict().items() if unit in units and value is not None]
    shown = [units[unit](n).format(n=n) for unit, n in parts if n] or [units[parts[-1][0]](0).format(n=0)]
    return ", ".join(shown)
