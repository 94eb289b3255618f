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

:class:`RecordingChannel` is a notification channel (and a plugin) that
keeps what it is sent, for asserting on notifications.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mentorflow.actors import SYSTEM, Actor
from mentorflow.clock import ManualClock
from mentorflow.db.models import Programme
from mentorflow.engine import Engine
from mentorflow.hookspecs import hookimpl
from mentorflow.notifications import ChannelContext, Message
from mentorflow.schemas import template_paths
from mentorflow.snapshots import RelationshipSnapshot

ActorRef = Actor | int | str
"""A person id, an :class:`~mentorflow.Actor`, or a role name: ``mentor``, ``mentee``, ``coordinator``, ``system``."""
Step = tuple[str, ActorRef] | tuple[str, ActorRef, Mapping[str, Any] | None]


def default_workflow() -> dict[str, Any]:
    """A fresh copy of the built-in default template: the full lifecycle with every lifecycle plugin's steps."""
    document: dict[str, Any] = json.loads(template_paths()["default"].read_text("utf-8"))
    return document


def lifecycle_workflow() -> dict[str, Any]:
    """A fresh copy of the plain lifecycle the templates are built on (``schemas/lifecycle.json``).

    Its states, transitions, timers and forms carry no plugin's effects, guards or settings: extend it with
    your own plugin's additions to test that plugin alone.
    """
    document: dict[str, Any] = json.loads(files("mentorflow.schemas").joinpath("lifecycle.json").read_text("utf-8"))
    return document


class Factory:
    """Makes programmes, people and relationships on an engine, with sensible defaults."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._people = 0
        self._coordinators: dict[int, int] = {}

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

    def coordinator(self, programme: str = "programme") -> int:
        """A coordinator of ``programme``: made on the first call, the same person afterwards."""
        programme_id = self.engine.programme_id(programme)
        if programme_id not in self._coordinators:
            self._coordinators[programme_id] = self.person("Coordinator", role="coordinator", programme=programme)
        return self._coordinators[programme_id]

    def actor(self, relationship: RelationshipSnapshot, who: ActorRef) -> Actor | int:
        """``who`` as the engine takes it: role names are resolved against the relationship."""
        if not isinstance(who, str):
            return who
        if who == "system":
            return SYSTEM
        if who in ("mentor", "mentee", "facilitator", "peer"):
            # The first member in the role (a group's mentees: name one by id to act as another).
            people = relationship.people(who)
            if not people:
                raise ValueError(f"relationship {relationship.id} has no {who}")
            return people[0]
        if who == "coordinator":
            P = Programme.__table__
            with self.engine.read() as conn:
                key = conn.execute(select(P.c.key).where(P.c.id == relationship.programme_id)).scalar_one()
            return self.coordinator(key)
        raise ValueError(f"{who!r} is not a person id or one of mentor, mentee, facilitator, peer, coordinator, "
                         "system")

    def drive(self, relationship: RelationshipSnapshot, path: Iterable[Step]) -> RelationshipSnapshot:
        """Fire each ``(transition, actor[, data])`` in turn; returns the final snapshot.

        ``actor`` is a person id or a role name (``"mentor"``, ``"mentee"``,
        ``"coordinator"``, ``"system"``). Each step passes the snapshot the
        previous one returned, so a step that fails raises right there.
        """
        for step in path:
            transition, who = step[0], step[1]
            data = step[2] if len(step) > 2 else None
            actor = self.actor(relationship, who)
            relationship = self.engine.fire(relationship, transition, actor, data).relationship
        return relationship


class RecordingChannel:
    """A notification channel that keeps every message it is sent (``messages``), for tests.

    It is also a plugin: return it from ``mentorflow_plugins`` (as
    ``("recorder", channel)``) and the test engine offers it under ``name``.
    """

    def __init__(self, name: str = "test") -> None:
        self.name = name
        self.messages: list[Message] = []

    def send(self, message: Message, ctx: ChannelContext) -> None:
        self.messages.append(message)

    @hookimpl
    def mentorflow_notification_channels(self) -> list[RecordingChannel]:
        return [self]


def plugin_key(plugins: Sequence[Any]) -> tuple[str, ...]:
    """Names for a plugin set that stay the same across tests (objects are new in every test)."""
    def one(plugin: Any) -> str:
        if isinstance(plugin, tuple):
            return f"{plugin[0]}={one(plugin[1])}"
        return plugin if isinstance(plugin, str) else getattr(plugin, "__name__", None) or type(plugin).__qualname__

    return tuple(one(p) for p in plugins)


def _template(tmp_path_factory: pytest.TempPathFactory, plugins: Sequence[Any], cache: dict[Any, Path]) -> Path:
    """A migrated SQLite file per plugin set, copied for each test (migrating every time is slow)."""
    key = plugin_key(plugins)
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
