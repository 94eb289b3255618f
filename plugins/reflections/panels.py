"""The reflections plugin's page panel: "Programme health" on the coordinator dashboard."""

from __future__ import annotations

from mentorflow.engine import Engine
from mentorflow.i18n import _
from mentorflow.panels import PageContext, Panel, render_template

from .api import programme_health


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    if page.page != "dashboard" or page.programme is None:
        return []
    key, viewer = page.programme, page.viewer
    health = page.cached("reflections.health", lambda: programme_health(engine, key, viewer))
    return [Panel(id="health", title=_("Programme health"), order=10, slot="figures", data=health,
                  html=render_template(__package__, "reflections_health_panel.html", health=health))]
