"""Page panels (``mentorflow_page_panels``, :mod:`mentorflow.panels`): collected through pluggy from real plugins in
a real engine, sorted, checked, rendered escaped in the page's language; and the built-in dashboard panels."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest
from markupsafe import Markup

from mentorflow import ConfigurationError, Engine, hookimpl
from mentorflow.i18n import set_locale
from mentorflow.panels import PageContext, Panel, page_panels, render_template


def plugin(name: str, panels: Any) -> tuple[str, types.SimpleNamespace]:
    @hookimpl
    def mentorflow_page_panels(engine: Engine, page: PageContext) -> Any:
        return panels(page) if callable(panels) else panels

    return name, types.SimpleNamespace(mentorflow_page_panels=mentorflow_page_panels)


@pytest.fixture
def engine(tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = Engine(f"sqlite:///{tmp_path / 'panels.db'}", plugins=request.param)
    yield engine
    engine.db.dispose()


PAGE = PageContext(page="relationship", viewer=1, locale="en")
"""A page the built-in plugins (loaded from their entry points too) add no panel to without a relationship."""
FIRST = Panel(id="b", title="B", html=Markup("<p>b</p>"), order=10)
SECOND = Panel(id="a", title="A", html=Markup("<p>a</p>"), order=20)
THIRD = Panel(id="c", title="C", html=Markup("<p>c</p>"), order=10)


@pytest.mark.parametrize("engine", [[plugin("one", [SECOND, FIRST]), plugin("two", lambda page: [THIRD])]],
                         indirect=True)
def test_panels_of_every_plugin_come_sorted_by_order_then_id(engine: Engine) -> None:
    assert page_panels(engine, PAGE) == [FIRST, THIRD, SECOND]


@hookimpl(wrapper=True)
def _wrapping(engine: Engine, page: PageContext) -> Any:
    answers = yield
    return [*answers, [Panel(id="z", title="Z", html=Markup(""), order=1)]]


@pytest.mark.parametrize("engine", [[plugin("one", [SECOND]),
                                     ("wrapper", types.SimpleNamespace(mentorflow_page_panels=_wrapping))]],
                         indirect=True)
def test_a_wrapper_sees_and_extends_the_panels(engine: Engine) -> None:
    assert [p.id for p in page_panels(engine, PAGE)] == ["z", "a"]


@pytest.mark.parametrize(("engine", "message"), [
    ([plugin("bad", ["<p>not a panel</p>"])], "not a mentorflow.panels.Panel"),
    ([plugin("bad", [Panel(id="x", title="X", html=Markup(""), slot="sidebar")])], "slot 'sidebar'"),
    ([plugin("one", [SECOND]), plugin("two", [SECOND])], "called 'a'"),
], indirect=["engine"])
def test_a_plugin_mistake_is_a_configuration_error_naming_it(engine: Engine, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        page_panels(engine, PAGE)


@pytest.mark.parametrize("engine", [[plugin("one", [Panel(id="f", title="F", html=Markup(""), slot="figures")])]],
                         indirect=True)
def test_a_relationship_page_has_no_figures_slot(engine: Engine) -> None:
    with pytest.raises(ConfigurationError, match="slot 'figures', which the relationship page"):
        page_panels(engine, PAGE)


def test_render_template_escapes_and_translates_at_render_time() -> None:
    html = render_template("mentorflow.plugins.goals", "goals_attainment_panel.html", chart="<b>x</b>",
                           achieved="<i>1</i>", total=2)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "&lt;i&gt;1&lt;/i&gt; of 2 goals achieved" in html
    set_locale("da")
    try:
        danish = render_template("mentorflow.plugins.goals", "goals_attainment_panel.html", chart="",
                                 achieved=1, total=2)
    finally:
        set_locale("en")
    assert "Ingen mål endnu." in danish


def test_the_built_in_dashboard_panels_come_from_their_plugins(mentorflow_engine: Engine,
                                                               mentorflow_factory: Any) -> None:
    from mentorflow.testing import default_workflow
    from tests.workflows_matching import extend

    plain = mentorflow_factory.programme("plain")
    key = mentorflow_factory.programme("p", extend(default_workflow()))
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=key)
    mentorflow_engine.grant_role(plain, coordinator, "coordinator")

    def dashboard(programme: str) -> list[Any]:
        return page_panels(mentorflow_engine, PageContext(page="dashboard", viewer=coordinator, locale="en",
                                                          programme=programme, hidden_fields=(("csrf", "t0ken"),)))

    # Matching review only for a programme that uses matching (issue #17: the button did nothing useful elsewhere).
    figures = [("health", "figures"), ("satisfaction", "figures"), ("goals", "figures"), ("at-risk", "figures")]
    assert [(p.id, p.slot) for p in dashboard(plain)] == figures
    panels = dashboard(key)
    assert [(p.id, p.slot) for p in panels] == [*figures, ("matching", "main")]
    matching = panels[-1].html
    assert f'action="/coordinator/{key}/matching/run"' in matching and 'name="csrf" value="t0ken"' in matching
