"""Generic guards every workflow can use.

- ``min_time_in_state``: the relationship has been in its state at least ``duration``.
- ``fired_by_roles``: each of ``roles`` has fired ``transition`` since the state was entered
  (both sides signed, both reflected).
- ``min_count``: ``transition`` was fired at least ``count`` times (``since`` the state was
  entered or since the relationship started).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, func, select

from mentorflow import GuardContext, GuardSpec, guard, hookimpl
from mentorflow.db.models import AuditEvent
from mentorflow.durations import DURATION_REGEX, humanize_duration, parse_duration
from mentorflow.i18n import _, ngettext

A = AuditEvent.__table__
_ROLES_SINCE = select(A.c.actor_role).where(
    A.c.relationship_id == bindparam("rid"), A.c.transition == bindparam("transition"),
    A.c.at >= bindparam("since")).distinct()
_COUNT_SINCE = select(func.count()).select_from(A).where(
    A.c.relationship_id == bindparam("rid"), A.c.transition == bindparam("transition"),
    A.c.at >= bindparam("since"))


def _role_word(ctx: GuardContext, role: str) -> str:
    return ctx.workflow.role_label(role)


def _since(ctx: GuardContext, params: Mapping[str, Any]) -> Any:
    return ctx.relationship.started_at if params.get("since") == "relationship_started" else (
        ctx.relationship.state_entered_at)


@guard("min_time_in_state", params={
    "type": "object", "required": ["duration"], "additionalProperties": False,
    "properties": {"duration": {"type": "string", "pattern": DURATION_REGEX,
                                "description": "An ISO 8601 duration such as P14D."}},
})
def min_time_in_state(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """The relationship must have been in its current state for at least ``duration``."""
    needed = parse_duration(params["duration"])
    if ctx.now - ctx.relationship.state_entered_at < needed:
        return _("the relationship must stay in this state for at least {duration}").format(
            duration=humanize_duration(needed))
    return None


@guard("fired_by_roles", params={
    "type": "object", "required": ["transition"], "additionalProperties": False,
    "properties": {
        "transition": {"type": "string"},
        "roles": {"type": "array", "items": {"enum": ["mentor", "mentee", "facilitator", "peer", "coordinator"]},
                  "minItems": 1, "description": "Default: every member role of the programme's format."},
        "since": {"enum": ["state_entered", "relationship_started"], "default": "state_entered"},
    },
})
def fired_by_roles(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """Each listed role must have fired ``transition`` since the state was entered (someone holding it)."""
    roles = params.get("roles") or list(ctx.workflow.format.member_roles)
    done = set(ctx.connection.execute(_ROLES_SINCE, {"rid": ctx.relationship.id, "transition": params["transition"],
                                                     "since": _since(ctx, params)}).scalars())
    missing = [r for r in roles if r not in done]
    if missing:
        label = ctx.workflow.transitions.get(params["transition"])
        action = label.title() if label else params["transition"]
        return _("waiting for {who} to do '{action}'").format(
            who=_(" and ").join(_role_word(ctx, r) for r in missing), action=action)
    return None


@guard("min_count", params={
    "type": "object", "required": ["transition", "count"], "additionalProperties": False,
    "properties": {
        "transition": {"type": "string"},
        "count": {"type": "integer", "minimum": 1},
        "since": {"enum": ["state_entered", "relationship_started"], "default": "relationship_started"},
    },
})
def min_count(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """``transition`` must have been fired at least ``count`` times."""
    since = ctx.relationship.started_at if params.get("since", "relationship_started") == "relationship_started" \
        else ctx.relationship.state_entered_at
    done = ctx.connection.execute(_COUNT_SINCE, {"rid": ctx.relationship.id, "transition": params["transition"],
                                                 "since": since}).scalar_one()
    if done < params["count"]:
        label = ctx.workflow.transitions.get(params["transition"])
        action = label.title() if label else params["transition"]
        if done == 0 and params["count"] == 1:
            return _("'{action}' comes first").format(action=action)
        return ngettext("'{action}' is needed at least {n} time first (done {done})",
                        "'{action}' is needed at least {n} times first (done {done})",
                        params["count"]).format(action=action, n=params["count"], done=done)
    return None


@hookimpl(trylast=True)
def mentorflow_register_guards() -> Iterable[GuardSpec]:
    return [min_time_in_state, fired_by_roles, min_count]


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Any, document: dict[str, Any]) -> list[Any]:
    """The guards above name transitions; those must exist in the workflow."""
    from mentorflow import Problem
    from mentorflow.validation import did_you_mean

    problems = []
    for i, tr in enumerate(document.get("transitions", [])):
        for g, call in enumerate(tr.get("guards", [])):
            name = call.get("params", {}).get("transition")
            if call["name"] in ("fired_by_roles", "min_count") and name not in workflow.transitions:
                problems.append(Problem(f"/transitions/{i}/guards/{g}/params/transition", did_you_mean(
                    _("transition '{id}' does not exist").format(id=name), name, workflow.transitions)))
    return problems
