"""Running Alembic migrations for the core and every plugin that brings tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

CORE_VERSIONS = "mentorflow.db.migrations:versions"


def alembic_config(engine: Engine, extra_locations: Iterable[str] = ()) -> Config:
    """An Alembic config for ``engine`` with the core's and the plugins' version locations."""
    config = Config()
    config.set_main_option("script_location", "mentorflow.db:migrations")
    config.set_main_option("path_separator", "space")
    config.set_main_option("version_locations", " ".join([CORE_VERSIONS, *extra_locations]))
    # ConfigParser interpolates '%'; URLs carry it (sqlite:///:memory: becomes %3A, passwords may too).
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, extra_locations: Iterable[str] = (), revision: str = "heads") -> list[str]:
    """Upgrade the database to ``revision`` (every head by default); returns the revisions now applied."""
    config = alembic_config(engine, extra_locations)
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return applied_tips(engine, extra_locations)


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for migrations to run on, committed at the end.

    On SQLite, foreign keys are switched off for it, as SQLite's own procedure for schema changes says
    (https://www.sqlite.org/lang_altertable.html#otheralter): changing a table's columns rebuilds it, and
    dropping the old copy with foreign keys on would first delete its rows and cascade to every table that
    references it (dropping ``mf_relationships``' two columns would empty the audit log). Before the commit
    ``PRAGMA foreign_key_check`` must find nothing, so a migration cannot leave a dangling reference behind.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Outside any transaction (the pragma is a no-op inside one): nothing has begun on this connection.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if dangling:
                        raise RuntimeError(f"the migration left rows that reference missing rows: {dangling[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def current_revisions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(MigrationContext.configure(connection).get_current_heads())


def applied_tips(engine: Engine, extra_locations: Iterable[str] = ()) -> list[str]:
    """The newest applied revision of every branch (the core's and each plugin's), sorted.

    Alembic's version table holds only heads, and a plugin revision that depends on a core revision
    replaces that core revision there; this names the core's again, so "Database is at revision(s)"
    says where the core stands.
    """
    script = ScriptDirectory.from_config(alembic_config(engine, extra_locations))
    applied: set[str] = set()
    for rev in current_revisions(engine):
        applied |= {r.revision for r in script.iterate_revisions(rev, "base")}
    superseded = {down for rev in applied for down in _as_tuple(script.get_revision(rev).down_revision)}
    return sorted(applied - superseded)


def _as_tuple(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def pending(engine: Engine, extra_locations: Iterable[str] = ()) -> list[str]:
    """Head revisions not yet applied (empty when the database is up to date)."""
    script = ScriptDirectory.from_config(alembic_config(engine, extra_locations))
    current = set(current_revisions(engine))
    applied: set[str] = set()
    for rev in current:
        applied |= {r.revision for r in script.iterate_revisions(rev, "base")}
    return sorted(set(script.get_heads()) - applied)
