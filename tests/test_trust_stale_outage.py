"""A database outage is always the database's error, never a plugin's (issue #21), in-process and over HTTP.

The outage is real: the backends of a database created for the test are
terminated with ``pg_terminate_backend`` from a separate admin connection,
at a chosen moment of the transition, so the next statement on the engine's
connection finds the server gone.

- inside a guard, an effect, a ``before``/``apply`` hook or a notification channel: the engine raises the
  database's ``OperationalError`` (it used to be a :class:`PluginError`, a 500), nothing is written;
- inside an ``after`` hook: the transition has committed; ``fire`` returns it and the outage is logged;
- over HTTP (a real ``mentorflow serve`` with a probe plugin installed as an entry point): an outage in
  a hook is a 503 problem+json with Retry-After (was a 500), and backends terminated after the answer
  was built (the shared read connection then fails to close) still give the client the committed
  answer (gunicorn used to answer an HTML 500 for a transition that had committed).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from mentorflow import (
    ChannelContext,
    EffectContext,
    Engine,
    GuardContext,
    Message,
    PluginError,
    TransitionEvent,
    effect,
    guard,
    hookimpl,
)
from mentorflow.db.models import AuditEvent
from mentorflow.tokens import create_token
from tests.conftest import postgres_server_url
from tests.trust_world import fresh_postgres_database, full_workflow
from tests.web.conftest import Server, start_server, stop_server

pytestmark = pytest.mark.postgres
A = AuditEvent.__table__
TERMINATE = text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db "
                 "AND pid <> pg_backend_pid()")


def _labels(value: str) -> dict[str, str]:
    return {"en": value, "da": value}


WORKFLOW: dict[str, Any] = {
    "id": "outage",
    "programme": {"name": _labels("Outage"), "context": "other"},
    "states": [{"id": "active", "kind": "initial", "label": _labels("Active")},
               {"id": "closed", "kind": "terminal", "label": _labels("Closed")}],
    "transitions": [
        {"id": "plain", "from": "active", "roles": ["mentor"], "label": _labels("Plain")},
        {"id": "guarded", "from": "active", "roles": ["mentor"], "guards": [{"name": "outage.guard"}],
         "label": _labels("Guarded")},
        {"id": "effected", "from": "active", "roles": ["mentor"], "effects": [{"name": "outage.effect"}],
         "label": _labels("With an effect")},
        {"id": "close", "from": "active", "to": "closed", "roles": ["mentor"], "label": _labels("Close")},
    ],
}


class Outage:
    """A plugin that terminates every backend of its database at ``where``, then runs a statement there."""

    def __init__(self, admin: SAEngine, database: str) -> None:
        self.admin, self.database = admin, database
        self.where: str | None = None

    def strike(self, where: str, conn: Any) -> None:
        if self.where != where:
            return
        with self.admin.connect() as admin:
            admin.execute(TERMINATE, {"db": self.database})
        conn.exec_driver_sql("SELECT 1")  # the server has closed this connection

    @hookimpl
    def mentorflow_register_guards(self) -> list[Any]:
        @guard("outage.guard", description="Reads the database (and finds it gone when told to).")
        def check(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
            self.strike("guard", ctx.connection)
            return None

        return [check]

    @hookimpl
    def mentorflow_register_effects(self) -> list[Any]:
        @effect("outage.effect", description="Writes to the database (and finds it gone when told to).")
        def apply(ctx: EffectContext, params: Mapping[str, Any]) -> None:
            self.strike("effect", ctx.connection)

        return [apply]

    @hookimpl
    def mentorflow_before_transition(self, event: TransitionEvent, connection: Any) -> None:
        self.strike("before", connection)

    @hookimpl
    def mentorflow_apply_transition(self, event: TransitionEvent, connection: Any) -> None:
        self.strike("apply", connection)

    @hookimpl
    def mentorflow_notification_channels(self) -> list[Any]:
        return [OutboxChannel(self)]

    @hookimpl
    def mentorflow_after_transition(self, event: TransitionEvent, engine: Engine) -> None:
        if self.where == "after":
            with engine.read() as conn:
                self.strike("after", conn)


class OutboxChannel:
    """A notification channel that writes to the database (an outbox), which is gone when told to be."""

    name = "outbox"

    def __init__(self, outage: Outage) -> None:
        self.outage = outage

    def send(self, message: Any, ctx: ChannelContext) -> None:
        with ctx.engine.write() as conn:
            self.outage.strike("channel", conn)


@pytest.fixture(scope="module")
def database() -> str:
    return fresh_postgres_database("outage")


@pytest.fixture
def admin() -> Iterator[SAEngine]:
    engine = create_engine(make_url(postgres_server_url()).set(drivername="postgresql+psycopg"),
                           isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def world(database: str, admin: SAEngine) -> Iterator[tuple[Engine, Outage, Any, int]]:
    outage = Outage(admin, make_url(database).database or "")
    engine = Engine(database, plugins=[("outage", outage)])
    key = f"outage-{id(outage)}"
    engine.publish_workflow(key, WORKFLOW)
    mentor, mentee = engine.add_person("Morten"), engine.add_person("Mia")
    rel = engine.start_relationship(key, mentee=mentee, mentor=mentor)
    yield engine, outage, rel, mentor
    engine.db.dispose()


@pytest.mark.parametrize(("where", "transition"), [("guard", "guarded"), ("effect", "effected"),
                                                   ("before", "plain"), ("apply", "plain")])
def test_an_outage_inside_plugin_code_is_the_databases_error(world: tuple[Engine, Outage, Any, int], where: str,
                                                              transition: str) -> None:
    engine, outage, rel, mentor = world
    outage.where = where
    with pytest.raises(OperationalError) as raised:
        engine.fire(rel, transition, mentor)
    assert not isinstance(raised.value, PluginError)
    outage.where = None
    stored = engine.get(rel.id)  # the pool pings, finds the connection dead and opens a new one
    assert stored.version == rel.version
    with engine.read() as conn:
        assert conn.execute(select(func.count()).select_from(A).where(A.c.relationship_id == rel.id)).scalar() == 1
    assert engine.fire(stored, transition, mentor).relationship.version == rel.version + 1  # and it recovers


def test_an_outage_in_a_notification_channel_is_the_databases_error(world: tuple[Engine, Outage, Any, int]
                                                                     ) -> None:
    engine, outage, _rel, _mentor = world
    outage.where = "channel"
    with pytest.raises(OperationalError):
        engine.notify(Message(1, None, "en", "hello", "body"), channels=("log", "outbox"))


def test_an_outage_in_an_after_hook_leaves_the_committed_transition(world: tuple[Engine, Outage, Any, int]) -> None:
    engine, outage, rel, mentor = world
    outage.where = "after"
    result = engine.fire(rel, "plain", mentor)
    outage.where = None
    assert result.relationship.version == rel.version + 1
    assert isinstance(engine.after_hook_errors[-1], OperationalError)
    assert engine.get(rel.id).version == rel.version + 1


# -- over HTTP: a real server with the probe installed as an entry-point plugin ---------------------------------------

PROBE = '''
"""Terminates the backends of the server's database at a moment the request asks for (a test probe)."""
import os

from flask import Blueprint, request
from sqlalchemy import create_engine, text

from mentorflow import hookimpl

_ADMIN = []
TERMINATE = text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db "
                 "AND pid <> pg_backend_pid()")


def terminate(database):
    if not _ADMIN:
        _ADMIN.append(create_engine(os.environ["MF_PROBE_ADMIN_URL"], isolation_level="AUTOCOMMIT"))
    with _ADMIN[0].connect() as conn:
        conn.execute(TERMINATE, {"db": database})


@hookimpl
def mentorflow_before_transition(event, connection):
    if (event.data or {}).get("note") == "outage-in-hook":
        terminate(connection.engine.url.database)
        connection.exec_driver_sql("SELECT 1")


@hookimpl
def mentorflow_web_blueprints(engine):
    blueprint = Blueprint("outage_probe", __name__)

    @blueprint.after_app_request
    def after(response):
        if request.headers.get("X-Outage-Probe") == "after-answer":
            terminate(engine.db.url.database)
        return response

    return [blueprint]
'''


def _install_probe(site: Path) -> None:
    site.mkdir()
    (site / "mf_outage_probe.py").write_text(textwrap.dedent(PROBE))
    dist = site / "mf_outage_probe-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mf-outage-probe\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[mentorflow]\noutage_probe = mf_outage_probe\n")


@pytest.fixture(scope="module")
def probe_server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, int]]:
    """A real server with the probe plugin, and a mentor's token and relationship on it."""
    folder = tmp_path_factory.mktemp("outage")
    engine = Engine(database)
    engine.publish_workflow("outage-http", full_workflow())
    token, relationships = "", []
    for n in range(2):
        mentor, mentee = engine.add_person(f"Morten {n}"), engine.add_person(f"Mia {n}")
        relationships.append(engine.start_relationship("outage-http", mentee=mentee, mentor=mentor).id)
        engine.grant_role("outage-http", mentor, "mentor")
    token = create_token(engine, "outage", person_id=mentor)[0]
    engine.db.dispose()
    _install_probe(folder / "site")
    admin_url = make_url(postgres_server_url()).set(drivername="postgresql+psycopg").render_as_string(
        hide_password=False)
    server = start_server(database, folder / "server.log",
                          env={"PYTHONPATH": str(folder / "site"), "MF_PROBE_ADMIN_URL": admin_url})
    yield server, token, relationships[-1]
    stop_server(server.process)


@pytest.mark.slow
def test_an_outage_in_a_hook_over_http_is_a_503(probe_server: tuple[Server, str, int]) -> None:
    server, token, rel = probe_server
    path = f"/api/v1/relationships/{rel}"
    with server.client(token) as http:
        version = http.get(path).json()["version"]
        down = http.post(f"{path}/transitions/pause", json={"version": version, "data": {"note": "outage-in-hook"}})
        assert down.status_code == 503, (down.status_code, down.text[:300])
        assert down.headers["content-type"].startswith("application/problem+json")
        assert down.json()["type"].endswith("/database-unavailable") and down.headers.get("Retry-After")
        assert http.get(path).json()["version"] == version  # nothing written, and the server serves again
    assert "database unavailable" in server.log.read_text(errors="replace")


@pytest.mark.slow
def test_backends_terminated_after_the_answer_leave_the_committed_answer(probe_server: tuple[Server, str, int]
                                                                         ) -> None:
    server, token, rel = probe_server
    path = f"/api/v1/relationships/{rel}"
    with server.client(token) as http:
        current = http.get(path).json()
        # The transition commits and its answer is built; then the backends go, and the request's shared
        # read connection fails to close after Flask is done: the client must still get the answer.
        done = http.post(f"{path}/transitions/log_meeting", headers={"X-Outage-Probe": "after-answer"},
                         json={"version": current["version"], "data": {"date": "2026-01-05",
                                                                       "duration_minutes": 30, "format": "video"}})
        assert done.status_code == 200, (done.status_code, done.text[:300])
        assert done.json()["version"] == current["version"] + 1
        after = http.get(path)
        assert after.status_code == 200 and after.json()["version"] == current["version"] + 1
    assert "closing the shared read connection failed" in server.log.read_text(errors="replace")
