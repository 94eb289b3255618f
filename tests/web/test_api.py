"""The REST API through a real HTTP client against a running server."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mentorflow.engine import Engine
from mentorflow.tokens import create_token, revoke_token
from tests.lifecycle import base_workflow

from .conftest import Server

_keys = itertools.count()


@dataclass
class World:
    """A programme with a coordinator, a pair, an outsider and tokens for each."""

    key: str
    relationship: int
    people: dict[str, int]
    tokens: dict[str, str]


def make_world(server: Server) -> World:
    engine = server.engine()
    key = f"prog{next(_keys)}"
    engine.publish_workflow(key, base_workflow())
    people = {role: engine.add_person(name) for role, name in (
        ("coordinator", "Carla"), ("mentor", "Morten"), ("mentee", "Mia"), ("outsider", "Olga"),
        ("other_coordinator", "Otto"))}
    engine.grant_role(key, people["coordinator"], "coordinator")
    other = f"{key}x"
    engine.publish_workflow(other, base_workflow())
    engine.grant_role(other, people["other_coordinator"], "coordinator")
    rel = engine.start_relationship(key, mentee=people["mentee"], mentor=people["mentor"])
    tokens = {role: create_token(engine, role, person_id=pid)[0] for role, pid in people.items()}
    tokens["admin"] = create_token(engine, "admin", admin=True)[0]
    tokens["scoped_admin"] = create_token(engine, "scoped", admin=True, programmes=[other])[0]
    engine.db.dispose()
    return World(key, rel.id, people, tokens)


@pytest.fixture
def world(server: Server) -> World:
    return make_world(server)


def is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_health_and_openapi_cover_every_route(server: Server) -> None:
    with server.client() as client:
        assert client.get("/health").json()["status"] == "ok"
        spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    from mentorflow.integrations.web import create_app
    from mentorflow.integrations.web.settings import load_settings

    app = create_app(load_settings(database_url="sqlite://"), engine=Engine("sqlite://"))
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", "{" + arg + "}").replace(f"<{arg}>", "{" + arg + "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} is missing from openapi.json"


def test_no_credentials_or_a_bad_token_is_401_problem(server: Server, world: World) -> None:
    with server.client() as client:
        is_problem(client.get("/api/v1/relationships"), 401)
    with server.client("mf_nope_nope") as client:
        is_problem(client.get("/api/v1/relationships"), 401)
    engine = server.engine()
    secret, info = create_token(engine, "short-lived", person_id=world.people["mentee"])
    revoke_token(engine, info.id)
    with server.client(secret) as client:
        assert "revoked" in is_problem(client.get("/api/v1/me"), 401)["detail"]


def test_participants_fire_transitions_over_http(server: Server, world: World) -> None:
    rid = world.relationship
    with server.client(world.tokens["mentor"]) as mentor, server.client(world.tokens["mentee"]) as mentee:
        body = mentee.get(f"/api/v1/relationships/{rid}").json()
        assert body["state"] == "contracting" and body["mentor"]["display_name"] == "Morten"
        assert {n["transition"] for n in body["next"]} >= {"sign_agreement", "agree"}
        fired = mentor.post(f"/api/v1/relationships/{rid}/transitions/sign_agreement",
                            json={"data": {"accept": True}, "version": body["version"]})
        assert fired.status_code == 200, fired.text
        assert fired.json()["version"] == 2
        blocked = mentee.post(f"/api/v1/relationships/{rid}/transitions/agree", json={})
        assert "fired_by_roles" in is_problem(blocked, 409)["detail"]
        stale = mentee.post(f"/api/v1/relationships/{rid}/transitions/sign_agreement",
                            json={"data": {"accept": True}, "version": 1})
        assert is_problem(stale, 409)["type"].endswith("/conflict")
        bad = mentee.post(f"/api/v1/relationships/{rid}/transitions/sign_agreement", json={"data": {"accept": 1}})
        assert [e["pointer"] for e in is_problem(bad, 422)["errors"]] == ["/accept"]
        is_problem(mentee.post(f"/api/v1/relationships/{rid}/transitions/teleport", json={}), 404)
        is_problem(mentee.post(f"/api/v1/relationships/{rid}/transitions/close", json={}), 409)
        not_json = mentee.post(f"/api/v1/relationships/{rid}/transitions/agree", content=b"{oops",
                               headers={"content-type": "application/json"})
        is_problem(not_json, 400)
        assert mentee.post(f"/api/v1/relationships/{rid}/transitions/sign_agreement",
                           json={"data": {"accept": True}}).json()["version"] == 3
        assert mentee.post(f"/api/v1/relationships/{rid}/transitions/agree", json={}).json()["state"] == "goal_setting"
        timeline = mentee.get(f"/api/v1/relationships/{rid}/timeline").json()["items"]
    assert [e["transition"] for e in timeline] == ["start", "sign_agreement", "sign_agreement", "agree"]


def test_coordinators_see_metadata_but_not_content(server: Server, world: World) -> None:
    rid = world.relationship
    with server.client(world.tokens["mentor"]) as mentor:
        mentor.post(f"/api/v1/relationships/{rid}/transitions/sign_agreement",
                    json={"data": {"accept": True, "comment": "happy to help"}})
    with server.client(world.tokens["coordinator"]) as coordinator:
        entries = coordinator.get(f"/api/v1/relationships/{rid}/timeline").json()["items"]
        assert entries[-1]["transition"] == "sign_agreement" and entries[-1]["data"] is None
        counts = coordinator.get(f"/api/v1/programmes/{world.key}").json()["relationships_per_state"]
        assert counts == {"contracting": 1}
    with server.client(world.tokens["admin"]) as admin:
        assert admin.get(f"/api/v1/relationships/{rid}/timeline").json()["items"][-1]["data"] is None
    with server.client(world.tokens["mentee"]) as mentee:
        assert mentee.get(f"/api/v1/relationships/{rid}/timeline").json()["items"][-1]["data"]["comment"] == (
            "happy to help")


def test_pagination(server: Server, world: World) -> None:
    engine = server.engine()
    for n in range(5):
        engine.start_relationship(world.key, mentee=engine.add_person(f"Mentee {n}"), mentor=world.people["mentor"])
    with server.client(world.tokens["coordinator"]) as client:
        first = client.get("/api/v1/relationships", params={"programme": world.key, "per_page": 4}).json()
        second = client.get("/api/v1/relationships", params={"programme": world.key, "per_page": 4,
                                                               "page": 2}).json()
        assert first["total"] == second["total"] == 6 and first["pages"] == 2
        assert len(first["items"]) == 4 and len(second["items"]) == 2
        assert not {r["id"] for r in first["items"]} & {r["id"] for r in second["items"]}
        is_problem(client.get("/api/v1/relationships", params={"per_page": 0}), 400)
        is_problem(client.get("/api/v1/relationships", params={"page": "x"}), 400)
    with server.client(world.tokens["mentor"]) as client:
        mine = client.get("/api/v1/relationships", params={"programme": world.key}).json()
        assert mine["total"] == 6  # the mentor of all of them


def test_admin_publishes_workflows_with_located_errors(server: Server, world: World) -> None:
    document = base_workflow()
    with server.client(world.tokens["admin"]) as admin:
        created = admin.put(f"/api/v1/programmes/{world.key}new/workflow", json=document)
        assert created.status_code == 201 and created.json()["version"] == 1
        same = admin.put(f"/api/v1/programmes/{world.key}new/workflow", json=document)
        assert same.status_code == 200 and not same.json()["created"]
        document["states"][0]["kind"] = "sleeping"
        problem = is_problem(admin.put(f"/api/v1/programmes/{world.key}new/workflow", json=document), 422)
        assert "/states/0/kind" in [e["pointer"] for e in problem["errors"]]
        reserved = base_workflow()
        reserved["transitions"][3]["id"] = "start"  # the engine's own creation event: refused, nothing stored
        problem = is_problem(admin.put(f"/api/v1/programmes/{world.key}reserved/workflow", json=reserved), 422)
        assert [(e["pointer"], "'start' is reserved" in e["message"]) for e in problem["errors"]] == [
            ("/transitions/3/id", True)]
        is_problem(admin.get(f"/api/v1/programmes/{world.key}reserved/workflow"), 404)
    with server.client(world.tokens["coordinator"]) as coordinator:
        is_problem(coordinator.put(f"/api/v1/programmes/{world.key}brandnew/workflow", json=base_workflow()),
                   403)
        diagram = coordinator.get(f"/api/v1/programmes/{world.key}/diagram", params={"format": "dot"}).json()
        assert diagram["diagram"].startswith("digraph")


# The authorisation matrix: every endpoint × every role, with the status each must get.
# 'rel' is the world's relationship; the outsider has no role anywhere near it.
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("GET", "/api/v1/me", None, {"*": 200}),
    ("GET", "/api/v1/programmes", None, {"*": 200}),
    ("GET", "/api/v1/programmes/{key}", None,
     {"coordinator": 200, "admin": 200, "mentor": 404, "mentee": 404, "outsider": 404, "other_coordinator": 404,
      "scoped_admin": 403}),
    ("GET", "/api/v1/programmes/{key}/workflow", None,
     {"coordinator": 200, "admin": 200, "outsider": 404, "mentor": 404, "mentee": 404, "other_coordinator": 404,
      "scoped_admin": 403}),
    ("PUT", "/api/v1/programmes/{key}/workflow", "workflow",
     {"coordinator": 200, "admin": 200, "mentor": 403, "mentee": 403, "outsider": 403, "other_coordinator": 403,
      "scoped_admin": 403}),
    ("GET", "/api/v1/programmes/{key}/diagram", None,
     {"coordinator": 200, "admin": 200, "mentor": 404, "mentee": 404, "outsider": 404, "other_coordinator": 404,
      "scoped_admin": 403}),
    ("POST", "/api/v1/programmes/{key}/roles", "role",
     {"coordinator": 201, "admin": 201, "mentor": 403, "mentee": 403, "outsider": 403, "other_coordinator": 403,
      "scoped_admin": 403}),
    ("POST", "/api/v1/people", {"display_name": "New Person"},
     {"coordinator": 201, "admin": 201, "scoped_admin": 201, "other_coordinator": 201, "mentor": 403,
      "mentee": 403, "outsider": 403}),
    # The scoped administrator's token is limited to another programme: the mentee is no business of it (#21).
    ("GET", "/api/v1/people/{mentee}", None,
     {"coordinator": 200, "admin": 200, "scoped_admin": 404, "mentor": 200, "mentee": 200, "outsider": 404,
      "other_coordinator": 404}),
    ("GET", "/api/v1/relationships", None,
     {"coordinator": 200, "admin": 200, "mentor": 200, "mentee": 200, "outsider": 200, "other_coordinator": 200,
      "scoped_admin": 400}),
    ("POST", "/api/v1/relationships", "start",
     {"coordinator": 201, "admin": 201, "mentor": 403, "mentee": 403, "outsider": 403, "other_coordinator": 403,
      "scoped_admin": 403}),
    ("GET", "/api/v1/relationships/{rel}", None,
     {"coordinator": 200, "admin": 200, "mentor": 200, "mentee": 200, "outsider": 404, "other_coordinator": 404,
      "scoped_admin": 404}),
    ("GET", "/api/v1/relationships/{rel}/transitions", None,
     {"coordinator": 200, "admin": 200, "mentor": 200, "mentee": 200, "outsider": 404, "other_coordinator": 404,
      "scoped_admin": 404}),
    ("POST", "/api/v1/relationships/{rel}/transitions/pause", {"data": {}},
     {"coordinator": 200, "admin": 403, "mentor": 200, "mentee": 200, "outsider": 404, "other_coordinator": 404,
      "scoped_admin": 404}),
    ("GET", "/api/v1/relationships/{rel}/timeline", None,
     {"coordinator": 200, "admin": 200, "mentor": 200, "mentee": 200, "outsider": 404, "other_coordinator": 404,
      "scoped_admin": 404}),
]
MATRIX += [
    ("GET", "/api/v1/people/{outsider}/export", None,
     {"coordinator": 404, "admin": 200, "mentor": 404, "mentee": 404, "outsider": 200, "other_coordinator": 404,
      "scoped_admin": 404}),
    ("GET", "/api/v1/people/{coordinator}/export", None,
     {"coordinator": 200, "admin": 200, "mentor": 404, "mentee": 404, "outsider": 404, "other_coordinator": 404,
      "scoped_admin": 404}),
    ("POST", "/api/v1/people/{outsider}/erase", None,
     {"coordinator": 403, "admin": 200, "mentor": 403, "mentee": 403, "outsider": 403, "other_coordinator": 403,
      "scoped_admin": 403}),
]
ROLES = ["coordinator", "mentor", "mentee", "outsider", "other_coordinator", "admin", "scoped_admin"]


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_authorisation_matrix(server: Server, world: World, method: str, path: str, body: Any,
                              expected: dict[str, int]) -> None:
    for role in ROLES:
        # Writes that change what the next role would see get a fresh world; the others are repeatable.
        local = make_world(server) if ("/transitions/" in path or path.endswith("/erase")) else world
        url = path.format(key=local.key, rel=local.relationship, **local.people)
        payload = {"workflow": base_workflow(),
                   "role": {"person_id": local.people["outsider"], "role": "mentor"},
                   "start": {"programme": local.key, "mentee_id": local.people["mentee"],  # enrolled (#21)
                             "mentor_id": local.people["mentor"]}}.get(body, body) if isinstance(body, str) else body
        with server.client(local.tokens[role]) as client:
            response = client.request(method, url, json=payload)
        want = expected.get(role, expected.get("*"))
        assert response.status_code == want, f"{role}: {method} {url} -> {response.status_code} {response.text}"
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")


def test_next_step_is_the_cards_with_grouped_actions_and_stays_private(server: Server, world: World) -> None:
    """``GET /relationships/{id}/next-step`` (#16): the same next step as the pages, in the request's language."""
    path = f"/api/v1/relationships/{world.relationship}/next-step"
    with server.client(world.tokens["mentee"]) as client:
        body = client.get(path).json()
        danish = client.get(path, headers={"Accept-Language": "da"}).json()
    assert body["relationship_id"] == world.relationship and body["text"]
    assert body["groups"] and all(a["group"] == g["id"] for g in body["groups"] for a in g["actions"])
    assert all(a["reasons"] for g in body["groups"] for a in g["actions"] if not a["enabled"])
    assert danish["text"] != body["text"] and danish["groups"][0]["title"] != body["groups"][0]["title"]
    with server.client(world.tokens["outsider"]) as client:
        is_problem(client.get(path), 404)
    with server.client(world.tokens["mentee"]) as client:
        spec = client.get("/api/v1/openapi.json").json()
    documented = spec["paths"]["/api/v1/relationships/{relationship_id}/next-step"]["get"]
    assert "primary" in documented["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
