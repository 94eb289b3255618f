"""Meetings as the core knows them: the question "which meetings did this pair log?", answered by plugins.

The meetings plugin keeps the records; other plugins (the calendar feed)
ask :func:`relationship_meetings`, which calls ``mentorflow_relationship_meetings``,
so no plugin imports another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mentorflow.engine import Engine
    from mentorflow.snapshots import RelationshipSnapshot


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """One logged meeting as one viewer may see it."""

    id: int
    """Unique among the answering plugin's meetings (calendar event ids are made from it)."""
    held_on: date
    logged_at: datetime
    duration_minutes: int
    format: str
    """``in_person``, ``video``, ``phone``, ``chat`` or a programme's own value."""
    agenda: str | None = None


def relationship_meetings(engine: Engine, relationship: RelationshipSnapshot, viewer: int) -> list[MeetingRecord]:
    """Every plugin's logged meetings of ``relationship`` that ``viewer`` may see, by date."""
    found = [m for answer in engine.pm.hook.mentorflow_relationship_meetings(
        engine=engine, relationship=relationship, viewer=viewer) for m in answer or ()]
    return sorted(found, key=lambda m: (m.held_on, m.id))
