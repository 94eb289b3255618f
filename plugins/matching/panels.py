"""The matching plugin's page panel: "Matching review" on the coordinator dashboard (always fresh, never cached).

Its buttons post to the plugin's own page routes (:mod:`.web`), with the host's hidden fields (CSRF). While the
newest run is running the panel shows its phase and progress (refreshed by the plugin's small script from the
status route, without reloading the page) and a Cancel button. Only programmes whose current version uses matching
(``programme.settings.matching``) get the panel. What its buttons did is said in the panel itself, next to them
(the host's notices for the panel, see :attr:`PageContext.notices`), where the redirect to the panel's anchor
leaves the person.
"""

from __future__ import annotations

from typing import Any

from mentorflow.engine import Engine
from mentorflow.i18n import _
from mentorflow.panels import PageContext, Panel, render_template

from .api import get_run, list_runs
from .runs import RunSummary, phase_name
from .settings import uses_matching


def run_status(run: RunSummary) -> dict[str, Any]:
    """What the panel says about a run: status, phase, progress in percent and the sentence a person reads."""
    percent = round((run.progress or 0.0) * 100)
    if run.message:  # an interrupted run says so, and what to do
        text = run.message
    elif run.status != "running":
        text = _("Matching run {id} is {status}.").format(id=run.id, status=run.status)
    elif run.cancel_requested:
        text = _("Matching run {id} is stopping (cancel requested).").format(id=run.id)
    else:
        text = _("Matching run {id} is running: {phase}, {percent} % done.").format(
            id=run.id, phase=phase_name(run.phase), percent=percent)
    return {"id": run.id, "status": run.status, "phase": run.phase, "percent": percent,
            "cancel_requested": run.cancel_requested, "running": run.status == "running", "text": text}


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    if page.page != "dashboard" or page.programme is None:
        return []
    key, viewer = page.programme, page.viewer
    workflow = engine.current_workflow(key)[1]
    if not uses_matching(workflow.document):
        return []  # nothing to run: a programme without matching settings would only get an error
    runs = list_runs(engine, key, viewer)
    newest = max(runs, key=lambda r: (r.created_at, r.id)) if runs else None
    run = get_run(engine, newest.id, viewer) if newest else None
    names = engine.display_names({p for proposal in run.proposals
                                  for p in (proposal.mentee_id, proposal.mentor_id) if p is not None}
                                 | {int(m["person_id"]) for group in run.groups for m in group.members}) if run else {}
    base = f"{page.base_url}/coordinator/{key}/matching"
    status = run_status(newest) if newest is not None and (newest.status == "running" or newest.message) else None
    html = render_template(__package__, "matching_review_panel.html", key=key, run=run, names=names,
                           workflow=workflow, hidden_fields=page.hidden_fields,
                           run_url=f"{base}/run", approve_url=lambda proposal: f"{base}/approve/{proposal}",
                           approve_group_url=lambda group: f"{base}/approve-group/{group}",
                           notices=page.notices_for("matching"), status=status,
                           status_url=f"{base}/runs/{newest.id}/status" if newest else "",
                           cancel_url=f"{base}/runs/{newest.id}/cancel" if newest else "",
                           script_url=f"{page.base_url}/matching/static/matching-progress.js")
    return [Panel(id="matching", title=_("Matching review"), order=50, slot="main", data=run, html=html)]
