"""The goals plugin's page panel: "Goal attainment" on the coordinator dashboard."""

from __future__ import annotations

from markupsafe import Markup

from mentorflow import charts
from mentorflow.engine import Engine
from mentorflow.i18n import _
from mentorflow.panels import PageContext, Panel, render_template

from .api import programme_goal_attainment


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    if page.page != "dashboard" or page.programme is None:
        return []
    key, viewer = page.programme, page.viewer
    goals = page.cached("goals.attainment", lambda: programme_goal_attainment(engine, key, viewer))
    chart = charts.bar_chart(_("Goal attainment"), [
        (_("Achieved"), goals.achieved), (_("Active"), goals.active), (_("Dropped"), goals.dropped)]) \
        if goals.total else ""
    return [Panel(id="goals", title=_("Goal attainment"), order=20, slot="figures", data=goals,
                  html=render_template(__package__, "goals_attainment_panel.html", goals=goals,
                                       chart=Markup(chart)))]
