"""The privacy switch and programme owners over HTTP (issue #21), on SQLite and PostgreSQL.

A coordinator's ``PUT /programmes/{key}/workflow`` that lets coordinators
read pair content is refused with a 403 problem naming the setting's
pointer; an administrator's is accepted; it never opens what was written
before; and nobody publishes over an Open edX course's programme through
the API except an administrator.
"""

from __future__ import annotations

from typing import Any

import pytest

from mentorflow.policy import Publisher, course_owner
from tests.lifecycle import base_workflow

from .conftest import Server
from .test_api import World, is_problem, make_world

POINTER = "/programme/settings/privacy/coordinator_sees_content"


@pytest.fixture
def world(server: Server) -> World:
    return make_world(server)


def opened() -> dict[str, Any]:
    document = base_workflow()
    document["programme"].setdefault("settings", {})["privacy"] = {"coordinator_sees_content": True}
    return document


def comments(server: Server, token: str, relationship: int) -> list[Any]:
    with server.client(token) as client:
        answer = client.get(f"/api/v1/relationships/{relationship}/timeline")
    assert answer.status_code == 200, answer.text
    return [(e.get("data") or {}).get("comment") for e in answer.json()["items"] if e["transition"] == "sign_agreement"]


def test_only_an_administrator_turns_coordinator_access_on_and_it_is_never_retroactive(server: Server,
                                                                                       world: World) -> None:
    path = f"/api/v1/programmes/{world.key}/workflow"
    with server.client(world.tokens["mentee"]) as mentee:
        signed = mentee.post(f"/api/v1/relationships/{world.relationship}/transitions/sign_agreement",
                             json={"data": {"accept": True, "comment": "written while off"}})
        assert signed.status_code == 200, signed.text
    with server.client(world.tokens["coordinator"]) as coordinator:
        before = coordinator.get(path).json()["workflow_version_id"]
        problem = is_problem(coordinator.put(path, json=opened()), 403)
        assert [e["pointer"] for e in problem["errors"]] == [POINTER]
        assert problem["type"].endswith("/forbidden")
        assert coordinator.get(path).json()["workflow_version_id"] == before  # nothing written
    with server.client(world.tokens["admin"]) as admin:
        assert admin.put(path, json=opened()).status_code == 201
    # Written while the setting was off: still hidden from the coordinator.
    assert comments(server, world.tokens["coordinator"], world.relationship) == [None]
    assert comments(server, world.tokens["mentor"], world.relationship) == ["written while off"]
    # A relationship on the version with the setting on: the coordinator reads it.
    engine = server.engine()
    engine.grant_role(world.key, world.people["outsider"], "mentee")  # a coordinator pairs only enrolled people
    new = engine.start_relationship(world.key, mentee=world.people["outsider"], mentor=world.people["mentor"],
                                    actor=world.people["coordinator"])
    engine.db.dispose()
    with server.client(world.tokens["mentor"]) as mentor:
        assert mentor.post(f"/api/v1/relationships/{new.id}/transitions/sign_agreement",
                           json={"data": {"accept": True, "comment": "written while on"}}).status_code == 200
    assert comments(server, world.tokens["coordinator"], new.id) == ["written while on"]


def test_an_open_edx_courses_programme_is_not_published_through_the_api(server: Server, world: World) -> None:
    engine = server.engine()
    key = f"{world.key}-course"
    engine.publish_workflow(key, base_workflow(), publisher=Publisher(course_owner("course-v1:Uni+Bio+2026")))
    engine.grant_role(key, world.people["coordinator"], "coordinator")  # e.g. course staff with an API token
    engine.db.dispose()
    changed = base_workflow()
    changed["programme"]["name"]["en"] = "Replaced"
    with server.client(world.tokens["coordinator"]) as coordinator:
        problem = is_problem(coordinator.put(f"/api/v1/programmes/{key}/workflow", json=changed), 403)
        assert [e["pointer"] for e in problem["errors"]] == [""]
        assert "openedx:course-v1:Uni+Bio+2026" in problem["errors"][0]["message"]
    with server.client(world.tokens["admin"]) as admin:
        assert admin.put(f"/api/v1/programmes/{key}/workflow", json=changed).status_code == 201
