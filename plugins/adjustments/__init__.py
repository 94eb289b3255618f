"""Adjustments: either side proposes changes from a reflection, the other side accepts or declines them.

Effects ``adjustments.propose``, ``adjustments.accept`` (applies every item
in the acceptance's transaction, or none) and ``adjustments.reject``; the
guard ``adjustments.other_side``; settings under
``programme.settings.adjustments``; queries in
:mod:`mentorflow.plugins.adjustments.api`; hooks for the goals plugin in
:mod:`mentorflow.plugins.adjustments.hookspecs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pluggy

from mentorflow import EffectSpec, GuardSpec, Problem, TransitionEvent, hookimpl
from mentorflow.plugins.adjustments import checks, effects, hookspecs

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mentorflow import Workflow


@hookimpl(trylast=True)
def mentorflow_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl(trylast=True)
def mentorflow_register_effects() -> Iterable[EffectSpec]:
    return [effects.propose, effects.accept, effects.reject]


@hookimpl(trylast=True)
def mentorflow_register_guards() -> Iterable[GuardSpec]:
    return [effects.other_side]


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    return list(checks.check(workflow, document))


@hookimpl(trylast=True)
def mentorflow_apply_transition(event: TransitionEvent, connection: Connection) -> None:
    effects.lapse_unanswerable(event, connection)


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.adjustments:migrations"]


@hookimpl(trylast=True)
def mentorflow_export_personal_data(person_id: int, connection: Connection) -> dict[str, Any] | None:
    from . import gdpr

    return gdpr.export(person_id, connection)


@hookimpl(trylast=True)
def mentorflow_erase_personal_data(person_id: int, pseudonym: str, connection: Connection) -> None:
    from . import gdpr

    gdpr.erase(person_id, connection)


@hookimpl(trylast=True)
def mentorflow_purge_relationship_content(relationship_id: int, connection: Connection) -> None:
    from . import gdpr

    gdpr.purge(relationship_id, connection)
