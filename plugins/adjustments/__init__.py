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
from mentorflow.gdpr import personal_data_hooks
from mentorflow.plugins.adjustments import checks, effects, guards, hookspecs

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
    return [guards.other_side]


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    return list(checks.check(workflow, document))


@hookimpl(trylast=True)
def mentorflow_apply_transition(event: TransitionEvent, connection: Connection) -> None:
    effects.lapse_unanswerable(event, connection)


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.adjustments:migrations"]


# Personal data: declared in gdpr.py, wired to the export, erasure and retention hooks by the core.
_personal_data = personal_data_hooks(f"{__name__}.gdpr")
mentorflow_export_personal_data = _personal_data.export
mentorflow_erase_personal_data = _personal_data.erase
mentorflow_purge_relationship_content = _personal_data.purge


@hookimpl(trylast=True)
def mentorflow_web_blueprints(engine: Any) -> Iterable[Any]:
    from .web import blueprint

    return [blueprint(engine)]


@hookimpl(trylast=True)
def mentorflow_next_step(engine: Any, step: Any) -> Any:
    from .next_step import hints

    return hints(step)
