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
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = f"{sign}P{days}D" if days or not rest else f"{sign}P"
    if rest:
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
