"""A web worker compiles the workflows in use and its templates when it starts (mentorflow.integrations.web.warmup)."""

from __future__ import annotations

import logging

import pytest

from mentorflow import Engine
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.settings import load_settings
from mentorflow.integrations.web.warmup import warm
from mentorflow.testing import Factory
from tests.lifecycle import base_workflow


def test_warm_compiles_current_and_pinned_workflow_versions_and_every_template(mentorflow_engine: Engine) -> None:
    factory = Factory(mentorflow_engine)
    factory.programme("old", base_workflow())
    pinned = factory.relationship("old")  # keeps version 1 in use after the programme moves on
    changed = base_workflow()
    changed["programme"]["name"] = {"en": "Renamed", "da": "Omdøbt"}
    second = mentorflow_engine.publish_workflow("old", changed)
    app = create_app(load_settings(database_url="sqlite://", secret_key="x", worker=False), engine=mentorflow_engine)
    mentorflow_engine._workflows.clear()  # as in a freshly forked worker
    compiled: list[str] = []
    app.jinja_env.get_template = lambda name, *a, **k: compiled.append(name)  # type: ignore[method-assign]

    warm(app)

    assert {pinned.workflow_version_id, second.workflow_version_id} <= set(mentorflow_engine._workflows)
    assert "relationship.html" in compiled and "_relationship_panel.html" in compiled


def test_warm_never_stops_a_worker_from_booting(caplog: pytest.LogCaptureFixture) -> None:
    engine = Engine("sqlite://")  # reachable, but no tables: the workflow query fails
    app = create_app(load_settings(database_url="sqlite://", secret_key="x", worker=False), engine=engine)
    with caplog.at_level(logging.WARNING, logger="mentorflow.web"):
        warm(app)
    assert "warm-up skipped the workflows" in caplog.text
