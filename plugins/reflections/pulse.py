"""The pulse-survey schedule as pure functions (Mentorloop's rhythm: day 30, then every 60 days).

Periods count from the relationship's start: period 0 opens at
``started_at + first``, period ``k`` at ``started_at + first + k * every``
and lasts until the next one opens. Each person answers once per period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mentorflow.durations import parse_duration

DEFAULT_FIRST = "P30D"
DEFAULT_EVERY = "P60D"
PULSE_EFFECT = "reflections.pulse"


@dataclass(frozen=True, slots=True)
class PulseSchedule:
    """When pulse surveys open and who answers them."""

    first: timedelta
    every: timedelta
    who: tuple[str, ...] = ("mentor", "mentee")

    def period_at(self, started_at: datetime, at: datetime) -> int | None:
        """The index of the period open at ``at``; None before the first survey opens."""
        elapsed = at - started_at - self.first
        if elapsed < timedelta(0):
            return None
        return elapsed // self.every

    def opens_at(self, started_at: datetime, index: int) -> datetime:
        """When period ``index`` opens (and period ``index - 1`` closes)."""
        return started_at + self.first + index * self.every


def schedule_from_settings(programme_settings: Mapping[str, Any] | None) -> PulseSchedule:
    """The schedule under ``settings.reflections.pulse`` (validated at load), else the default rhythm."""
    pulse = ((programme_settings or {}).get("reflections") or {}).get("pulse") or {}
    return PulseSchedule(
        first=parse_duration(pulse.get("first", DEFAULT_FIRST)),
        every=parse_duration(pulse.get("every", DEFAULT_EVERY)),
        who=tuple(pulse.get("who", ("mentor", "mentee"))),
    )
