"""The reflections plugin's page panel: "Programme health" on the coordinator dashboard.

With a plugin that keeps the programme figures (``mentorflow_programme_figures``) the panel reads
them (docs/figures.md); without one it computes :func:`.api.programme_health` afresh.
"""

from __future__ import annotations

from types import SimpleNamespace

from mentorflow.engine import Engine
from mentorflow.i18n import _
from mentorflow.panels import PageContext, Panel, render_template

from .api import programme_health

FIGURES = "programme_figures"
"""The name the dashboard holds the answer of ``mentorflow_programme_figures`` under in ``page.cached``."""


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    if page.page != "dashboard" or page.programme is None:
        return []
    key, viewer = page.programme, page.viewer
    figures = page.cached(FIGURES, lambda: engine.pm.hook.mentorflow_programme_figures(
        engine=engine, programme=key, actor=viewer))
    if figures is not None:
        on_time, late = figures.value("reflections.on_time"), figures.value("reflections.late")
        duties = on_time + late + figures.overdue_total
        health = SimpleNamespace(regularity=round(on_time / duties, 4) if duties else None,
                                 reflections=int(figures.value("reflections.count")),
                                 average_health=figures.average("reflections.health"))
    else:
        health = programme_health(engine, key, viewer)  # type: ignore[assignment]
    return [Panel(id="health", title=_("Programme health"), order=10, slot="figures", data=health,
                  html=render_template(__package__, "reflections_health_panel.html", health=health))]
