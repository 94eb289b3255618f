"""Members: people join and leave a running group, circle or co-mentoring relationship, audited.

Effects ``members.join`` (a coordinator adds someone enrolled in the programme, while the role has room)
and ``members.leave`` (a member leaves with a no-fault reason, or a coordinator takes someone off; the
membership is kept with its dates and reason); guards ``members.others_remain`` and ``members.last_to_leave``
(so a workflow sends the last mentee's or peer's departure to closure instead of leaving an empty group);
choices ``members.candidates``, ``members.current`` and ``members.leave_reasons``. The bounds themselves are
the engine's (:mod:`mentorflow.members`); this plugin only offers the transitions, through the same hooks
a third-party plugin has. ``workflow.extend`` adds them to a lifecycle workflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mentorflow import ChoicesSpec, EffectSpec, GuardSpec, Problem, Workflow, hookimpl

from . import checks, choices, effects, guards


@hookimpl(trylast=True)
def mentorflow_register_effects() -> Iterable[EffectSpec]:
    return [effects.join, effects.leave]


@hookimpl(trylast=True)
def mentorflow_register_guards() -> Iterable[GuardSpec]:
    return [guards.others_remain, guards.last_to_leave]


@hookimpl(trylast=True)
def mentorflow_register_choices() -> Iterable[ChoicesSpec]:
    return [choices.candidates, choices.current, choices.leave_reasons]


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    return checks.check_workflow(workflow, document)
