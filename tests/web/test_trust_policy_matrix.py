"""Confidentiality, as one matrix: role × data kind × way of reading, each outcome asserted.

Roles: the mentor, the mentee, a coordinator of a programme without and one
with ``coordinator_sees_content``, a stranger and the system. Data kinds: the
agreement, a goal, a shared and a private reflection, a meeting's shared and
private notes, a pulse answer, a closure form and the data of an audit event
(a pause note). Ways of reading: the plugin's query API, the timeline, the
REST API of a running ``mentorflow serve`` (where the kind is exposed), the
data-subject export of the item's author, and the reader's own export.

Every text carries a unique marker; an outcome is ``full`` (the marker is in
what the reader got), ``hidden`` (the read works, the marker is absent) or
``denied`` (Forbidden, NotFound, HTTP 403/404). The expected outcome comes
from the rules written out below, not from :mod:`mentorflow.policy`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mentorflow import SYSTEM, Engine, Forbidden, ManualClock, NotFound
from mentorflow.gdpr import export_person
from mentorflow.plugins.agreements import api as agreements
from mentorflow.plugins.closure import api as closure
from mentorflow.plugins.goals import api as goals
from mentorflow.plugins.meetings import api as meetings
from mentorflow.plugins.reflections import api as reflections
from mentorflow.tokens import create_token
from tests.trust_world import Cast, drive_everything, fresh_postgres_database, full_workflow, make_cast

from .conftest import Server, start_server, stop_server

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

FULL, HIDDEN, DENIED = "full", "hidden", "denied"
ROLES = ("mentor", "mentee", "coordinator", "coordinator_sees_content", "stranger", "system")
ACTIONS = ("plugin_api", "timeline", "rest_api", "export_of_author", "own_export")


@dataclass(frozen=True)
class Kind:
    marker: str
    author: str
    visibility: dict[str, str | None]
    """Per way of reading: ``pair``, ``private`` or None where the kind is not exposed that way."""
    plugin: str | None


def _kind(author: str, field: str, plugin: str | None, *, api: str | None = "pair", timeline: str = "pair",
          rest: str | None = "pair") -> Kind:
    return Kind(f"SECRET-{author}-{field}", author, {"plugin_api": api, "timeline": timeline, "rest_api": rest,
                                                      "export_of_author": "export", "own_export": "export"}, plugin)


KINDS = {
    "agreement": _kind("mentor", "mentor_expectations", "agreements"),
    "goal": _kind("mentee", "title", "goals"),
    "reflection (shared)": _kind("mentee", "went_well", "reflections"),
    "reflection (private)": _kind("mentee", "private_went_well", "reflections", api="private", timeline="private",
                                  rest="private"),
    # The meeting form carries private notes, so the whole form is private in the audit log.
    "meeting shared notes": _kind("mentor", "shared_notes", "meetings", timeline="private"),
    "meeting private notes": _kind("mentor", "private_notes", "meetings", api="private", timeline="private",
                                   rest="private"),
    "pulse answer": _kind("mentee", "pulse_comment", None, api=None, timeline="private", rest=None),
    "closure form": _kind("mentee", "learned", "closure"),
    "audit data (pause note)": _kind("mentee", "pause_note", None, api=None),
}


def expected(kind: Kind, action: str, role: str) -> str | None:
    """The rules of mentoring practice, written out: who reads what."""
    rule = kind.visibility[action]
    if rule is None or (action == "rest_api" and role == "system") or (action == "own_export" and role == "system"):
        return None  # not a way this kind (or this role) reads
    if action == "export_of_author":
        return FULL if role in (kind.author, "system") else DENIED
    if action == "own_export":
        return FULL if role == kind.author else HIDDEN
    if role == "stranger":
        return DENIED
    if role in ("system", kind.author):
        return FULL
    if rule == "private":
        return HIDDEN
    return FULL if role in ("mentor", "mentee", "coordinator_sees_content") else HIDDEN


@dataclass
class World:
    engine: Engine
    server: Server
    casts: dict[str, Cast]
    """``closed`` (coordinators see metadata) and ``open`` (coordinators see content)."""
    stranger: int
    tokens: dict[int, str]

    def reader(self, role: str) -> tuple[Cast, Any]:
        """The world a role reads (the open programme for its coordinator) and the actor reading."""
        cast = self.casts["open" if role == "coordinator_sees_content" else "closed"]
        actor = {"mentor": cast.mentor, "mentee": cast.mentee, "coordinator": cast.coordinator,
                 "coordinator_sees_content": cast.coordinator, "stranger": self.stranger, "system": SYSTEM}[role]
        return cast, actor


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = fresh_postgres_database("matrix")
    clock = ManualClock()
    engine = Engine(url, clock=clock)
    casts = {}
    for key, sees in (("closed", False), ("open", True)):
        engine.publish_workflow(key, full_workflow(coordinator_sees_content=sees))
        people = {who: (f"{key} {who}", f"{key}.{who}@example.org")
                  for who in ("coordinator", "mentor", "mentee", "other_mentor", "other_mentee")}
        casts[key] = drive_everything(engine, clock, key, make_cast(engine, key, people),
                                      lambda who, field: f"SECRET-{who}-{field}")
    stranger = engine.add_person("Stranger")
    everyone = {stranger, *(p for c in casts.values() for p in (c.mentor, c.mentee, c.coordinator))}
    tokens = {p: create_token(engine, f"t{p}", person_id=p)[0] for p in everyone}
    folder = tmp_path_factory.mktemp("matrix")
    server = start_server(url, folder / "server.log")
    yield World(engine, server, casts, stranger, tokens)
    stop_server(server.process)
    engine.db.dispose()


def _text(value: Any) -> str:
    def plain(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return {f.name: plain(getattr(item, f.name)) for f in dataclasses.fields(item)}
        if isinstance(item, list | tuple):
            return [plain(v) for v in item]
        if isinstance(item, dict):
            return {str(k): plain(v) for k, v in item.items()}
        return item
    return json.dumps(plain(value), default=str, ensure_ascii=False)


def _outcome(kind: Kind, read: Callable[[], str]) -> str:
    try:
        text = read()
    except (Forbidden, NotFound):
        return DENIED
    return FULL if kind.marker in text else HIDDEN


PLUGIN_READS: dict[str, Callable[[Engine, Any, Any], Any]] = {
    "agreements": agreements.agreement_history, "goals": goals.list_goals, "reflections": reflections.reflections,
    "meetings": meetings.meetings, "closure": closure.closure_forms,
}
REST_PATHS = {"agreements": "agreement", "goals": "goals", "reflections": "reflections", "meetings": "meetings",
              "closure": "closure", None: "timeline"}


def read(world: World, kind: Kind, action: str, role: str) -> str:
    cast, actor = world.reader(role)
    rel = cast.main
    assert rel is not None
    author = cast.person(kind.author)
    if action == "plugin_api":
        return _outcome(kind, lambda: _text(PLUGIN_READS[kind.plugin](world.engine, rel, actor)))  # type: ignore[index]
    if action == "timeline":
        return _outcome(kind, lambda: _text(world.engine.timeline(rel, viewer=actor)))
    if action == "export_of_author":
        return _outcome(kind, lambda: _text(export_person(world.engine, author, actor)))
    if action == "own_export":
        return _outcome(kind, lambda: _text(export_person(world.engine, actor, actor)))
    path = f"/api/v1/relationships/{rel.id}/{REST_PATHS[kind.plugin]}"
    response = httpx.get(world.server.url + path, headers={"Authorization": f"Bearer {world.tokens[actor]}"},
                         timeout=15)
    if response.status_code in (403, 404):
        return DENIED
    assert response.status_code == 200, (path, response.text)
    return FULL if kind.marker in response.text else HIDDEN


CASES = [(k, a, r) for k in KINDS for a in ACTIONS for r in ROLES if expected(KINDS[k], a, r) is not None]


def test_the_matrix_covers_every_role_kind_and_way(world: World, artifacts: Path) -> None:
    assert {k for k, _a, _r in CASES} == set(KINDS)
    assert {a for _k, a, _r in CASES} == set(ACTIONS)
    assert {r for _k, _a, r in CASES} == set(ROLES)
    outcomes = []
    for name, action, role in CASES:
        kind = KINDS[name]
        got, want = read(world, kind, action, role), expected(kind, action, role)
        outcomes.append({"kind": name, "action": action, "role": role, "expected": want, "got": got})
    (artifacts / "policy-matrix.json").write_text(json.dumps(outcomes, indent=1))
    wrong = [o for o in outcomes if o["got"] != o["expected"]]
    assert not wrong, f"{len(wrong)} of {len(outcomes)} cells differ:\n" + "\n".join(
        f"  {o['kind']} × {o['action']} × {o['role']}: expected {o['expected']}, got {o['got']}" for o in wrong)
