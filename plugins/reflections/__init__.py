"""Regular reflection: periodic check-ins by each side, their cadence, pulse surveys and programme health.

Effects (name them on a transition's ``effects``):

``reflections.record``
    stores the submitted reflection form (progress per goal, what went well,
    what to change, trust and engagement 1-5, free text). Visible to the
    pair; to its author only when the form is ``"private": true``;
    coordinators see who reflected when, and the content only where
    ``settings.privacy.coordinator_sees_content`` is true.
``reflections.pulse``
    stores a pulse-survey answer (``satisfaction`` 1-5, ``comment``) for the
    period open now; a second answer by the same person in one period is
    refused.

Programme settings, ``programme.settings.reflections``::

    {"pulse": {"first": "P30D", "every": "P60D", "who": ["mentor", "mentee"]}}

(the default rhythm when absent: day 30, then every 60 days after the start).

The cadence is the workflow's ``recurring`` timer satisfied by a transition
that records reflections; see :mod:`.schedule` and the query functions in
:mod:`.api`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mentorflow import EffectSpec, Problem, hookimpl
from mentorflow.gdpr import personal_data_hooks
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.workflow.model import Workflow

from . import models as models  # the tables join Base.metadata when the plugin loads
from .checks import check_workflow, form_problems
from .effects import answer_pulse, record


@hookimpl(trylast=True)
def mentorflow_register_effects() -> Iterable[EffectSpec]:
    return [record, answer_pulse]


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.reflections:migrations"]


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    return check_workflow(workflow, document)


@hookimpl(trylast=True)
def mentorflow_validate_form(workflow: Workflow, form: str, data: dict[str, Any],
                             relationship: RelationshipSnapshot) -> Iterable[Problem]:
    return form_problems(workflow, form, data)


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
    from . import home, panels

    return [*panels.page_panels(engine, page), *home.page_panels(engine, page)]


@hookimpl(trylast=True)
def mentorflow_programme_health(engine: Any, programme: str, actor: Any) -> dict[str, Any] | None:
    from .api import programme_health

    return {"reflections": programme_health(engine, programme, actor)}


@hookimpl(trylast=True)
def mentorflow_relationship_figures(relationship: RelationshipSnapshot, workflow: Workflow, connection: Any,
                                    engine: Any) -> Any:
    from .figures import relationship_figures

    return relationship_figures(connection, relationship, workflow)
