"""What docs/hooks.md says about wrappers holds: where they are supported they work, where not they are refused."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, ClassVar

import pytest

from mentorflow import Problem, WorkflowInvalid, hookimpl, hookspecs
from mentorflow.errors import ConfigurationError, PluginError, Veto, Vetoed, WrongState
from mentorflow.pluginmanager import ONE_BY_ONE, build_plugin_manager, plugin_failure
from mentorflow.registry import make_loader
from mentorflow.testing import Factory, default_workflow
from tests.lifecycle import base_workflow

DOCS = (Path(__file__).parent.parent / "docs" / "hooks.md").read_text(encoding="utf-8")


class ExtraCheck:
    """Adds a problem to whatever the other plugins found (a collecting hook's wrapper)."""

    @hookimpl(wrapper=True)
    def mentorflow_check_workflow(self, workflow: Any, document: Any) -> Any:
        results = yield
        return [*results, [Problem("/programme/name", "wrapped")]]


def test_a_wrapper_on_a_collecting_hook_gets_and_returns_the_results() -> None:
    loader = make_loader(build_plugin_manager([("extra", ExtraCheck())]))
    with pytest.raises(WorkflowInvalid) as invalid:
        loader.load(default_workflow())
    assert [p.message for p in invalid.value.problems] == ["wrapped"]


class Around:
    calls: ClassVar[list[str]] = []

    @hookimpl(wrapper=True)
    def mentorflow_before_transition(self, event: Any, connection: Any) -> Any:
        self.calls.append("before")
        result = yield
        self.calls.append("after")
        return result

    @hookimpl
    def mentorflow_apply_transition(self, event: Any, connection: Any) -> None:
        self.calls.append("apply")


@pytest.fixture
def mentorflow_plugins() -> list[Any]:
    return [("around", Around())]


def test_a_wrapper_on_an_event_hook_runs_around_it(mentorflow_factory: Factory) -> None:
    Around.calls.clear()
    mentorflow_factory.programme(document=base_workflow())  # signing needs no proposal in the plain lifecycle
    rel = mentorflow_factory.relationship()
    mentorflow_factory.drive(rel, [("sign_agreement", "mentor", {"accept": True})])
    assert Around.calls == ["before", "after", "apply"]


class HistoricWrapper:
    @hookimpl(wrapper=True)
    def mentorflow_addhooks(self, pluginmanager: Any) -> Any:
        return (yield)


def test_a_wrapper_on_a_historic_hook_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"Plugin 'historic'.*historic"):
        build_plugin_manager([("historic", HistoricWrapper())], load_entrypoints=False)


def _wrapper_plugin(hook: str) -> object:
    """A plugin whose only implementation of ``hook`` is a wrapper taking the hook's arguments."""
    argnames = list(inspect.signature(getattr(hookspecs, hook)).parameters)

    def wrapper(*args: Any) -> Any:
        return (yield)

    wrapper.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in argnames])
    plugin = type("Wrapping", (), {})()
    setattr(plugin, hook, hookimpl(wrapper=True)(wrapper))
    return plugin


HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("mentorflow_"))


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_follows_the_wrapper_rule(hook: str) -> None:
    """Hooks called one implementation at a time (and historic ones) refuse a wrapper at load; the rest accept it."""
    historic = getattr(hookspecs, hook).mentorflow_spec.get("historic", False)
    if hook in ONE_BY_ONE or historic:
        with pytest.raises(ConfigurationError, match=f"Plugin 'wrapping'.*{hook if not historic else 'historic'}"):
            build_plugin_manager([("wrapping", _wrapper_plugin(hook))], load_entrypoints=False)
    else:
        pm = build_plugin_manager([("wrapping", _wrapper_plugin(hook))], load_entrypoints=False)
        assert [i.wrapper for i in getattr(pm.hook, hook).get_hookimpls()] == [True]


@pytest.mark.parametrize("hook", HOOKS)
def test_docs_state_the_wrapper_rule_of_every_hook(hook: str) -> None:
    section = DOCS.split(f"\n## {hook}(")[1].split("\n## ")[0]
    line = next(line for line in section.splitlines() if line.startswith("- **Wrappers:**"))
    refused = hook in ONE_BY_ONE or getattr(hookspecs, hook).mentorflow_spec.get("historic", False)
    assert ("refused" in line or "not allowed" in line) if refused else "supported" in line


class AfterWrapper:
    @hookimpl(wrapper=True)
    def mentorflow_after_transition(self, event: Any, engine: Any) -> Any:
        return (yield)


class GuardsWrapper:
    @hookimpl(wrapper=True)
    def mentorflow_register_guards(self) -> Any:
        return (yield)


@pytest.mark.parametrize("plugin,hook", [(AfterWrapper(), "mentorflow_after_transition"),
                                         (GuardsWrapper(), "mentorflow_register_guards")])
def test_a_wrapper_where_implementations_are_called_one_by_one_is_refused_clearly(plugin: Any, hook: str) -> None:
    # Before: the after_transition wrapper was silently never called, the guards one crashed with AttributeError.
    with pytest.raises(ConfigurationError, match=f"Plugin 'mine' implements {hook} as a wrapper"):
        build_plugin_manager([("mine", plugin)], load_entrypoints=False)


def test_plugin_failure_is_the_one_attribution_rule() -> None:
    from sqlalchemy.exc import OperationalError

    outage = OperationalError("select 1", {}, Exception("server closed the connection"))
    assert plugin_failure("p", "h", outage) is outage
    vetoed = plugin_failure("p", "h", Veto("no"))
    assert isinstance(vetoed, Vetoed) and vetoed.plugin == "p"
    failure = plugin_failure("p", "h", RuntimeError("boom"))
    assert isinstance(failure, PluginError) and failure.hook == "h" and isinstance(failure.__cause__, RuntimeError)
    assert plugin_failure("p", "h", failure) is failure
    refused = WrongState("no")
    assert plugin_failure("p", "h", refused, user_errors=True) is refused
    assert isinstance(plugin_failure("p", "h", refused), PluginError)


class ScorersWrapper:
    @hookimpl(wrapper=True)
    def mentorflow_match_scorers(self) -> Any:
        return (yield)


@pytest.mark.parametrize("first", ["wrapper", "matching"])
def test_a_plugin_hook_called_one_by_one_refuses_wrappers_too(first: str) -> None:
    """The matching plugin names its scorer hooks in its hookspecs' ONE_BY_ONE: a wrapper there is refused clearly,
    whether it is registered before or after the matching plugin brings the hookspecs."""
    wrapper = ("mine", ScorersWrapper())
    matching = "mentorflow.plugins.matching"
    plugins = [wrapper, matching] if first == "wrapper" else [matching, wrapper]
    with pytest.raises(ConfigurationError, match="Plugin 'mine' implements mentorflow_match_scorers as a wrapper"):
        build_plugin_manager(plugins, load_entrypoints=False)
