"""The goals plugin's part of the programme figures: each goal's record status (see docs/figures.md)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mentorflow.figures import RelationshipFigures
from mentorflow.snapshots import RelationshipSnapshot

from .store import G


def relationship_figures(conn: Connection, snap: RelationshipSnapshot) -> RelationshipFigures:
    """``goal.<id>.status`` for every goal of the relationship; the figures plugin combines them with closure forms."""
    rows = conn.execute(select(G.c.id, G.c.status).where(G.c.relationship_id == snap.id))
    return RelationshipFigures(facts={f"goal.{goal_id}.status": status for goal_id, status in rows})
