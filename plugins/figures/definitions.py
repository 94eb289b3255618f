"""The one definition of each programme figure that combines plugins' answers (see docs/figures.md).

Everything here works on one relationship's answers, so the same code serves the incremental
summary rows and the rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy.engine import Connection

from mentorflow.figures import Deadline, RelationshipFigures
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.timers import duties
from mentorflow.workflow.model import Workflow

RATINGS = ("not", "partly", "fully")
"""Closure-form ratings of a goal, weakest first; a goal rated by both sides takes the weaker rating."""
OUTCOMES = ("achieved", "partly", "not_attained", "active", "dropped")
FALLING_HEALTH = "risk.falling_health"
DUTY_DUE = "duty_due"
SILENT = "silent"
AGREEMENT_UNANSWERED = "agreement_unanswered"
RISK_KINDS = (SILENT, FALLING_HEALTH, AGREEMENT_UNANSWERED)
"""The at-risk flags, in the order the dashboard lists them."""


def goal_outcome(status: str | None, ratings: Iterable[str]) -> str:
    """A goal's outcome: its record when closed (achieved, dropped), else the closure forms' weakest rating.

    ``fully`` is achieved, ``partly`` partly, ``not`` not attained; an open goal nobody rated yet is active.
    """
    if status in ("achieved", "dropped"):
        return status
    rated = [r for r in ratings if r in RATINGS]
    if not rated:
        return "active"
    weakest = min(rated, key=RATINGS.index)
    return {"fully": "achieved", "partly": "partly", "not": "not_attained"}[weakest]


def core_figures(conn: Connection, snap: RelationshipSnapshot, workflow: Workflow) -> RelationshipFigures:
    """What the engine's rows say: the relationship, whether it is open, its stage, its current members (in all,
    per stage and per role), and when each recurring duty (a reflection, a check-in) is next due, as the reminder
    scan reckons it (:func:`mentorflow.timers.duties`).
    """
    deadlines = []
    for timer in workflow.timers:
        if timer.kind == "recurring" and timer.every and snap.state in timer.states and snap.closed_at is None:
            deadlines += [Deadline(DUTY_DUE, duty.due_at, duty.role, duty.person_id, timer.label or timer.id)
                          for duty in duties(conn, snap.workflow_version_id, workflow, timer, snap.state_entered_at,
                                             relationship_id=snap.id)]
    # Members are counted beside relationships (issue #18): a group of eight is one relationship and nine people.
    members = len(snap.member_ids)
    values: dict[str, float] = {"relationships": 1, "open": 1 if snap.closed_at is None else 0,
                                f"stage.{snap.state}": 1, "members": members, f"members.stage.{snap.state}": members}
    for role in {m.role for m in snap.members}:
        values[f"members.role.{role}"] = len(snap.people(role))
    return RelationshipFigures(values=values, deadlines=tuple(deadlines))


def combine(answers: Iterable[RelationshipFigures | None]) -> tuple[dict[str, float], list[Deadline]]:
    """Every plugin's answer for one relationship as one set of values (zeros left out) and its deadlines."""
    values: dict[str, float] = defaultdict(float)
    deadlines: list[Deadline] = []
    facts: dict[str, str] = {}
    for answer in answers:
        if answer is None:
            continue
        for name, value in answer.values.items():
            values[name] += float(value)
        deadlines.extend(answer.deadlines)
        facts.update(answer.facts)
    for name, value in goal_figures(facts).items():
        values[name] += value
    return {k: v for k, v in values.items() if v}, deadlines


def goal_figures(facts: Mapping[str, str]) -> dict[str, float]:
    """Goal attainment from the goal records and the closure forms: ``goals.total`` and one count per outcome."""
    statuses: dict[str, str | None] = {}
    ratings: dict[str, list[str]] = defaultdict(list)
    for key, value in facts.items():
        parts = key.split(".")
        if len(parts) < 3 or parts[0] != "goal":
            continue
        if parts[2] == "status":
            statuses[parts[1]] = value
        elif parts[2] == "rating":
            statuses.setdefault(parts[1], None)
            ratings[parts[1]].append(value)
    out: dict[str, float] = defaultdict(float)
    for goal, status in statuses.items():
        out["goals.total"] += 1
        out[f"goals.{goal_outcome(status, ratings[goal])}"] += 1
    return dict(out)
