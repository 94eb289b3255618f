"""The reflections plugin's part of data-subject requests and of the retention of closed relationships.

- Export: the person's reflections (with their content) and pulse answers.
- Erasure: the words in their reflections and pulse comments become
  ``[erased]``; the scores (trust, engagement, health, satisfaction, progress
  percentages) stay, so programme health figures do not change.
- Purge (retention): the same for every reflection and pulse answer of one
  closed relationship.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mentorflow.gdpr import erase_text, export_rows, scrub_json

from .models import PulseAnswer, Reflection

E = Reflection.__table__
P = PulseAnswer.__table__


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """The person's reflections and pulse answers."""
    reflections = export_rows(conn, select(E).where(E.c.author_id == person_id).order_by(E.c.id))
    pulses = export_rows(conn, select(P).where(P.c.author_id == person_id).order_by(P.c.id))
    return {"reflections": reflections, "pulse_answers": pulses} if reflections or pulses else None


def _scrub(conn: Connection, reflections: Any, pulses: Any) -> None:
    scrub_json(conn, E, "content", reflections)
    erase_text(conn, P, pulses, "comment")


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Scrub the words of the person's reflections and pulse comments; keep every score."""
    _scrub(conn, E.c.author_id == person_id, P.c.author_id == person_id)


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the words of every reflection and pulse answer of one relationship."""
    _scrub(conn, E.c.relationship_id == relationship_id, P.c.relationship_id == relationship_id)
