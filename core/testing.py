"""pytest fixtures for people who write mentorflow plugins (and for mentorflow's own tests).

Registered through the ``pytest11`` entry point, so installing mentorflow
makes them available in any test suite:

``mentorflow_clock``
    a :class:`~mentorflow.ManualClock` you move with ``advance(days=14)``.
``mentorflow_plugins``
    override to return the plugin modules/objects your test engine loads.
``mentorflow_database_url``
    a fresh, migrated SQLite file per test (override for PostgreSQL).
``mentorflow_engine``
    an :class:`~mentorflow.Engine` on that database with that clock and plugins.
``mentorflow_factory``
    a :class:`Factory` making programmes, people and relationships, and
    driving a relationship through a path of transitions.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from mentorflow.clock import ManualClock
from mentorflow.engine import Engine
from mentorflow.schemas import template_paths
from mentorflow.snapshots import RelationshipSnapshot

Step = tuple[str, int] | tuple[str, int, Mapping[str, Any]]


def default_workflow() -> dict[str, Any]:
    """A fresh copy of the built-in default lifecycle document."""
    return json.loads(template_paths()["default"].read_text("utf-8"))


class Factory:
    """Makes programmes, people and relationships on an engine, with sensible defaults."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._people = 0

    def programme(self, key: str = "programme", document: Mapping[str, Any] | None = None) -> str:
        """Publish ``document`` (default: the built-in lifecycle) as programme ``key``."""
        self.engine.publish_workflow(key, dict(document) if document is not None else default_workflow())
        return key

    def person(self, name: str | None = None, *, role: str | None = None, programme: str | None = None,
               **kwargs: Any) -> int:
        """A person; with ``role`` and ``programme``, also given that programme role."""
        self._people += 1
        person_id = self.engine.add_person(name or f"Person {self._people}", **kwargs)
        if role and programme:
            self.engine.grant_role(programme, person_id, role)
        return person_id

    def relationship(self, programme: str = "programme", *, mentor: int | None = None, mentee: int | None = None
                     ) -> RelationshipSnapshot:
        """A relationship in the initial state; makes the programme and the people when not given."""
        try:
            self.engine.current_workflow(programme)
        except Exception:
            self.programme(programme)
        mentor = mentor if mentor is not None else self.person("Mentor", role="mentor", programme=programme)
        mentee = mentee if mentee is not None else self.person("Mentee", role="mentee", programme=programme)
        return self.engine.start_relationship(programme, mentee=mentee, mentor=mentor)

    def drive(self, relationship: RelationshipSnapshot, path: Iterable[Step]) -> RelationshipSnapshot:
        """Fire each ``(transition, actor[, data])`` in turn; returns the final snapshot."""
        for step in path:
            transition, actor = step[0], step[1]
            data = step[2] if len(step) > 2 else None  # type: ignore[misc]
            relationship = self.engine.fire(relationship, transition, actor, data).relationship
        return relationship


def _template(tmp_path_factory: pytest.TempPathFactory, plugins: Sequence[Any], cache: dict[Any, Path]) -> Path:
    """A migrated SQLite file per plugin set, copied for each test (migrating every time is slow)."""
    key = tuple(getattr(p, "__name__", repr(p)) for p in plugins)
    if key not in cache:
        path = tmp_path_factory.mktemp("mentorflow-template") / "template.db"
        engine = Engine(f"sqlite:///{path}", plugins=list(plugins))
        engine.upgrade_database()
        engine.db.dispose()  # closing the last connection checkpoints the WAL into the file we copy
        cache[key] = path
    return cache[key]


_TEMPLATES: dict[Any, Path] = {}


@pytest.fixture
def mentorflow_clock() -> ManualClock:
    """A clock that stands still until the test moves it."""
    return ManualClock()


@pytest.fixture
def mentorflow_plugins() -> Sequence[Any]:
    """Extra plugins for the test engine (entry-point plugins are always loaded). Override me."""
    return ()


@pytest.fixture
def mentorflow_database_url(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
                            mentorflow_plugins: Sequence[Any]) -> str:
    """A migrated SQLite database of its own for each test."""
    path = tmp_path / "mentorflow.db"
    shutil.copyfile(_template(tmp_path_factory, mentorflow_plugins, _TEMPLATES), path)
    return f"sqlite:///{path}"


@pytest.fixture
def mentorflow_engine(mentorflow_database_url: str, mentorflow_clock: ManualClock,
                      mentorflow_plugins: Sequence[Any]) -> Iterator[Engine]:
    """An engine on the test database, with the movable clock and the test's plugins."""
    engine = Engine(mentorflow_database_url, clock=mentorflow_clock, plugins=list(mentorflow_plugins))
    yield engine
    engine.db.dispose()


@pytest.fixture
def mentorflow_factory(mentorflow_engine: Engine) -> Factory:
    """Factories for programmes, people and relationships on ``mentorflow_engine``."""
    return Factory(mentorflow_engine)
