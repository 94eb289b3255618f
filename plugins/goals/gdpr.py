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

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mentorflow.gdpr import erase_text, export_rows, scrub_json

from .store import SA, G, U

WORDS = ("title", "description", "specific", "measure", "achievable", "relevant")
"""Goal columns a person writes in their own words (category and target date are a choice and a date)."""
STRUCTURED = frozenset({"category", "target_date", "goal_id", "status", "percent", "progress"})


def export(person_id: int, conn: Connection) -> dict[str, Any] | None:
    """Goals proposed by the person, their updates and their self-assessments."""
    goals = export_rows(conn, select(G).where(G.c.proposed_by == person_id).order_by(G.c.id))
    updates = export_rows(conn, select(U, G.c.relationship_id).join(G, G.c.id == U.c.goal_id)
                          .where(U.c.author_id == person_id).order_by(U.c.id))
    assessments = export_rows(conn, select(SA).where(SA.c.author_id == person_id).order_by(SA.c.id))
    if not (goals or updates or assessments):
        return None
    return {"goals": goals, "updates": updates, "self_assessments": assessments}


def _scrub_goals(conn: Connection, goal_ids: Any) -> None:
    """The words of these goals, and the earlier words their revisions kept (whoever revised them)."""
    erase_text(conn, G, G.c.id.in_(goal_ids), *WORDS)
    scrub_json(conn, G, "details", G.c.id.in_(goal_ids), STRUCTURED)
    _scrub_previous(conn, U.c.goal_id.in_(goal_ids))


def _scrub_previous(conn: Connection, where: Any) -> None:
    scrub_json(conn, U, "previous", where, STRUCTURED)


def _scrub_updates(conn: Connection, where: Any) -> None:
    """Notes and kept earlier text of these updates."""
    erase_text(conn, U, where, "note")
    _scrub_previous(conn, where)


def erase(person_id: int, pseudonym: str, conn: Connection) -> None:
    """Scrub what the person wrote about goals, keeping statuses, progress and ratings.

    The other side's notes on the person's goals are theirs and stay; only
    the goals' own words (the person's) and the text revisions kept go.
    """
    _scrub_goals(conn, select(G.c.id).where(G.c.proposed_by == person_id))
    _scrub_updates(conn, U.c.author_id == person_id)
    erase_text(conn, SA, SA.c.author_id == person_id, "note")


def purge(relationship_id: int, conn: Connection) -> None:
    """Scrub the words of every goal and self-assessment of one relationship."""
    goal_ids = select(G.c.id).where(G.c.relationship_id == relationship_id)
    _scrub_goals(conn, goal_ids)
    _scrub_updates(conn, U.c.goal_id.in_(goal_ids))
    erase_text(conn, SA, SA.c.relationship_id == relationship_id, "note")


