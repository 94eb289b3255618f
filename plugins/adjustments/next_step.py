"""The adjustments' part of a relationship's next step (``mentorflow_next_step``): answer the other side's proposal,
or wait for them to answer yours."""

from __future__ import annotations

from collections.abc import Iterable

from mentorflow.i18n import _
from mentorflow.next_step import StepContext, StepHint

from .store import pending_proposal

ACCEPT = "adjustments.accept"
PRIORITY = 70


def hints(step: StepContext) -> Iterable[StepHint]:
    accept = next((a for a in step.actions if any(e.name == ACCEPT for e in a.transition.effects)), None)
    if accept is None:
        return []
    proposal = pending_proposal(step.connection, step.relationship.id)
    if proposal is None:
        return []
    name = step.names([proposal.proposer_id]).get(proposal.proposer_id, "")
    if accept.enabled:
        return [StepHint(_("{name} has proposed an adjustment: read it, then accept or reject it").format(name=name),
                         accept.id, PRIORITY)]
    if proposal.proposer_id == step.actor.person_id:
        others = [m.person_id for m in step.relationship.members if m.person_id != proposal.proposer_id]
        names = step.names(others)
        return [StepHint(_("Waiting for {name} to answer your adjustment").format(
            name=_(" and ").join(names.get(p, "") for p in others)), None, PRIORITY, tuple(others))]
    return []
