"""How the goals a relationship's history names read: by title (``mentorflow_history_labels``).

The history shows events long after their goal stopped being offered by a choices provider (a confirmed
goal is no longer "to confirm"), so the provider's label cannot name it; this names every goal recorded
through the plugin's providers, with the same rule as the providers: a coordinator who may not read the
pair's content sees "Goal 7", not the title.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from mentorflow.i18n import _
from mentorflow.policy import Access, Visibility, access

from .choices import CHOICES
from .store import G

PROVIDERS = tuple(spec.name for spec in CHOICES)


def history_labels(engine: Any, relationship: Any, viewer: int,
                   recorded: Mapping[str, frozenset[Any]]) -> dict[str, dict[Any, str]] | None:
    """Titles of the relationship's goals recorded through ``goals.*`` providers, as ``viewer`` may read them."""
    asked = {name: {v for v in recorded.get(name, ()) if isinstance(v, int)} for name in PROVIDERS}
    ids = set().union(*asked.values())
    if not ids:
        return None
    settings = engine.workflow_by_version(relationship.workflow_version_id).programme.get("settings")
    titled = access(engine.viewer(relationship, viewer), Visibility.PAIR, None, settings) is Access.FULL
    with engine.read() as conn:
        titles = {row.id: row.title for row in conn.execute(select(G.c.id, G.c.title).where(
            G.c.relationship_id == relationship.id, G.c.id.in_(sorted(ids))))}
    # Only the relationship's own goals: an id of another relationship's goal is not named.
    label = {gid: title if titled and title else _("Goal {id}").format(id=gid) for gid, title in titles.items()}
    return {name: {gid: label[gid] for gid in values if gid in label} for name, values in asked.items() if values}
