"""Goal-setting: SMART goals agreed by both sides, their progress over time, and the mentee's self-assessment.

Effects (name them on a transition's ``effects``):

``goals.add``
    stores the goal form (title, description, category, the SMART fields
    ``specific``, ``measure``, ``achievable``, ``relevant``, ``target_date``;
    any other field of the form is kept as ``details``) as an active goal.
``goals.agree``
    the other side confirms a goal (form field ``goal_id``): a goal the
    mentor proposed is agreed when the mentee confirms it, and vice versa.
``goals.update_progress``
    records progress 0-100 with a note on an open goal.
``goals.set_status``
    ``achieved`` or ``dropped`` closes a goal; ``revised`` replaces the text
    fields given in the form, keeps the old text in the goal's history and
    needs the other side's confirmation again.
``goals.self_assess`` (``{"phase": "start" | "closure"}``)
    the mentee's ratings of the programme's competences (``ratings``), once
    per phase.

A ``goal_id`` that is not one of the relationship's goals is a
:class:`~mentorflow.FormInvalid` at ``/goal_id``; changing a closed goal is
a :class:`~mentorflow.TransitionError`.

Adjustments: with the adjustments plugin, an accepted adjustment's ``revise_goal``, ``drop_goal`` and
``add_goal`` items are checked and applied here, in the acceptance's transaction (see
:mod:`.adjustments`; the hooks are optional).

Guard ``goals.min_agreed`` (``{"count": 1}``): at least ``count`` goals
agreed by both sides (dropped goals do not count).

Programme settings, ``programme.settings.goals``: ``competences``
(``[{"id", "label": {"en", "da"}}]``) and ``scale`` (``{"min", "max"}``,
default 1-5); see :mod:`.settings`. Query functions are in :mod:`.api`.

Choices (``"choices_from"`` on a form field whose value is a goal id): ``goals.to_confirm``,
``goals.open`` and ``goals.not_dropped``; see :mod:`.choices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mentorflow import ChoicesSpec, EffectSpec, GuardSpec, Problem, hookimpl
from mentorflow.gdpr import personal_data_hooks
from mentorflow.workflow.model import Workflow

from . import models as models  # the tables join Base.metadata when the plugin loads
from .adjustments import mentorflow_adjustments_applied as mentorflow_adjustments_applied
from .adjustments import mentorflow_adjustments_check_items as mentorflow_adjustments_check_items
from .assessment import self_assess
from .checks import check_workflow
from .effects import add, agree, set_status, update_progress
from .guards import min_agreed


@hookimpl(trylast=True)
def mentorflow_register_effects() -> Iterable[EffectSpec]:
    return [add, agree, update_progress, set_status, self_assess]


@hookimpl(trylast=True)
def mentorflow_register_guards() -> Iterable[GuardSpec]:
    return [min_agreed]


@hookimpl(trylast=True)
def mentorflow_register_choices() -> Iterable[ChoicesSpec]:
    from .choices import CHOICES

    return CHOICES


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.goals:migrations"]


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    return check_workflow(workflow, document)


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
    from .api import programme_goal_attainment

    return {"goals": programme_goal_attainment(engine, programme, actor)}


@hookimpl(trylast=True)
def mentorflow_history_labels(engine: Any, relationship: Any, viewer: int, recorded: Any) -> Any:
    from .history import history_labels

    return history_labels(engine, relationship, viewer, recorded)


@hookimpl(trylast=True)
def mentorflow_relationship_figures(relationship: Any, workflow: Any, connection: Any, engine: Any) -> Any:
    from .figures import relationship_figures

    return relationship_figures(connection, relationship)


@hookimpl(trylast=True)
def mentorflow_next_step(engine: Any, step: Any) -> Any:
    from .next_step import hints

    return hints(step)
