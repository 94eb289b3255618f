"""What docs/hooks.md says about wrappers holds: where they are supported they work, where not they are refused."""

from __future__ import annotations

from typing import Any, ClassVar

import pluggy
import pytest

from mentorflow import Problem, WorkflowInvalid, hookimpl
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.registry import make_loader
from mentorflow.testing import Factory, default_workflow
from tests.lifecycle import base_workflow


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
    with pytest.raises(pluggy.PluginValidationError, match="historic"):
        build_plugin_manager([("historic", HistoricWrapper())], load_entrypoints=False)
