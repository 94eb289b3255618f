"""The adjustments effects and guard: propose, accept (applied atomically), reject; and the other-side rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from mentorflow import EffectContext, Problem, RelationshipSnapshot, TransitionEvent, effect
from mentorflow.errors import FormInvalid, ProblemsError, TransitionError
from mentorflow.i18n import _, format_date
from mentorflow.plugins.adjustments import settings, store
from mentorflow.plugins.adjustments.checks import ACCEPT, PARTICIPANTS, PROPOSE, REJECT
from mentorflow.plugins.adjustments.guards import is_proposer_side, other_role
from mentorflow.plugins.adjustments.items import SETTING_KINDS, change_data, consistency_problems, shape_problems
from mentorflow.workflow.model import PAUSED, Workflow

if TYPE_CHECKING:
    from pluggy import HookRelay


class ProposalInvalid(ProblemsError, TransitionError):
    """A pending proposal no longer passes its checks when it is accepted; nothing was applied.

    Each problem points into the proposal (``/items/2/goal_id``).
    """

    status = 409
    kind = "invalid-adjustment"

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(_("The adjustment can no longer be applied as proposed; nothing was changed:"), problems)

    def title(self) -> str:
        return _("Adjustment cannot be applied")


def _check_items(hooks: HookRelay, relationship: RelationshipSnapshot, items: Sequence[dict[str, Any]],
                 connection: Connection, workflow: Workflow) -> list[Problem]:
    """What the other plugins on this engine (goals, say) find wrong with the items."""
    results = hooks.mentorflow_adjustments_check_items(
        relationship=relationship, items=[dict(i) for i in items], connection=connection, workflow=workflow)
    return [p for result in results for p in (result or ())]


def _validate(conn: Connection, snap: RelationshipSnapshot, workflow: Workflow, items: Any, hooks: HookRelay
              ) -> list[Problem]:
    problems = shape_problems(items)
    if problems:
        return problems
    current = settings.effective(workflow.programme, workflow.document, store.overrides(conn, snap.id))
    dropped = {c.goal_id for c in store.changes(conn, snap.id, frozenset({"drop_goal"})) if c.goal_id is not None}
    cadence_range = settings.adjustment_settings(workflow.programme).get("cadence_range") or {}
    problems = consistency_problems(items, effective=current, dropped_goals=dropped, cadence_range=cadence_range)
    return problems or sorted(_check_items(hooks, snap, items, conn, workflow))


def _pending_or_fail(conn: Connection, relationship_id: int) -> store.ProposalRow:
    proposal = store.pending_proposal(conn, relationship_id)
    if proposal is None:
        raise TransitionError(_("There is no adjustment proposal waiting for an answer."))
    return proposal


def _answer_check(proposal: store.ProposalRow, event: TransitionEvent) -> None:
    if is_proposer_side(proposal, event.actor.person_id, event.role):
        other = event.workflow.role_label(other_role(proposal.proposer_role))
        raise TransitionError(_("You cannot answer your own adjustment proposal: only the {other} can accept or "
                                "decline it.").format(other=other))


@effect(PROPOSE, description="Store the proposed adjustment items as a pending proposal.")
def propose(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Store the form's ``items`` as a pending proposal of the actor (one pending proposal per relationship)."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None and event.audit_id is not None
    if event.role not in PARTICIPANTS:
        raise TransitionError(_("Only the mentor or the mentee can propose an adjustment."))
    pending = store.pending_proposal(conn, snap.id)
    if pending is not None:
        raise TransitionError(_("An adjustment proposed on {date} is still waiting for an answer; it must be "
                                "accepted or declined before another is proposed.").format(
            date=format_date(pending.proposed_at)))
    items = event.data.get("items")
    problems = _validate(conn, snap, event.workflow, items, ctx.hooks)
    if problems:
        raise FormInvalid(event.transition.form or event.transition.id, problems)
    store.insert_proposal(conn, relationship_id=snap.id, proposer_id=event.actor.person_id,  # type: ignore[arg-type]
                          proposer_role=event.role, items=[dict(i) for i in items],
                          rationale=event.data.get("rationale"), at=event.at, audit_id=event.audit_id)


@effect(ACCEPT, description="Apply the pending proposal atomically and mark it accepted.")
def accept(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Apply every item of the pending proposal in this transaction, or none of them."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None and event.audit_id is not None
    proposal = _pending_or_fail(conn, snap.id)
    _answer_check(proposal, event)
    problems = _validate(conn, snap, event.workflow, list(proposal.items), ctx.hooks)
    if problems:
        raise ProposalInvalid(problems)
    changes = []
    for position, item in enumerate(proposal.items):
        goal_id, data = change_data(item)
        changes.append(store.insert_change(conn, proposal_id=proposal.id, relationship_id=snap.id, position=position,
                                           kind=item["kind"], goal_id=goal_id, data=data, at=event.at,
                                           audit_id=event.audit_id))
        if item["kind"] in SETTING_KINDS:
            key, field = SETTING_KINDS[item["kind"]]
            store.set_override(conn, relationship_id=snap.id, key=key, value=item[field], proposal_id=proposal.id,
                               at=event.at, audit_id=event.audit_id)
    store.close_proposal(conn, proposal.id, store.ACCEPTED, event.at, event.actor.person_id, event.role,
                         event.audit_id)
    event.extra["adjustments.applied"] = tuple(changes)
    # This engine's relay: another engine in the process (its own plugins) never hears of it.
    ctx.hooks.mentorflow_adjustments_applied(event=event, connection=conn, proposal_id=proposal.id,
                                             changes=tuple(changes))


@effect(REJECT, description="Decline the pending proposal with a reason.")
def reject(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Decline the pending proposal with the form's ``reason``; nothing is applied."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None and event.audit_id is not None
    proposal = _pending_or_fail(conn, snap.id)
    _answer_check(proposal, event)
    reason = event.data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise FormInvalid(event.transition.form or event.transition.id,
                          [Problem("/reason", _("say why the proposal is declined"))])
    store.close_proposal(conn, proposal.id, store.REJECTED, event.at, event.actor.person_id, event.role,
                         event.audit_id, reason.strip())


def lapse_unanswerable(event: TransitionEvent, conn: Connection) -> None:
    """A pending proposal lapses when the relationship moves where nobody can answer it (closing, closed).

    Pausing keeps it: resuming returns to where it can be answered.
    """
    after, workflow = event.after, event.workflow
    if after is None or after.state == event.before.state or workflow.states[after.state].kind == PAUSED:
        return
    # Answerable where some transition out of the state accepts: a look at that state's few transitions,
    # no cache (answerable_states in checks computes the same set for the whole workflow).
    if any(call.name == ACCEPT for t in workflow.transitions_from.get(after.state, ()) for call in t.effects):
        return
    pending = store.pending_proposal(conn, after.id)
    if pending is not None:
        assert event.audit_id is not None
        store.close_proposal(conn, pending.id, store.LAPSED, event.at, event.actor.person_id, event.role,
                             event.audit_id)
