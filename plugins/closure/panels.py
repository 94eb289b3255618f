"""The closure plugin's page panel: the closing summary on a closed relationship's page, a page both can keep.

How long it ran, the agreement's versions and signatures, each goal with how each member judged it, how
regularly each member reflected, and what each learned, as far as the viewer may read it (:mod:`.api`); a
group's summary names every member. Goals
are named through :func:`mentorflow.history.history_labels` (the plugin that keeps goals names them), so this
plugin imports no other. The page's print stylesheet makes it a document to print or save as PDF.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mentorflow.engine import Engine
from mentorflow.history import history_labels
from mentorflow.i18n import _, format_date, localized
from mentorflow.panels import PageContext, Panel, render_template

from .api import closing_summary
from .workflow import GOAL_CHOICES

FORM = "closure_form"


def _attainment_labels(workflow: Any) -> Mapping[str, Any]:
    form = workflow.forms.get(FORM)
    items = ((form.fields.get("goals") or {}).get("items") or {}) if form is not None else {}
    return (items.get("attained") or {}).get("choices") or {}


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    snap = page.relationship
    if page.page != "relationship" or snap is None:
        return []
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    if not workflow.states[snap.state].is_terminal:
        return []
    summary = closing_summary(engine, snap, page.viewer)
    titles = history_labels(engine, snap, page.viewer, {GOAL_CHOICES: {g.goal_id for g in summary.goal_outcomes}})
    named = titles.get(GOAL_CHOICES, {})
    labels = _attainment_labels(workflow)

    def judged(value: str | None) -> str:
        return "—" if value is None else localized(labels[value]) if value in labels else value

    names = engine.display_names({m.person_id for m in summary.members})
    goals = [{"title": named.get(g.goal_id) or _("Goal {id}").format(id=g.goal_id),
              "ratings": [(names.get(person, ""), workflow.role_label(_role_of(summary, person)), judged(mark))
                          for person, mark in g.ratings.items()]} for g in summary.goal_outcomes]
    members = [{"name": names.get(m.person_id, ""), "role": workflow.role_label(m.role), "you": m.person_id ==
                page.viewer, "member": m} for m in summary.members]
    html = render_template(__package__, "closing_summary_panel.html", summary=summary, goals=goals, members=members,
                           format_date=format_date, level=page.heading_level + 1)
    return [Panel(id="closing-summary", title=_("Closing summary"), order=5, html=html, data=summary)]


def _role_of(summary: Any, person: int) -> str:
    return next((m.role for m in summary.members if m.person_id == person), "")
