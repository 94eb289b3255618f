"""Hooks the adjustments plugin offers other plugins (added through ``mentorflow_addhooks``).

The goals plugin is the intended consumer: it checks goal items against its
own table and applies them in the same transaction as the acceptance.
Both are optional. Implement them with ``@hookimpl(optionalhook=True)``: the specs are added when the
adjustments plugin is loaded, and the marker keeps an engine without it (or a plugin manager checked before
the specs are added) from rejecting the implementation as an unknown hook.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from mentorflow.hookspecs import hookspec

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mentorflow import Problem, RelationshipSnapshot, TransitionEvent, Workflow
    from mentorflow.plugins.adjustments.store import AppliedChangeRow


@hookspec
def mentorflow_adjustments_check_items(
    relationship: RelationshipSnapshot, items: Sequence[dict[str, Any]], connection: Connection, workflow: Workflow
) -> Iterable[Problem]:
    """Check proposed adjustment items beyond their form (does goal 7 exist on this relationship?).

    Called when a proposal is made and again when it is accepted (the
    world may have changed meanwhile), inside the transition's transaction.
    ``workflow`` is the relationship's workflow (a plugin may answer only for
    workflows that use its effects). ``items`` are the proposal's items in
    order; return problems whose
    pointers are ``/items/<index>/<field>``. Any problem rejects the
    transition (:class:`~mentorflow.FormInvalid` on proposal,
    ``ProposalInvalid`` on acceptance) and nothing is written.
    """


@hookspec
def mentorflow_adjustments_applied(
    event: TransitionEvent, connection: Connection, proposal_id: int, changes: Sequence[AppliedChangeRow]
) -> None:
    """An accepted proposal's changes were written; apply your part of them in the same transaction.

    ``changes`` are the stored rows in proposal order (``kind``,
    ``goal_id``, ``data``, ...). Raise (a :class:`mentorflow.Veto` gives the
    person a readable reason) to roll back the whole acceptance: the
    relationship stays in its state and the proposal stays pending.
    Return value ignored.
    """
