"""The meetings log: when the pair met, for how long, how, what they discussed and how it went.

Effects (name them on a transition's ``effects``):

``meetings.log``
    stores a meeting from the form fields ``date`` (YYYY-MM-DD, at most a
    day ahead), ``duration_minutes`` (> 0), ``format`` (in_person, video,
    phone, chat), ``agenda`` and ``shared_notes`` (seen by the pair), and the
    author's own ``private_notes`` and ``rating`` (1-4), kept in a separate
    row that is only ever shown to the author.
``meetings.rate``
    adds the caller's own ``rating`` and ``private_notes`` to the meeting
    ``meeting_id`` of the same relationship.

Read with :func:`.api.meetings` and :func:`.api.meeting_stats`. Choices ``meetings.logged`` (the
relationship's meetings, for the rating form's ``meeting_id``): see :mod:`.choices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mentorflow import ChoicesSpec, EffectSpec, Problem, hookimpl
from mentorflow.gdpr import personal_data_hooks
from mentorflow.workflow.model import Workflow

from . import models as models  # the tables join Base.metadata when the plugin loads
from .checks import check_workflow
from .effects import log_meeting, rate_meeting


@hookimpl(trylast=True)
def mentorflow_register_effects() -> Iterable[EffectSpec]:
    return [log_meeting, rate_meeting]


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.meetings:migrations"]


@hookimpl(trylast=True)
def mentorflow_register_choices() -> Iterable[ChoicesSpec]:
    from .choices import CHOICES

    return CHOICES


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
def mentorflow_programme_health(engine: Any, programme: str, actor: Any) -> dict[str, Any] | None:
    from .api import meeting_stats

    return {"meetings": meeting_stats(engine, programme, actor)}


@hookimpl(trylast=True)
def mentorflow_relationship_meetings(engine: Any, relationship: Any, viewer: int) -> Iterable[Any]:
    from mentorflow.errors import NotFound
    from mentorflow.meetings import MeetingRecord

    from .api import meetings

    try:
        visible = meetings(engine, relationship, viewer)
    except NotFound:  # a viewer outside the relationship sees none of its meetings, as the hook promises
        return []
    return [MeetingRecord(id=m.id, held_on=m.held_on, logged_at=m.logged_at, duration_minutes=m.duration_minutes,
                          format=m.format, agenda=m.agenda) for m in visible]


@hookimpl(trylast=True)
def mentorflow_history_labels(engine: Any, relationship: Any, viewer: int, recorded: Any) -> Any:
    from .history import history_labels

    return history_labels(engine, relationship, viewer, recorded)


@hookimpl(trylast=True)
def mentorflow_page_panels(engine: Any, page: Any) -> Iterable[Any]:
    from .panels import page_panels

    return page_panels(engine, page)
