"""The matching plugin's page panel: "Matching review" on the coordinator dashboard (always fresh, never cached).

Its buttons post to the plugin's own page routes (:mod:`.web`), with the host's hidden fields (CSRF).
"""

from __future__ import annotations

from mentorflow.engine import Engine
from mentorflow.i18n import _
from mentorflow.panels import PageContext, Panel, render_template

from .api import get_run, list_runs


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    if page.page != "dashboard" or page.programme is None:
        return []
    key, viewer = page.programme, page.viewer
    runs = list_runs(engine, key, viewer)
    run = get_run(engine, max(runs, key=lambda r: (r.created_at, r.id)).id, viewer) if runs else None
    names = engine.display_names({p for proposal in run.proposals
                                  for p in (proposal.mentee_id, proposal.mentor_id) if p is not None}) if run else {}
    base = f"{page.base_url}/coordinator/{key}/matching"
    html = render_template(__package__, "matching_review_panel.html", key=key, run=run, names=names,
                           workflow=engine.current_workflow(key)[1], hidden_fields=page.hidden_fields,
                           run_url=f"{base}/run", approve_url=lambda proposal: f"{base}/approve/{proposal}")
    return [Panel(id="matching", title=_("Matching review"), order=50, slot="main", data=run, html=html)]
