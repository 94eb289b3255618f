"""The goals plugin's part of data-subject requests and of the retention of closed relationships.

- Export: the goals the person proposed, every update they made (progress,
  status, confirmation, revision) and their self-assessments.
- Erasure: the words of the goals they proposed (title, description and the
  SMART texts), their notes, the earlier text kept by revisions of their goals
  and the notes of their self-assessments become ``[erased]``. Category,
  target date, status, progress and ratings stay, so attainment figures and
  the other side's records do not change.
- Purge (retention): the same for every goal and self-assessment of one
  closed relationship.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from mentorflow.gdpr import ERASED_TEXT, scrub

from .store import SA, G, U

WORDS = ("title", "description", "specific", "measure", "achievable", "relevant")
"""Goal columns a person writes in their own words (category and target date are a choice and a date)."""
STRUCTURED = frozenset({"category", "target_date", "goal_id", "status", "percent", "progress"})


def _plain(row: Any) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row._mapping.items()}


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """Goals proposed by the person, their updates and their self-assessments."""
    goals = [_plain(r) for r in conn.execute(select(G).where(G.c.proposed_by == person_id).order_by(G.c.id))]
    updates = [_plain(r) for r in conn.execute(select(U, G.c.relationship_id).join(G, G.c.id == U.c.goal_id)
                                               .where(U.c.author_id == person_id).order_by(U.c.id))]
    assessments = [_plain(r) for r in conn.execute(select(SA).where(SA.c.author_id == person_id).order_by(SA.c.id))]
    if not (goals or updates or assessments):
        return None
    return {"goals": goals, "updates": updates, "self_assessments": assessments}


def _scrub_goals(conn: Connection, goal_ids: Any) -> None:
    """The words of these goals, and the earlier words their revisions kept (whoever revised them)."""
    for name in WORDS:
        conn.execute(update(G).where(G.c.id.in_(goal_ids), G.c[name].is_not(None)).values({name: ERASED_TEXT}))
    for row in conn.execute(select(G.c.id, G.c.details).where(G.c.id.in_(goal_ids),
                                                              G.c.details.is_not(None))).all():
        conn.execute(update(G).where(G.c.id == row.id).values(details=scrub(row.details, STRUCTURED)))
    _scrub_previous(conn, U.c.goal_id.in_(goal_ids))


def _scrub_previous(conn: Connection, where: Any) -> None:
    for row in conn.execute(select(U.c.id, U.c.previous).where(where, U.c.previous.is_not(None))).all():
        conn.execute(update(U).where(U.c.id == row.id).values(previous=scrub(row.previous, STRUCTURED)))


def _scrub_updates(conn: Connection, where: Any) -> None:
    """Notes and kept earlier text of these updates."""
    conn.execute(update(U).where(where, U.c.note.is_not(None)).values(note=ERASED_TEXT))
    _scrub_previous(conn, where)


def erase(person_id: int, conn: Connection) -> None:
    """Scrub what the person wrote about goals, keeping statuses, progress and ratings.

    The other side's notes on the person's goals are theirs and stay; only
    the goals' own words (the person's) and the text revisions kept go.
    """
    _scrub_goals(conn, select(G.c.id).where(G.c.proposed_by == person_id))
    _scrub_updates(conn, U.c.author_id == person_id)
    conn.execute(update(SA).where(SA.c.author_id == person_id, SA.c.note.is_not(None)).values(note=ERASED_TEXT))


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the words of every goal and self-assessment of one relationship."""
    goal_ids = select(G.c.id).where(G.c.relationship_id == relationship_id)
    _scrub_goals(conn, goal_ids)
    _scrub_updates(conn, U.c.goal_id.in_(goal_ids))
    conn.execute(update(SA).where(SA.c.relationship_id == relationship_id, SA.c.note.is_not(None))
                 .values(note=ERASED_TEXT))


