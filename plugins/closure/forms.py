"""Closure forms: each side's goal attainment, learning and satisfaction, and the guard requiring both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from mentorflow import EffectContext, GuardContext, Problem, effect, guard
from mentorflow.clock import as_utc
from mentorflow.errors import TransitionError
from mentorflow.i18n import _
from mentorflow.plugins.closure.common import PARTICIPANTS, entered_audit_id, form_invalid, text_or_none
from mentorflow.plugins.closure.models import ClosureForm

F = ClosureForm.__table__
ATTAINMENT = ("fully", "partly", "not")
RECORD = "closure.record_form"


@dataclass(frozen=True, slots=True)
class FormRow:
    id: int
    relationship_id: int
    author_id: int
    role: str
    goals: tuple[dict[str, Any], ...]
    learned: str | None
    satisfaction: int
    private: bool
    submitted_at: datetime
    audit_id: int


def members_forms(conn: Connection, relationship_id: int) -> dict[int, FormRow]:
    """Each member's most recent closure form, by author (a later submission replaces an earlier one).

    In a group every member hands in their own form, so this, not :func:`latest_forms`, is what counts.
    """
    rows = conn.execute(select(F).where(F.c.relationship_id == relationship_id).order_by(F.c.id))
    return {r.author_id: FormRow(r.id, r.relationship_id, r.author_id, r.role, tuple(r.goals or ()), r.learned,
                                 r.satisfaction, r.private, as_utc(r.submitted_at), r.audit_id) for r in rows}


def latest_forms(conn: Connection, relationship_id: int) -> dict[str, FormRow]:
    """Each role's most recent closure form: in a pair, each side's form (kept for 1:1 callers)."""
    return latest_by_role(members_forms(conn, relationship_id))


def latest_by_role(by_member: Mapping[int, FormRow]) -> dict[str, FormRow]:
    """Of each member's latest form, the most recent one of each role."""
    by_role: dict[str, FormRow] = {}
    for row in sorted(by_member.values(), key=lambda r: r.id):
        by_role[row.role] = row
    return by_role


def _problems(data: Mapping[str, Any]) -> list[Problem]:
    problems = []
    goals = data.get("goals", [])
    if not isinstance(goals, list):
        return [Problem("/goals", _("must be a list of goals with their attainment"))]
    seen: set[int] = set()
    for i, goal in enumerate(goals):
        goal_id = goal.get("goal_id") if isinstance(goal, dict) else None
        if not isinstance(goal_id, int) or isinstance(goal_id, bool) or goal_id < 1:
            problems.append(Problem(f"/goals/{i}/goal_id", _("must be the id of a goal (a whole number from 1)")))
        elif goal_id in seen:
            problems.append(Problem(f"/goals/{i}/goal_id", _("goal {id} is listed twice").format(id=goal_id)))
        else:
            seen.add(goal_id)
        if not isinstance(goal, dict) or goal.get("attained") not in ATTAINMENT:
            problems.append(Problem(f"/goals/{i}/attained", _("must be one of {choices}").format(
                choices=", ".join(ATTAINMENT))))
    # What was learned is optional (a programme's form may not ask), but not blank when given.
    if "learned" in data and text_or_none(data.get("learned")) is None:
        problems.append(Problem("/learned", _("must not be empty")))
    satisfaction = data.get("satisfaction")
    if not isinstance(satisfaction, int) or isinstance(satisfaction, bool) or not 1 <= satisfaction <= 5:
        problems.append(Problem("/satisfaction", _("must be a whole number from 1 to 5")))
    return problems


def _record(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Store the actor's closure form (visible as its form's privacy says: pair, or the author only)."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None and event.audit_id is not None
    if event.role not in PARTICIPANTS:
        raise TransitionError(_("Only the mentor and the mentee fill in closure forms."))
    problems = _problems(event.data)
    if problems:
        raise form_invalid(event, problems)
    form = event.workflow.forms.get(event.transition.form or "")
    conn.execute(insert(F).values(
        relationship_id=snap.id, author_id=event.actor.person_id, role=event.role,
        goals=[{"goal_id": g["goal_id"], "attained": g["attained"]} for g in event.data.get("goals", [])],
        learned=text_or_none(event.data.get("learned")), satisfaction=event.data["satisfaction"],
        private=bool(form and form.private), submitted_at=event.at, audit_id=event.audit_id))


record_form = effect(RECORD)(_record)


@guard("closure.forms_complete", params={
    "type": "object", "additionalProperties": False,
    "properties": {
        "roles": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(PARTICIPANTS)},
                  "description": "Whose forms are needed: every current member in these roles (default: all)."},
        "bypass_roles": {"type": "array", "uniqueItems": True, "items": {"enum": ["coordinator", "system"]},
                         "default": [], "description": "Roles that may close without the forms (none by default)."},
    },
})
def forms_complete(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """Every current member in the listed roles submitted a closure form since the current state was entered.

    A role nobody holds (a pair still without a mentor) is waited for too.
    """
    if ctx.role in params.get("bypass_roles", ()):
        return None
    since = entered_audit_id(ctx.connection, ctx.relationship.id, ctx.relationship.state)
    authors = set(ctx.connection.execute(select(F.c.author_id).where(
        F.c.relationship_id == ctx.relationship.id, F.c.audit_id > since)).scalars())
    rel = ctx.relationship
    roles = params.get("roles") or ctx.workflow.format.member_roles
    missing = [r for r in roles if not rel.people(r) or any(p not in authors for p in rel.people(r))]
    if missing:
        return _("waiting for the closure form of the {who}").format(
            who=_(" and the ").join(ctx.workflow.role_label(r) for r in missing))
    return None
