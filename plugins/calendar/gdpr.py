"""The calendar plugin's part of data-subject requests (see :mod:`mentorflow.gdpr`).

- Export: when each of the person's feed addresses was made and revoked (never the secret itself).
- Erasure: the person's feed addresses are deleted: an address leads to the person's calendar, and an
  erased person has none.

The plugin holds no relationship content (the feeds render meetings and due dates kept by other
plugins), so there is nothing to purge.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from .models import CalendarFeed

F = CalendarFeed.__table__


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """When the person's feed addresses were made and revoked."""
    rows = conn.execute(select(F.c.created_at, F.c.revoked_at).where(F.c.person_id == person_id)
                        .order_by(F.c.id)).all()
    if not rows:
        return None
    return {"feeds": [{"created_at": r.created_at.isoformat(),
                       "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None} for r in rows]}


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Delete the person's feed addresses."""
    conn.execute(delete(F).where(F.c.person_id == person_id))
