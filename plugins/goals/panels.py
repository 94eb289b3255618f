"""The goals plugin's page panel: "Goal attainment" on the coordinator dashboard.

With a plugin that keeps the programme figures (``mentorflow_programme_figures``), the panel shows
its goal attainment: goal records and closure forms together (docs/figures.md). Without one, the
goal records alone, counted afresh.
"""

from __future__ import annotations

from markupsafe import Markup

from mentorflow import charts
from mentorflow.engine import Engine
from mentorflow.i18n import _
from mentorflow.panels import PageContext, Panel, render_template

from .api import programme_goal_attainment

FIGURES = "programme_figures"
"""The name the dashboard holds the answer of ``mentorflow_programme_figures`` under in ``page.cached``."""


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    if page.page != "dashboard" or page.programme is None:
        return []
    key, viewer = page.programme, page.viewer
    figures = page.cached(FIGURES, lambda: engine.pm.hook.mentorflow_programme_figures(
        engine=engine, programme=key, actor=viewer))
    if figures is not None:
        counts = {outcome: int(figures.value(f"goals.{outcome}"))
                  for outcome in ("achieved", "partly", "not_attained", "active", "dropped")}
        total = int(figures.value("goals.total"))
        data = {"total": total, **counts}
    else:
        goals = programme_goal_attainment(engine, key, viewer)
        counts = {"achieved": goals.achieved, "partly": 0, "not_attained": 0, "active": goals.active,
                  "dropped": goals.dropped}
        total = goals.total
        data = goals  # type: ignore[assignment]
    bars = [(_("Achieved"), counts["achieved"]), (_("Partly achieved"), counts["partly"]),
            (_("Not attained"), counts["not_attained"]), (_("Active"), counts["active"]),
            (_("Dropped"), counts["dropped"])]
    chart = charts.bar_chart(_("Goal attainment"), [(label, n) for label, n in bars if n or label == _("Achieved")]) \
        if total else ""
    return [Panel(id="goals", title=_("Goal attainment"), order=20, slot="figures", data=data,
                  html=render_template(__package__, "goals_attainment_panel.html", achieved=counts["achieved"],
                                       total=total, chart=Markup(chart)))]
