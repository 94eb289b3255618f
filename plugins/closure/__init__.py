"""Closure: planned and early closure, extensions, closure forms and summary, reopening, rematching, reassignment.

Effects ``closure.request_extension``, ``closure.decide_extension``,
``closure.end_early``, ``closure.record_conversation``,
``closure.record_form``, ``closure.reopen``, ``closure.enqueue_rematch`` and
``closure.reassign_mentor``; guards ``closure.forms_complete``,
``closure.within_reopen_window`` and ``closure.planned_end_reached``; choices
``closure.reasons`` and ``closure.mentors`` (:mod:`.choices`); settings
under ``programme.settings.closure``; queries in
:mod:`mentorflow.plugins.closure.api`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mentorflow import ChoicesSpec, EffectSpec, GuardSpec, Problem, TransitionEvent, hookimpl
from mentorflow.gdpr import personal_data_hooks
from mentorflow.plugins.closure import checks, endings, extensions, forms, reassign, rematch, reopen

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mentorflow import RelationshipSnapshot, Workflow


@hookimpl(trylast=True)
def mentorflow_register_effects() -> Iterable[EffectSpec]:
    return [extensions.request_extension, extensions.decide_extension, endings.end_early,
            endings.record_conversation, forms.record_form, reopen.reopen, rematch.enqueue_rematch,
            reassign.reassign_mentor]


@hookimpl(trylast=True)
def mentorflow_register_guards() -> Iterable[GuardSpec]:
    return [forms.forms_complete, reopen.within_reopen_window, extensions.planned_end_reached]


@hookimpl(trylast=True)
def mentorflow_register_choices() -> Iterable[ChoicesSpec]:
    from .choices import CHOICES

    return CHOICES


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    return list(checks.check(workflow, document))


@hookimpl(trylast=True)
def mentorflow_validate_form(workflow: Workflow, form: str, data: dict[str, Any],
                             relationship: RelationshipSnapshot) -> Iterable[Problem]:
    return endings.validate_reason_form(workflow, form, data)


@hookimpl(trylast=True)
def mentorflow_apply_transition(event: TransitionEvent, connection: Connection) -> None:
    extensions.lapse_undecidable(event, connection)


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.closure:migrations"]


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
def mentorflow_page_panels(engine: Any, page: Any) -> Iterable[Any]:
    from .panels import page_panels

    return page_panels(engine, page)


@hookimpl(trylast=True)
def mentorflow_relationship_figures(relationship: RelationshipSnapshot, workflow: Workflow, connection: Connection,
                                    engine: Any) -> Any:
    from .figures import relationship_figures

    return relationship_figures(connection, relationship)


@hookimpl(trylast=True)
def mentorflow_next_step(engine: Any, step: Any) -> Any:
    from .next_step import hints

    return hints(step)
