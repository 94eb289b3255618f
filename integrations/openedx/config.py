"""Server-wide configuration of the XBlock (the ``settings`` service) and the engine it embeds.

Operators set ``XBLOCK_SETTINGS["MentorflowXBlock"]`` in the LMS and Studio
settings (in Tutor through a plugin patch); nothing here ever comes from an
XBlock field, which course authors can edit and which travel with course
exports. Example::

    XBLOCK_SETTINGS["MentorflowXBlock"] = {
        "DATABASE_URL": "postgresql://mentorflow:secret@db:5432/mentorflow",
        "DASHBOARD_URL": "https://mentoring.example.edu",
        "SITE_NAME": "learn.example.edu",
    }
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from mentorflow.db.database import create_db_engine
from mentorflow.engine import Engine
from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _
from mentorflow.schemas import template_paths

BUCKET = "MentorflowXBlock"
"""The ``XBLOCK_SETTINGS`` key (the block class's name, as the settings service expects)."""
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Config:
    """The settings bucket, parsed; every key is optional."""

    database_url: str | None = None
    """Where the engine keeps its data (``DATABASE_URL``); without it the block explains it is not set up."""
    dashboard_url: str | None = None
    """The web service's base URL (``DASHBOARD_URL``), for the coordinator dashboard link."""
    site: str | None = None
    """Names this Open edX in external ids, ``openedx:<site>`` (``SITE_NAME``; else Django's ``LMS_BASE``)."""
    auto_migrate: bool = False
    """Create or upgrade the engine's tables on first use (``AUTO_MIGRATE``); else run ``mentorflow db upgrade``."""
    default_template: str = "default"
    """The programme template a new block starts with (``DEFAULT_TEMPLATE``)."""
    extra_templates: Mapping[str, str] = field(default_factory=dict)
    """More templates authors may choose: name -> path of a workflow JSON file (``EXTRA_TEMPLATES``)."""
    workbench_staff: frozenset[str] = frozenset()
    """xblock-sdk workbench user ids treated as course staff (``WORKBENCH_STAFF``): the workbench has no roles."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds before a database connection or statement gives up (``TIMEOUT``)."""

    @classmethod
    def from_bucket(cls, bucket: Mapping[str, Any] | None) -> Config:
        bucket = bucket or {}
        extra = bucket.get("EXTRA_TEMPLATES") or {}
        if not isinstance(extra, Mapping):
            raise ConfigurationError(_("XBLOCK_SETTINGS['{bucket}']['EXTRA_TEMPLATES'] must map names to "
                                       "workflow JSON files.").format(bucket=BUCKET))
        return cls(database_url=bucket.get("DATABASE_URL") or None, dashboard_url=bucket.get("DASHBOARD_URL") or None,
                   site=bucket.get("SITE_NAME") or None, auto_migrate=bool(bucket.get("AUTO_MIGRATE", False)),
                   default_template=bucket.get("DEFAULT_TEMPLATE") or "default",
                   extra_templates={str(k): str(v) for k, v in extra.items()},
                   workbench_staff=frozenset(str(u) for u in bucket.get("WORKBENCH_STAFF") or ()),
                   timeout=float(bucket.get("TIMEOUT") or DEFAULT_TIMEOUT))

    def templates(self) -> dict[str, str]:
        """Template names authors may choose, with where each comes from (built-in or a server file)."""
        names = {name: "built-in" for name in template_paths()}
        names.update({name: path for name, path in self.extra_templates.items()})
        return names

    def template_document(self, name: str) -> dict[str, Any]:
        """The workflow document of template ``name`` (a server file shadows a built-in of the same name)."""
        if name in self.extra_templates:
            return json.loads(Path(self.extra_templates[name]).read_text("utf-8"))
        builtin = template_paths().get(name)
        if builtin is None:
            raise ConfigurationError(_("There is no programme template called '{name}'.").format(name=name))
        return json.loads(builtin.read_text("utf-8"))


_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def engine_for(config: Config) -> Engine:
    """The engine on the configured database: one per process and URL, created on first use.

    Creating an engine loads every plugin, so LMS workers keep it. Database
    connections time out after ``config.timeout`` seconds, so a database that
    does not answer cannot hold an LMS worker.
    """
    if not config.database_url:
        raise ConfigurationError(_("Mentoring is not set up on this site yet: the server's XBLOCK_SETTINGS have no "
                                   "DATABASE_URL for {bucket}.").format(bucket=BUCKET))
    with _LOCK:
        engine = _ENGINES.get(config.database_url)
        if engine is None:
            engine = Engine(db=_database(config.database_url, config.timeout))
            if config.auto_migrate:
                engine.upgrade_database()
            _ENGINES[config.database_url] = engine
        return engine


def _database(url: str, timeout: float) -> Any:
    backend = make_url(url.replace("postgres://", "postgresql://", 1)).get_backend_name()
    if backend == "sqlite":
        return create_db_engine(url)  # a local file: SQLite's own busy timeout applies
    options: dict[str, Any] = {"pool_timeout": timeout}
    if backend == "postgresql":
        options["connect_args"] = {"connect_timeout": max(1, int(timeout)),
                                   "options": f"-c statement_timeout={int(timeout * 1000)}"}
    return create_db_engine(url, **options)


def forget_engines() -> None:
    """Dispose of the cached engines (tests, and settings reloads)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.db.dispose()
        _ENGINES.clear()
