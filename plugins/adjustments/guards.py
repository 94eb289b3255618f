"""The adjustments guard: only the other side of a pending proposal answers it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mentorflow import GuardContext, actors, guard
from mentorflow.i18n import _
from mentorflow.plugins.adjustments import store


def other_role(role: str) -> str:
    """The side that answers a proposal made by ``role``."""
    return actors.other_side(role)


def is_proposer_side(proposal: store.ProposalRow, person_id: int | None, role: str) -> bool:
    """Whether the actor is on the side that made the proposal."""
    # Sides are roles: after a reassignment the new mentor answers for the mentor side too.
    return role == proposal.proposer_role or person_id == proposal.proposer_id


@guard("adjustments.other_side")
def other_side(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """A proposal waits for an answer and the actor is on the other side of it."""
    proposal = store.pending_proposal(ctx.connection, ctx.relationship.id)
    if proposal is None:
        return _("there is no adjustment proposal waiting for an answer")
    if is_proposer_side(proposal, ctx.actor.person_id, ctx.role):
        return _("only the {other} can answer this proposal (the {proposer} made it)").format(
            other=ctx.workflow.role_label(other_role(proposal.proposer_role)),
            proposer=ctx.workflow.role_label(proposal.proposer_role))
    return None
