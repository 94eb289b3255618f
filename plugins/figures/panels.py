"""The figures plugin's dashboard panels: satisfaction at closure, and the relationships at risk with why."""

from __future__ import annotations

from typing import Any

from mentorflow.engine import Engine
from mentorflow.i18n import _, format_date
from mentorflow.panels import PageContext, Panel, render_template

from .definitions import AGREEMENT_UNANSWERED, FALLING_HEALTH, RISK_KINDS, SILENT

FIGURES = "programme_figures"
"""The name the dashboard holds the answer of ``mentorflow_programme_figures`` under in ``page.cached``."""


def programme_figures(engine: Engine, page: PageContext) -> Any:
    """The programme's figures, once per page (the host asks the hook first; this asks it if the host did not)."""
    key, viewer = page.programme, page.viewer
    return page.cached(FIGURES, lambda: engine.pm.hook.mentorflow_programme_figures(
        engine=engine, programme=key, actor=viewer))


def why(kind: str, risk: Any, role_label: Any) -> str:
    """The reason a relationship is flagged, in words."""
    if kind == SILENT:
        return _("No reflection for two cadences (since {date})").format(date=format_date(risk.since))
    if kind == FALLING_HEALTH:
        return _("Health score fell in the latest reflection")
    if kind == AGREEMENT_UNANSWERED:
        return _("Agreement waiting for the {role}'s signature for over a week").format(
            role=role_label(risk.detail.get("role") or ""))
    return kind


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    if page.page != "dashboard" or page.programme is None:
        return []
    figures = programme_figures(engine, page)
    if figures is None:
        return []
    _version, workflow = engine.current_workflow(page.programme)
    risks = [{"relationship": r.relationship_id, "why": why(r.reason, r, workflow.role_label)}
             for kind in RISK_KINDS for r in figures.at_risk if r.reason == kind]
    totals = {kind: figures.at_risk_total.get(kind, 0) for kind in RISK_KINDS}
    labels = {SILENT: _("No reflection for two cadences"), FALLING_HEALTH: _("Falling health"),
              AGREEMENT_UNANSWERED: _("Agreement unanswered")}
    return [
        Panel(id="satisfaction", title=_("Satisfaction at closure"), order=15, slot="figures", data=figures,
              html=render_template(__package__, "figures_satisfaction_panel.html",
                                   average=figures.average("closure.satisfaction"),
                                   forms=int(figures.value("closure.satisfaction_n")),
                                   pulse=figures.average("pulse.satisfaction"))),
        Panel(id="at-risk", title=_("At risk"), order=30, slot="figures", data=figures.at_risk,
              html=render_template(__package__, "figures_risk_panel.html", risks=risks,
                                   totals=[(labels[k], totals[k]) for k in RISK_KINDS])),
    ]
