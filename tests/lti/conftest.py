"""A running ``mentorflow serve`` (real HTTP, SQLite and PostgreSQL) and a test LTI platform on loopback."""

from __future__ import annotations

import copy
import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mentorflow.engine import Engine
from mentorflow.integrations.lti.platforms import register_platform
from tests.conftest import _postgres_database, _truncate
from tests.web.conftest import Server, start_server, stop_server

from .platform import Course, Person, TestPlatform, form_fields

_keys = itertools.count()

TINY: dict[str, Any] = {
    "$schema": "https://mentorflow.dev/schemas/v1/workflow.schema.json",
    "id": "lti-tiny",
    "programme": {"name": {"en": "Peer mentoring", "da": "Peer-mentorordning"}, "context": "university",
                  "settings": {"lti": {}}},
    "states": [{"id": "start", "kind": "initial", "label": {"en": "Start", "da": "Start"}},
               {"id": "working", "kind": "active", "label": {"en": "Working", "da": "I gang"}},
               {"id": "done", "kind": "terminal", "label": {"en": "Done", "da": "Færdig"}}],
    "transitions": [{"id": "begin", "from": "start", "to": "working", "roles": ["mentor", "mentee"],
                     "label": {"en": "Begin", "da": "Begynd"}},
                    {"id": "finish", "from": "working", "to": "done", "roles": ["mentor", "mentee"],
                     "label": {"en": "Finish", "da": "Afslut"}}],
}


def workflow(**lti: Any) -> dict[str, Any]:
    """The tiny workflow with ``settings.lti`` set to ``lti``."""
    document = copy.deepcopy(TINY)
    document["programme"]["settings"]["lti"] = lti
    return document


def unique(prefix: str) -> str:
    return f"{prefix}{next(_keys)}"


@dataclass
class Tool:
    server: Server
    platform: TestPlatform

    @property
    def url(self) -> str:
        return self.server.url

    def engine(self) -> Engine:
        return self.server.engine()

    def programme(self, **lti: Any) -> str:
        key = unique("prog")
        engine = self.engine()
        engine.publish_workflow(key, workflow(**lti))
        engine.db.dispose()
        return key


@pytest.fixture(scope="module")
def platform() -> Iterator[TestPlatform]:
    running = TestPlatform()
    yield running
    running.stop()


def _database(kind: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if kind == "postgresql":
        url = _postgres_database(())
        _truncate(url)
        return url
    from mentorflow.testing import _TEMPLATES, _template

    path = tmp_path_factory.mktemp("lti") / "tool.db"
    shutil.copyfile(_template(tmp_path_factory, (), _TEMPLATES), path)
    return f"sqlite:///{path}"


def start_tool(kind: str, platform: TestPlatform, tmp_path_factory: pytest.TempPathFactory,
               env: dict[str, str] | None = None) -> Iterator[Tool]:
    url = _database(kind, tmp_path_factory)
    server = start_server(url, tmp_path_factory.mktemp("lti-log") / "server.log",
                          # One test module launches well over the per-address sign-in limit in a minute, all
                          # from 127.0.0.1; the limit itself is tested in tests/web/test_trust_sessions.py.
                          env={"MENTORFLOW_LTI_JWKS_REFRESH_SECONDS": "0", "MENTORFLOW_RATE_LIMIT_SIGN_IN": "100000",
                               **(env or {})})
    platform.tool_jwks_url = server.url + "/lti/jwks"
    engine = server.engine()
    register_platform(engine, issuer=platform.url, client_id=platform.client_id, auth_login_url=platform.auth_url,
                      auth_token_url=platform.token_url, jwks_url=platform.jwks_url,
                      deployment_ids=[platform.deployment_id], name="Test Moodle")
    engine.db.dispose()
    yield Tool(server, platform)
    stop_server(server.process)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def tool(request: pytest.FixtureRequest, platform: TestPlatform,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tool]:
    """The tool on both databases (the launch tests)."""
    yield from start_tool(request.param, platform, tmp_path_factory)


@pytest.fixture(scope="module")
def sqlite_tool(platform: TestPlatform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tool]:
    """The tool on SQLite only (service and registration tests, whose database code the launch tests cover)."""
    yield from start_tool("sqlite", platform, tmp_path_factory)


class Browser:
    """A person's browser: keeps the tool's cookies, follows the platform's auto-posting form."""

    def __init__(self, tool: Tool) -> None:
        self.tool = tool
        self.client = tool.server.client(follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def login(self, hint: str, **params: str) -> httpx.Response:
        query = {"iss": self.tool.platform.url, "login_hint": hint, "target_link_uri": self.tool.url + "/lti/launch",
                 "lti_message_hint": "course-7", "client_id": self.tool.platform.client_id,
                 "lti_deployment_id": self.tool.platform.deployment_id, **params}
        return self.client.get("/lti/login", params=query)

    def authorize(self, hint: str) -> tuple[str, dict[str, str]]:
        """Login initiation, then the platform's authentication: the form the platform would auto-post."""
        login = self.login(hint)
        assert login.status_code == 302, login.text
        answer = httpx.get(login.headers["location"], timeout=10)
        assert answer.status_code == 200, answer.text
        return form_fields(answer.text)

    def launch(self, hint: str) -> httpx.Response:
        action, fields = self.authorize(hint)
        assert action == self.tool.url + "/lti/launch"
        return self.client.post(action, data=fields)


@pytest.fixture
def browser(tool: Tool) -> Iterator[Browser]:
    b = Browser(tool)
    yield b
    b.close()


def person(role: str, name: str = "") -> Person:
    sub = unique("u")
    first, last = (name or f"Ann {sub}").split(" ", 1)
    roles = {"Learner": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
             "Instructor": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
             "Administrator": ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
                               "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]}[role]
    return Person(sub=sub.removeprefix("u"), name=f"{first} {last}", email=f"{sub}@example.edu", roles=roles,
                  given_name=first, family_name=last)


def course(platform: TestPlatform, title: str = "Course") -> Course:
    return platform.course(unique("c"), title)


def run_cli(*args: str, env: dict[str, str]) -> Any:
    """``mentorflow ARGS`` in this process (click's runner: the same command objects, without a Python start-up)."""
    from click.testing import CliRunner

    from mentorflow.cli import cli

    return CliRunner().invoke(cli, list(args), env={"MENTORFLOW_LOCALE": "en", **env}, catch_exceptions=False)
