"""The coordinator's bulk actions on a selection of relationships: close, export, and plugins' (remind) (issue #17).

Framework-free: the dashboard's pages (:mod:`.console_pages`) and the REST API (:mod:`.api_console`) both call it.
Every action first checks, through :func:`mentorflow.policy.coordinator_for`, that the actor coordinates the
programme, then that every selected relationship is one of its relationships; a selection with any id that is
not (or is not a number) is refused whole, naming each bad entry by JSON pointer, and nothing is done. Closing is
planned for the whole selection before anything is fired: if one relationship cannot be closed, none is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mentorflow import policy
from mentorflow.actors import Actor, as_actor
from mentorflow.engine import Engine
from mentorflow.errors import NotFound, Problem, ProblemsError
from mentorflow.i18n import _
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.workflow.model import Transition

ACTIONS = ("close", "export")
"""The console's own bulk actions; plugins add theirs (the reminders plugin: remind) through
:func:`mentorflow.integrations.web.plugin_api.register_bulk_action`."""
MAX_SELECTION = 500
"""At most this many relationships in one bulk action (a page of the table holds 25)."""


class SelectionInvalid(ProblemsError):
    """A selection that names relationships the actor may not act on, or is not a list of ids."""

    status = 422
    kind = "invalid-selection"

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(_("The selection of relationships is not valid:"), problems)

    def title(self) -> str:
        return _("Invalid selection")


def selection(engine: Engine, key: str, actor: Actor | int, raw: Any) -> list[RelationshipSnapshot]:
    """The selected relationships of programme ``key``, for a coordinator of it (Forbidden for anyone else).

    ``raw`` is a list of ids (numbers or digit strings, as a form posts them). A relationship of another
    programme is reported exactly as one that does not exist.
    """
    with engine.read() as conn:
        policy.coordinator_for(conn, as_actor(actor), engine.programme_id(key, conn),
                               refusal=_("Only a coordinator of programme '{key}' may do this.").format(key=key))
    if not isinstance(raw, list) or not raw:
        raise SelectionInvalid([Problem("/ids", _("choose at least one relationship"))])
    if len(raw) > MAX_SELECTION:
        raise SelectionInvalid([Problem("/ids", _("at most {n} relationships at a time").format(n=MAX_SELECTION))])
    programme_id = engine.programme_id(key)
    problems, snaps, seen = [], [], set()
    for index, value in enumerate(raw):
        text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not text.isdigit() or len(text) > 18:
            problems.append(Problem(f"/ids/{index}", _("must be a relationship id (a whole number)")))
            continue
        rid = int(text)
        if rid in seen:
            continue
        seen.add(rid)
        try:
            snap = engine.get(rid)
        except NotFound:
            snap = None
        if snap is None or snap.programme_id != programme_id:
            problems.append(Problem(f"/ids/{index}", _("relationship {id} is not in programme '{key}'").format(
                id=rid, key=key)))
            continue
        snaps.append(snap)
    if problems:
        raise SelectionInvalid(problems)
    return snaps


@dataclass(frozen=True)
class ClosePlan:
    """How one relationship would be closed: the coordinator's transition towards its end, or why it cannot be."""

    relationship: RelationshipSnapshot
    transition: Transition | None
    reason: str | None = None


def _towards_the_end(engine: Engine, snap: RelationshipSnapshot, actor: Actor | int) -> ClosePlan:
    """The first transition the coordinator may fire now that ends the relationship or starts its closure.

    Ending: into a terminal state. Starting the closure: into a state that has a transition into a terminal
    state (the workflow's closing stage), taking no form or only a reason (``reason``, from the confirmation).
    """
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    if workflow.states[snap.state].kind == "terminal":
        return ClosePlan(snap, None, _("already closed"))
    ending = {s.id for s in workflow.states.values() if s.kind == "terminal"}
    closing = {s for s, trs in workflow.transitions_from.items() if any(t.target in ending for t in trs)}
    options = engine.available_transitions(snap, actor)
    allowed = [o for o in options if o.allowed and o.role in ("coordinator", "system")]
    for wanted in (ending, closing):
        for option in allowed:
            form = workflow.forms.get(option.form) if option.form else None
            required = set((form.schema if form is not None else {}).get("required", ()))
            if option.transition.target in wanted and required <= {"reason"}:
                return ClosePlan(snap, option.transition)
    blocked = [o for o in options
               if o.role in ("coordinator", "system") and o.transition.target in ending | closing]
    why = "; ".join(r for o in blocked for r in o.reasons) or _("the coordinator cannot close it from this stage")
    return ClosePlan(snap, None, why)


def plan_close(engine: Engine, snaps: list[RelationshipSnapshot], actor: Actor | int) -> list[ClosePlan]:
    """How each relationship would be closed (shown on the confirmation before anything happens)."""
    return [_towards_the_end(engine, snap, actor) for snap in snaps]


def close(engine: Engine, key: str, actor: Actor | int, raw: Any, reason: str | None = None
          ) -> list[dict[str, Any]]:
    """Close (or start closing) every selected relationship, or none: a problem per one that cannot be."""
    plans = plan_close(engine, selection(engine, key, actor, raw), actor)
    problems = [Problem(f"/ids/{index}", _("relationship {id}: {why}").format(id=p.relationship.id, why=p.reason))
                for index, p in enumerate(plans) if p.transition is None]
    needs_reason = [p for p in plans if p.transition is not None and p.transition.form]
    if needs_reason and not (reason or "").strip():
        problems.append(Problem("/reason", _("say why the relationships end early")))
    if problems:
        raise SelectionInvalid(problems)
    done = []
    for plan in plans:
        assert plan.transition is not None
        data = {"reason": reason.strip()} if plan.transition.form and reason else None
        result = engine.fire(plan.relationship, plan.transition.id, actor, data)
        done.append({"id": plan.relationship.id, "transition": plan.transition.id,
                     "state": result.relationship.state})
    return done
