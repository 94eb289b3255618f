"""A coordinator's reminder to the people of chosen relationships ("remind" on the dashboard's selection).

One ``nudge`` notification per person on each relationship, through the reminder outbox (sent by the worker like
every reminder, retried on failure). Keyed by relationship, person and day: reminding the same selection twice on
one day sends nothing more. Who may remind is checked by the caller (a coordinator of the programme, through
:mod:`mentorflow.policy`).
"""

from __future__ import annotations

from collections.abc import Iterable

from mentorflow.engine import Engine
from mentorflow.snapshots import RelationshipSnapshot

from .outbox import _row, insert_once


def remind(engine: Engine, relationships: Iterable[RelationshipSnapshot], coordinator: int | None) -> int:
    """Queue a reminder for the mentor and the mentee of each open relationship; returns how many were new."""
    now = engine.clock.now()
    rows = []
    for snap in relationships:
        if snap.closed_at is not None:
            continue
        for person in (p for p in (snap.mentee_id, snap.mentor_id) if p is not None):
            rows.append(_row(f"nudge:{snap.id}:{person}:{now.date().isoformat()}", "nudge", snap.id, person,
                             {"relationship_id": snap.id, "coordinator": coordinator}, now))
    with engine.write() as conn:
        return insert_once(conn, rows)
