"""Which grade a relationship earns, and owing it to the linked courses' gradebooks (the grades' outbox).

No HTTP here: :func:`owe_grades` runs inside the transition's transaction
(``mentorflow_apply_transition``), so a state change and the grade it owes
commit together; :mod:`.ags` sends what is owed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from .models import Context, Member, Score
from .settings import lti_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mentorflow.snapshots import RelationshipSnapshot
    from mentorflow.workflow.model import Workflow

S, X, M = Score.__table__, Context.__table__, Member.__table__


@dataclass(frozen=True)
class Grade:
    score_given: float
    score_maximum: float
    activity_progress: str
    grading_progress: str


def grade_for(workflow: Workflow, state: str, settings: dict[str, Any]) -> Grade | None:
    """The grade a relationship in ``state`` earns under the programme's setting (None: publish nothing)."""
    maximum = float(settings["score_maximum"])
    terminal = workflow.states[state].is_terminal
    if settings["grade"] == "completion":
        return Grade(maximum, maximum, "Completed", "FullyGraded") if terminal else None
    if settings["grade"] != "progress":
        return None
    if terminal:
        return Grade(maximum, maximum, "Completed", "FullyGraded")
    stages = [s.id for s in workflow.states.values() if s.kind in ("initial", "active")]
    if state not in stages:  # paused: the last published progress stands
        return None
    # FullyGraded: the partial score is the current grade; Moodle and Open edX ignore any other score.
    return Grade(round(maximum * stages.index(state) / len(stages), 2), maximum, "InProgress", "FullyGraded")


def owe_grades(conn: Connection, relationship: RelationshipSnapshot, workflow: Workflow, now: datetime) -> int:
    """Owe the relationship's grade to every course linked to its programme, in the caller's transaction.

    One row per relationship, course and graded member: a grade not yet sent is replaced by the newer one.
    Returns the rows owed.
    """
    settings = lti_settings(workflow)
    grade = grade_for(workflow, relationship.state, settings)
    if grade is None:
        return 0
    graded = {"mentee": relationship.mentee_id, "mentor": relationship.mentor_id}
    people = {graded[r] for r in settings["grade_roles"] if graded.get(r) is not None}
    if not people:
        return 0
    pairs = conn.execute(select(X.c.id, M.c.person_id).join(M, M.c.lti_context_id == X.c.id).where(
        X.c.programme_id == relationship.programme_id, M.c.status == "Active", M.c.person_id.in_(people),
        or_(X.c.lineitem_url.is_not(None), X.c.lineitems_url.is_not(None))).order_by(X.c.id, M.c.person_id)).all()
    values = {"score_given": grade.score_given, "score_maximum": grade.score_maximum,
              "activity_progress": grade.activity_progress, "grading_progress": grade.grading_progress,
              "status": "pending", "attempts": 0, "last_error": None, "updated_at": now, "next_attempt_at": now,
              "claimed_until": None}
    for context_row, person_id in pairs:
        where = (S.c.relationship_id == relationship.id, S.c.lti_context_id == context_row,
                 S.c.person_id == person_id)
        if conn.execute(update(S).where(*where).values(**values)).rowcount:
            continue
        try:
            with conn.begin_nested():
                conn.execute(insert(S).values(relationship_id=relationship.id, lti_context_id=context_row,
                                              person_id=person_id, **values))
        except IntegrityError:  # owed concurrently: the newer grade wins
            conn.execute(update(S).where(*where).values(**values))
    return len(pairs)
