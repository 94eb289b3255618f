"""Creating SQLAlchemy engines: SQLite with WAL and explicit transactions, or any other URL."""

from __future__ import annotations

import os
from importlib.util import find_spec
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.pool import StaticPool

from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _

DATABASE_ENV = "MENTORFLOW_DATABASE_URL"
WRITE_OPTION = "mentorflow_write"
"""Execution option marking a connection that will write: SQLite then takes the write lock up front."""


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` is the database being unreachable or a connection lost, not a bug of the code that ran.

    Plugin code runs SQL on the engine's connections; when the server goes away in the middle, the
    error it raises is the database's, and must reach the caller as such (the web service answers
    503 with Retry-After), not be reported as the plugin's failure (500).
    """
    return isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the one row an INSERT wrote.

    SQLAlchemy types ``inserted_primary_key`` as optional: it is None only for a statement that is not an
    INSERT of one row, which is a bug of the caller, said so here rather than as a ``TypeError`` on ``None[0]``.
    """
    key = result.inserted_primary_key
    if key is None:
        raise TypeError("inserted_id() needs the result of an INSERT of one row")
    return int(key[0])


def default_database_url() -> str:
    """``MENTORFLOW_DATABASE_URL``, else a SQLite file ``mentorflow.db`` in the working directory."""
    return os.environ.get(DATABASE_ENV) or "sqlite:///mentorflow.db"


def _normalise(url: str) -> str:
    # Plain postgresql:// means psycopg 3 when it is installed (the [postgres] extra).
    if url.startswith("postgresql://") and find_spec("psycopg") is not None:
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return _normalise("postgresql://" + url.removeprefix("postgres://"))
    return url


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own
        # transaction handling defers BEGIN and breaks read-then-write atomicity).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # Writers take the lock at BEGIN so guards read what the write will see;
        # readers stay deferred and never block writers under WAL.
        statement = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN"
        if conn.dialect.driver != "pysqlite":
            conn.exec_driver_sql(statement)
            return
        # Straight to the driver: a full SQLAlchemy execution costs more than the
        # BEGIN itself, on every transaction. Errors are wrapped as SQLAlchemy
        # would (a database still locked after busy_timeout raises OperationalError).
        dbapi = conn.dialect.dbapi
        try:
            conn.connection.driver_connection.execute(statement)
        except dbapi.Error as error:
            raise DBAPIError.instance(statement, None, error, dbapi.Error, dialect=conn.dialect) from error


def create_db_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default :func:`default_database_url`), tuned for mentorflow."""
    url = _normalise(url or default_database_url())
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(_("'{url}' is not a database URL (try sqlite:///mentorflow.db)").format(
            url=url)) from None
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if parsed.database in (None, "", ":memory:"):
            options["poolclass"] = StaticPool
    else:
        options["pool_pre_ping"] = True
        options["pool_size"] = int(os.environ.get("MENTORFLOW_DB_POOL_SIZE", "5"))
        options["max_overflow"] = int(os.environ.get("MENTORFLOW_DB_MAX_OVERFLOW", "10"))
    options.update(kwargs)
    try:
        engine = create_engine(parsed, **options)
    except ModuleNotFoundError as error:
        if parsed.get_backend_name() == "postgresql":
            from mentorflow.extras import MissingExtra

            raise MissingExtra("postgres", _("A PostgreSQL database"), [error.name or "psycopg"]) from None
        raise ConfigurationError(_("The database driver for {backend} is not installed ({error}); "
                                   "install mentorflow[postgres] for PostgreSQL").format(
            backend=parsed.get_backend_name(), error=error)) from None
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine
