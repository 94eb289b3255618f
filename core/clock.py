"""Injectable time: the engine never calls ``datetime.now()`` itself."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:  # pragma: no cover - protocol
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; for tests, simulations and demos."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; returns the new time."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (must not be in the past of this clock)."""
        if when.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware times")
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError("time only moves forward")
        with self._lock:
            self._now = when


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes read back from SQLite as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class FileClock:
    """Reads the time from a file holding an ISO 8601 timestamp, on every call.

    For tests and simulations that move time for *other processes* (a real
    Celery worker): set ``MENTORFLOW_CLOCK_FILE`` and write the time there.
    Never use it in production.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def now(self) -> datetime:
        with open(self.path, encoding="utf-8") as handle:
            return as_utc(datetime.fromisoformat(handle.read().strip()))


def clock_from_environment() -> Clock:
    """``FileClock`` when ``MENTORFLOW_CLOCK_FILE`` is set, else the system clock."""
    import os

    path = os.environ.get("MENTORFLOW_CLOCK_FILE")
    return FileClock(path) if path else SystemClock()
