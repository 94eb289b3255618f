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

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from mentorflow.gdpr import ERASED_TEXT, scrub

from .models import PulseAnswer, Reflection

E = Reflection.__table__
P = PulseAnswer.__table__


def _plain(row: Any) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row._mapping.items()}


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """The person's reflections and pulse answers."""
    reflections = [_plain(r) for r in conn.execute(select(E).where(E.c.author_id == person_id).order_by(E.c.id))]
    pulses = [_plain(r) for r in conn.execute(select(P).where(P.c.author_id == person_id).order_by(P.c.id))]
    return {"reflections": reflections, "pulse_answers": pulses} if reflections or pulses else None


def _scrub(conn: Connection, reflections: Any, pulses: Any) -> None:
    for row in conn.execute(select(E.c.id, E.c.content).where(reflections)).all():
        conn.execute(update(E).where(E.c.id == row.id).values(content=scrub(row.content)))
    conn.execute(update(P).where(pulses, P.c.comment.is_not(None)).values(comment=ERASED_TEXT))


def erase(person_id: int, conn: Connection) -> None:
    """Scrub the words of the person's reflections and pulse comments; keep every score."""
    _scrub(conn, E.c.author_id == person_id, P.c.author_id == person_id)


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the words of every reflection and pulse answer of one relationship."""
    _scrub(conn, E.c.relationship_id == relationship_id, P.c.relationship_id == relationship_id)
