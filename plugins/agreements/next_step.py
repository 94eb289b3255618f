"""The agreement's part of a relationship's next step (``mentorflow_next_step``, ``mentorflow_nothing_to_act_on``).

Whose turn it is to sign: "Morten has proposed the agreement: read and sign it", "Waiting for Mia to sign
the agreement" (in a group "Waiting for 2 of 5 to sign the agreement"); proposing again once a version
exists is not offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mentorflow.i18n import _
from mentorflow.next_step import StepContext, StepHint

from .store import PROPOSE, SIGN, current_version, missing_signers, signer_ids

PRIORITY = 80
"""Signing comes before goals and reflections: nothing else moves until the agreement is signed."""


def nothing_to_act_on(step: StepContext) -> Mapping[str, str] | None:
    """Proposing when a version has been proposed already (an amendment changes it)."""
    propose = step.enabled(PROPOSE)
    if propose is None:
        return None
    current = current_version(step.connection, step.relationship.id)
    if current is None:
        return None
    return {propose.id: _("the agreement has already been proposed (version {n})").format(n=current.version)}


def hints(step: StepContext) -> Iterable[StepHint]:
    """Sign what the other side proposed; wait for the others; or propose the first version."""
    snap = step.relationship
    signing = next((a for a in step.actions if any(e.name == SIGN for e in a.transition.effects)), None)
    current = current_version(step.connection, snap.id)
    if current is None:
        propose = step.enabled(PROPOSE)
        return [StepHint(_("Start by proposing your agreement: what each of you expects, how often you meet."),
                         propose.id, PRIORITY)] if propose else []
    if signing is None:
        return []
    signed = signer_ids(step.connection, current.id)
    viewer = step.actor.person_id
    if signing.enabled:
        proposer = current.proposed_by if current.proposed_by != viewer else None
        name = step.names([proposer]).get(proposer) if proposer is not None else None
        if current.version > 1:
            text = (_("{name} has changed the agreement: read version {n} and sign it").format(name=name,
                                                                                              n=current.version)
                    if name else _("The agreement has changed: read version {n} and sign it").format(n=current.version))
        else:
            text = (_("{name} has proposed the agreement: read and sign it").format(name=name) if name
                    else _("The agreement has been proposed: read and sign it"))
        return [StepHint(text, signing.id, PRIORITY)]
    if viewer not in signed:
        return []
    waiting = missing_signers(snap, signed, step.workflow.format.member_roles)
    if not waiting:
        return []
    members = [m for m in snap.members if m.role in step.workflow.format.member_roles]
    if len(members) > 2:
        text = _("Waiting for {n} of {total} to sign the agreement").format(n=len(waiting), total=len(members))
    else:
        names = step.names(waiting)
        text = _("Waiting for {name} to sign the agreement").format(
            name=_(" and ").join(names.get(p, "") for p in waiting))
    return [StepHint(text, None, PRIORITY, tuple(waiting))]
