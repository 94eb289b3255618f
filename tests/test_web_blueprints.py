"""``mentorflow_web_blueprints``: plugins mount routes on the web service; clashes name the plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint

from mentorflow import ConfigurationError, Engine, NotFound, hookimpl
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.settings import Settings


class Counts:
    """A plugin serving programme counts, with a route that clashes with a built-in one."""

    @hookimpl
    def mentorflow_web_blueprints(self, engine: Engine) -> list[Blueprint]:
        blueprint = Blueprint("counts", __name__)

        @blueprint.get("/counts/<key>")
        def counts(key: str) -> Any:
            return engine.count_relationships(key)

        @blueprint.get("/health")
        def not_the_health_check() -> Any:
            return {"status": "plugin"}

        @blueprint.get("/counts/missing")
        def missing() -> Any:
            raise NotFound("No such thing.")

        return [blueprint]


class SameName:
    @hookimpl
    def mentorflow_web_blueprints(self) -> list[Blueprint]:  # takes no argument: pluggy passes what it names
        return [Blueprint("counts", __name__)]


def app(tmp_path: Path, *plugins: Any) -> Any:
    engine = Engine(f"sqlite:///{tmp_path / 'web.db'}", plugins=list(plugins))
    engine.upgrade_database()
    return create_app(Settings(database_url=engine.db.url.render_as_string(), secret_key="x"), engine)


def test_a_plugin_blueprint_is_served_with_the_services_error_handling(tmp_path: Path) -> None:
    client = app(tmp_path, ("counts", Counts())).test_client()
    assert client.get("/counts/nothing").status_code == 404  # NotFound from the engine: a problem response
    problem = client.get("/counts/missing", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.content_type == "application/problem+json"
    assert problem.json["detail"] == "No such thing."
    page = client.get("/counts/missing", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "No such thing." in page.text
    assert client.get("/health").json["status"] == "ok", "a built-in route wins over a plugin's"
    assert client.get("/counts/missing").headers["X-Content-Type-Options"] == "nosniff"


def test_two_blueprints_with_one_name_are_a_configuration_error_naming_the_plugin(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as clash:
        app(tmp_path, ("counts", Counts()), ("same", SameName()))
    # pluggy calls the plugin registered last first, so "same" got the name and "counts" is refused.
    assert clash.value.message == "Plugin 'counts' registers a web blueprint called 'counts', which same already " \
                                  "registers."
