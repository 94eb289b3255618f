"""Closing's part of a relationship's next step (``mentorflow_next_step``): fill in your closing form, then wait for
the others' before the relationship can be closed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from mentorflow.i18n import _
from mentorflow.next_step import StepContext, StepHint

from .common import A
from .forms import RECORD

PRIORITY = 60


def hints(step: StepContext) -> Iterable[StepHint]:
    record = step.enabled(RECORD)
    if record is None:
        return []
    done = step.connection.execute(select(func.count()).select_from(A).where(
        A.c.relationship_id == step.relationship.id, A.c.transition == record.id,
        A.c.actor_id == step.actor.person_id)).scalar_one()
    if not done:
        return [StepHint(_("Fill in your closing form: how the goals went and what you learned."), record.id,
                         PRIORITY)]
    close = next((a for a in step.actions if a.transition.target in step.workflow.terminal_states), None)
    if close is not None and not close.enabled and close.reasons:
        reason = close.reasons[0]
        return [StepHint(reason[:1].upper() + reason[1:], None, PRIORITY - 5)]
    return []
