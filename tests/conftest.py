"""Test configuration: every engine test runs on SQLite and, when a server is available, PostgreSQL.

PostgreSQL tests use ``MENTORFLOW_TEST_POSTGRES_URL`` (a server URL whose
user may create databases, for example
``postgresql://postgres@127.0.0.1:5432/postgres``). Without it they skip
with a message saying so; under CI (``CI=true``) a missing service fails.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mentorflow.db.database import create_db_engine
from mentorflow.engine import Engine

POSTGRES_ENV = "MENTORFLOW_TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REQUIRE_SERVICES = IN_CI or os.environ.get("MENTORFLOW_REQUIRE_SERVICES", "") not in ("", "0")
ARTIFACTS = Path(os.environ.get("MENTORFLOW_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))


def require_service(name: str, how: str) -> None:
    """Skip locally, fail under CI, when a service a test needs is missing."""
    message = f"{name} is not available: {how}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (CI=true or MENTORFLOW_REQUIRE_SERVICES=1: it must be provided)", pytrace=False)
    pytest.skip(message)


def postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        require_service("PostgreSQL", f"set {POSTGRES_ENV}=postgresql://user@127.0.0.1:5432/postgres "
                        "to run these tests")
    return url  # type: ignore[return-value]


_PG_DATABASES: dict[Any, str] = {}


def _postgres_database(plugins: Sequence[Any]) -> str:
    """A migrated database per plugin set on the test server, created once per session."""
    key = tuple(getattr(p, "__name__", repr(p)) for p in plugins)
    if key in _PG_DATABASES:
        return _PG_DATABASES[key]
    server = make_url(postgres_server_url())
    name = f"mentorflow_test_{os.getpid()}_{len(_PG_DATABASES)}"
    admin = create_engine(server.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    engine = Engine(url, plugins=list(plugins))
    engine.upgrade_database()
    engine.db.dispose()
    _PG_DATABASES[key] = url
    return url


def _truncate(url: str) -> None:
    engine = create_db_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def mentorflow_database_url(request: pytest.FixtureRequest, tmp_path: Path,
                            tmp_path_factory: pytest.TempPathFactory, mentorflow_plugins: Sequence[Any]) -> str:
    """Overrides the plugin-author fixture to run on both databases."""
    if request.param == "postgresql":
        url = _postgres_database(mentorflow_plugins)
        _truncate(url)
        return url
    from mentorflow.testing import _TEMPLATES, _template

    path = tmp_path / "mentorflow.db"
    shutil.copyfile(_template(tmp_path_factory, mentorflow_plugins, _TEMPLATES), path)
    return f"sqlite:///{path}"


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A folder for files a test leaves behind on purpose (screenshots, reports)."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    yield folder


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the PostgreSQL databases this session created."""
    if not _PG_DATABASES:
        return
    admin = create_engine(make_url(postgres_server_url()).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for url in _PG_DATABASES.values():
            name = make_url(url).database
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
