"""Names, vocabularies and the reads and conversions shared by the goals plugin's effects, guards and API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from mentorflow import FormInvalid, Problem
from mentorflow.i18n import _
from mentorflow.snapshots import MEMBER_ROLES

from .models import Goal, GoalUpdate, SelfAssessment

G = Goal.__table__
U = GoalUpdate.__table__
SA = SelfAssessment.__table__

ADD = "goals.add"
UPDATE_PROGRESS = "goals.update_progress"
AGREE = "goals.agree"
SET_STATUS = "goals.set_status"
SELF_ASSESS = "goals.self_assess"
MIN_AGREED = "goals.min_agreed"

CATEGORIES = ("career", "skills", "personal_growth", "academic", "business")
STATUSES = ("active", "achieved", "revised", "dropped")
OPEN_STATUSES = ("active", "revised")
"""A revised goal is still being worked on; achieved and dropped goals are closed."""
CLOSING_STATUSES = ("achieved", "dropped")
NEW_STATUSES = ("achieved", "dropped", "revised")
PAIR_ROLES = MEMBER_ROLES
"""The roles that keep goals: every member role (a pair's mentor and mentee, a group's or circle's members)."""
TEXT_FIELDS = ("title", "description", "category", "specific", "measure", "achievable", "relevant", "target_date")
"""Form fields stored in the goal's own columns; a revision may change any of them."""


def status_word(status: str) -> str:
    """The translated word for a goal status."""
    return {"active": _("active"), "achieved": _("achieved"), "revised": _("revised"),
            "dropped": _("dropped")}.get(status, status)


def goal_of(conn: Connection, relationship_id: int, goal_id: Any, form: str) -> Any:
    """The goal row ``goal_id`` of this relationship; any other id is a :class:`FormInvalid` at ``/goal_id``.

    Ids of other relationships get the same answer as ids that do not exist,
    so a form cannot be used to probe other pairs' goals.
    """
    row = None
    if isinstance(goal_id, int) and not isinstance(goal_id, bool):
        # No row lock needed: only transitions of this relationship change its goals, and those are
        # serialised by the relationship row the transition has already updated.
        row = conn.execute(select(G).where(G.c.id == goal_id, G.c.relationship_id == relationship_id)).first()
    if row is None:
        raise FormInvalid(form, [Problem("/goal_id", _("goal {id} is not one of this relationship's goals").format(
            id=goal_id))])
    return row


def agreed_counts(conn: Connection, relationship_id: int) -> tuple[int, int]:
    """``(agreed, waiting)``: goals confirmed by both sides (dropped ones excluded) and open ones still waiting."""
    agreed, waiting = conn.execute(select(
        func.count().filter(and_(G.c.agreed_at.is_not(None), G.c.status != "dropped")),
        func.count().filter(and_(G.c.agreed_at.is_(None), G.c.status.in_(OPEN_STATUSES))),
    ).where(G.c.relationship_id == relationship_id)).one()
    return agreed, waiting


def text_of(row: Any) -> dict[str, Any]:
    """A goal's text fields as JSON (the ``previous`` of a revision)."""
    values = {name: getattr(row, name) for name in TEXT_FIELDS}
    if values["target_date"] is not None:
        values["target_date"] = values["target_date"].isoformat()
    return values


def column_values(data: Mapping[str, Any], form: str, names: tuple[str, ...] = TEXT_FIELDS) -> dict[str, Any]:
    """The goal columns among ``data`` (``target_date`` as a date), checked beyond what a form schema may say."""
    values: dict[str, Any] = {}
    problems = []
    for name in names:
        if name not in data:
            continue
        value = data[name]
        if name == "target_date" and value is not None:
            try:
                value = date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                value = None
            if value is None:
                problems.append(Problem("/target_date", _("{value} is not a valid date").format(value=data[name])))
        elif name == "category" and value not in CATEGORIES:
            problems.append(Problem("/category", _("{value} is not one of {choices}").format(
                value=value, choices=", ".join(CATEGORIES))))
        elif name == "title" and (not isinstance(value, str) or not value.strip()):
            problems.append(Problem("/title", _("must not be empty")))
        elif value is not None and not isinstance(value, str):
            problems.append(Problem(f"/{name}", _("must be a text")))
        values[name] = value
    if problems:
        raise FormInvalid(form, problems)
    return values
