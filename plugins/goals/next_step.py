"""The goals' part of a relationship's next step (``mentorflow_next_step``): confirm the other side's goals, or add
the first one."""

from __future__ import annotations

from collections.abc import Iterable

from mentorflow.i18n import _, ngettext
from mentorflow.next_step import StepContext, StepHint

from .store import ADD, AGREE, agreed_counts

PRIORITY = 40
"""Below the agreement (80), an adjustment (70) and closing (60); above the workflow's plain next stage."""


def hints(step: StepContext) -> Iterable[StepHint]:
    confirm = step.enabled(AGREE)
    if confirm is not None and confirm.role:
        # The form's choices were read for the card already: as many goals as it offers wait for this person.
        form = step.workflow.forms.get(confirm.form or "")
        providers = {f.provider for f in form.choice_fields} if form is not None else set()
        offered = max((len(values) for name, values in step.choices.get(confirm.role, {}).items()
                       if name in providers), default=0)
        if offered:
            return [StepHint(ngettext("{n} goal waits for you to confirm it", "{n} goals wait for you to confirm them",
                                      offered).format(n=offered), confirm.id, PRIORITY)]
    add = step.enabled(ADD)
    if add is not None:
        # Goals the card's forms already offer (progress, status) prove there are some, without another query.
        on_offer = step.choices.get(add.role or "", {})
        if any(on_offer.get(name) for name in ("goals.open", "goals.not_dropped")):
            return []
        agreed, waiting = agreed_counts(step.connection, step.relationship.id)
        if agreed + waiting == 0:
            return [StepHint(_("Add your first goal: what do you want to reach together?"), add.id, PRIORITY)]
    return []
