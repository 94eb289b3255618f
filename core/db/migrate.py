"""Running Alembic migrations for the core and every plugin that brings tables."""

from __future__ import annotations

from collections.abc import Iterable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

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
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revisions(engine)


def current_revisions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(MigrationContext.configure(connection).get_current_heads())


def pending(engine: Engine, extra_locations: Iterable[str] = ()) -> list[str]:
    """Head revisions not yet applied (empty when the database is up to date)."""
    script = ScriptDirectory.from_config(alembic_config(engine, extra_locations))
    current = set(current_revisions(engine))
    applied: set[str] = set()
    for rev in current:
        applied |= {r.revision for r in script.iterate_revisions(rev, "base")}
    return sorted(set(script.get_heads()) - applied)
