"""How the meetings a relationship's history names read: by date, format and length (``mentorflow_history_labels``).

A rating names the meeting it rates by id; the history says which meeting that was, to the pair (and to
a coordinator where the programme lets coordinators read the pair's content), as the rating form offers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from mentorflow.i18n import _, format_date
from mentorflow.policy import Access, Visibility, access

from .choices import CHOICES, format_word
from .effects import M

PROVIDERS = tuple(spec.name for spec in CHOICES)


def history_labels(engine: Any, relationship: Any, viewer: int,
                   recorded: Mapping[str, frozenset[Any]]) -> dict[str, dict[Any, str]] | None:
    """Labels of the relationship's meetings recorded through ``meetings.*`` providers, as ``viewer`` may read them."""
    asked = {name: {v for v in recorded.get(name, ()) if isinstance(v, int)} for name in PROVIDERS}
    ids = set().union(*asked.values())
    if not ids:
        return None
    settings = engine.workflow_by_version(relationship.workflow_version_id).programme.get("settings")
    if access(engine.viewer(relationship, viewer), Visibility.PAIR, None, settings) is not Access.FULL:
        return None
    with engine.read() as conn:
        rows = conn.execute(select(M.c.id, M.c.held_on, M.c.format, M.c.duration_minutes).where(
            M.c.relationship_id == relationship.id, M.c.id.in_(sorted(ids))))
        label = {row.id: _("{date} · {format} · {minutes} min").format(
            date=format_date(row.held_on), format=format_word(row.format), minutes=row.duration_minutes)
            for row in rows}
    return {name: {mid: label[mid] for mid in values if mid in label} for name, values in asked.items() if values}
