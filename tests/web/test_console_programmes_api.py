"""The console's programme actions in the REST API (issue #17), against a real server on SQLite and PostgreSQL.

Create a programme from a template, list its versions, grant and revoke coordinators: each checks that the principal
may (a coordinator of that programme or an administrator; a token limited to another programme is refused), answers
a mistake with problem+json naming each field by JSON pointer, and writes nothing then. The OpenAPI document
describes every route.
"""

from __future__ import annotations

from typing import Any

from mentorflow.testing import Factory
from mentorflow.tokens import create_token
from tests.lifecycle import base_workflow

from .conftest import Server
from .test_api import is_problem

NAMES = {"en": "Mentoring 2027", "da": "Mentorordning 2027"}


def world(server: Server, name: str) -> dict[str, Any]:
    engine = server.engine()
    factory = Factory(engine)
    key = factory.programme(f"prog-{name}", base_workflow())
    other = factory.programme(f"other-{name}", base_workflow())
    carla = factory.person("Carla", role="coordinator", programme=key)
    morten = factory.person("Morten", role="mentor", programme=key)
    otto = factory.person("Otto", role="coordinator", programme=other)
    tokens = {"carla": create_token(engine, "c", person_id=carla)[0],
              "morten": create_token(engine, "m", person_id=morten)[0],
              "otto": create_token(engine, "o", person_id=otto)[0],
              "scoped": create_token(engine, "s", admin=True, programmes=[other])[0],
              "admin": create_token(engine, "a", admin=True)[0]}
    return {"engine": engine, "key": key, "carla": carla, "morten": morten, "otto": otto, "tokens": tokens}


def test_a_programme_from_a_template_over_the_api(server: Server) -> None:
    w = world(server, "create")
    engine, new = w["engine"], "api-created-2027"
    with server.client(w["tokens"]["morten"]) as api:
        assert "first-year-cohort" in {t["name"] for t in api.get("/api/v1/programme-templates").json()["items"]}
        is_problem(api.post("/api/v1/programmes", json={"template": "default", "key": new, "name": NAMES}), 403)
    with server.client(w["tokens"]["carla"]) as api:
        bad = is_problem(api.post("/api/v1/programmes", json={"template": "nope", "key": "Bad Key",
                                                              "name": {"en": ""}, "colour": "red"}), 422)
        assert [e["pointer"] for e in bad["errors"]] == ["/colour"]
        bad = is_problem(api.post("/api/v1/programmes", json={"template": "nope", "key": "Bad Key",
                                                              "name": {"en": ""}}), 422)
        assert [e["pointer"] for e in bad["errors"]] == ["/key", "/name/da", "/name/en", "/template"]
        assert new not in {p["key"] for p in engine.programmes()}
        made = api.post("/api/v1/programmes", json={"template": "professional-circle", "key": new, "name": NAMES})
        assert made.status_code == 201, made.text
        assert made.json()["version"] == 1
        versions = api.get(f"/api/v1/programmes/{new}/versions").json()["items"]
        assert [(v["version"], v["current"]) for v in versions] == [(1, True)]
        assert [c["person_id"] for c in api.get(f"/api/v1/programmes/{new}/coordinators").json()["items"]] == [
            w["carla"]]
    with server.client(w["tokens"]["scoped"]) as api:  # an administrator token limited to another programme
        is_problem(api.post("/api/v1/programmes", json={"template": "default", "key": "scoped-new",
                                                        "name": NAMES}), 403)
        is_problem(api.get(f"/api/v1/programmes/{new}/versions"), 403)
    assert engine.current_workflow(new)[1].programme["name"] == NAMES
    engine.db.dispose()


def test_coordinators_over_the_api(server: Server) -> None:
    w = world(server, "coord")
    key, engine = w["key"], w["engine"]
    for who in ("otto", "morten", "scoped"):
        with server.client(w["tokens"][who]) as api:
            is_problem(api.post(f"/api/v1/programmes/{key}/coordinators", json={"person_id": w["morten"]}), 403)
            is_problem(api.delete(f"/api/v1/programmes/{key}/coordinators/{w['carla']}"), 403)
            is_problem(api.get(f"/api/v1/programmes/{key}/coordinators"), 403)
    with server.client(w["tokens"]["carla"]) as api:
        bad = is_problem(api.post(f"/api/v1/programmes/{key}/coordinators", json={"person_id": "x"}), 422)
        assert [e["pointer"] for e in bad["errors"]] == ["/person_id"]
        is_problem(api.post(f"/api/v1/programmes/{key}/coordinators", json={"person_id": w["otto"]}), 404)
        is_problem(api.delete(f"/api/v1/programmes/{key}/coordinators/{w['carla']}"), 400)  # the last one
        granted = api.post(f"/api/v1/programmes/{key}/coordinators", json={"person_id": w["morten"]})
        assert granted.status_code == 201 and granted.json()["granted"] is True
        again = api.post(f"/api/v1/programmes/{key}/coordinators", json={"person_id": w["morten"]})
        assert again.status_code == 200 and again.json()["granted"] is False
        listed = api.get(f"/api/v1/programmes/{key}/coordinators").json()["items"]
        assert {c["person_id"] for c in listed} == {w["carla"], w["morten"]}
    with server.client(w["tokens"]["admin"]) as api:  # an administrator names anyone
        assert api.post(f"/api/v1/programmes/{key}/coordinators", json={"person_id": w["otto"]}).status_code == 201
    with server.client(w["tokens"]["morten"]) as api:
        assert api.delete(f"/api/v1/programmes/{key}/coordinators/{w['carla']}").status_code == 200
        assert "coordinator" not in engine.programme_roles(key, w["carla"])
        spec = api.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert "post" in paths["/api/v1/programmes"] and "get" in paths["/api/v1/programme-templates"]
    assert "get" in paths["/api/v1/programmes/{key}/versions"]
    assert {"get", "post"} <= set(paths["/api/v1/programmes/{key}/coordinators"])
    assert "delete" in paths["/api/v1/programmes/{key}/coordinators/{person_id}"]
    engine.db.dispose()


def test_enrolment_by_csv_over_the_api(server: Server) -> None:
    w = world(server, "import")
    key, engine = w["key"], w["engine"]
    good = "display_name,email,role\nSofie Dahl,sofie.api@example.org,mentee\nBo Berg,bo.api@example.org,mentor\n"
    bad = good + "Eve,not-an-address,boss\n"
    for who in ("otto", "morten", "scoped"):
        with server.client(w["tokens"][who]) as api:
            is_problem(api.post(f"/api/v1/programmes/{key}/people/import", json={"csv": good}), 403)
            is_problem(api.get(f"/api/v1/programmes/{key}/people"), 403)
    with server.client(w["tokens"]["carla"]) as api:
        refused = is_problem(api.post(f"/api/v1/programmes/{key}/people/import", json={"csv": bad}), 422)
        assert [e["pointer"] for e in refused["errors"]] == ["/rows/4/email", "/rows/4/role"]
        assert refused["errors"][0]["message"].startswith("row 4, column email:")
        is_problem(api.post(f"/api/v1/programmes/{key}/people/import", json={"csv": 7, "dry": 1}), 422)
        assert api.get(f"/api/v1/programmes/{key}/people").json()["total"] == 2  # nobody was enrolled
        preview = api.post(f"/api/v1/programmes/{key}/people/import", json={"csv": good, "dry_run": True}).json()
        assert preview["counts"] == {"new": 2, "enrol": 0, "unchanged": 0}
        assert api.get(f"/api/v1/programmes/{key}/people").json()["total"] == 2
        done = api.post(f"/api/v1/programmes/{key}/people/import", json={"csv": good})
        assert done.status_code == 200 and done.json()["counts"]["new"] == 2
        again = api.post(f"/api/v1/programmes/{key}/people/import", json={"csv": good}).json()
        assert again["counts"] == {"new": 0, "enrol": 0, "unchanged": 2}
        listed = api.get(f"/api/v1/programmes/{key}/people").json()
        assert listed["total"] == 4 and "Sofie Dahl" in {p["display_name"] for p in listed["items"]}
        spec = api.get("/api/v1/openapi.json").json()
    assert "post" in spec["paths"]["/api/v1/programmes/{key}/people/import"]
    assert "get" in spec["paths"]["/api/v1/programmes/{key}/people"]
    engine.db.dispose()


def test_approval_and_invitation_links_over_the_api(server: Server) -> None:
    w = world(server, "invite")
    key, engine = w["key"], w["engine"]
    sofie = Factory(engine).person("Sofie")
    sofie_token = create_token(engine, "sofie", person_id=sofie)[0]
    for who in ("otto", "morten", "scoped"):
        with server.client(w["tokens"][who]) as api:
            is_problem(api.put(f"/api/v1/programmes/{key}/enrolment", json={"approval": True}), 403)
            is_problem(api.post(f"/api/v1/programmes/{key}/invitations", json={"role": "mentee"}), 403)
            is_problem(api.get(f"/api/v1/programmes/{key}/applications"), 403)
    with server.client(w["tokens"]["carla"]) as api:
        bad = is_problem(api.post(f"/api/v1/programmes/{key}/invitations", json={"role": "boss", "days": 0}), 422)
        assert [e["pointer"] for e in bad["errors"]] == ["/days", "/role"]
        assert api.put(f"/api/v1/programmes/{key}/enrolment", json={"approval": True}).json() == {"approval": True}
        made = api.post(f"/api/v1/programmes/{key}/invitations", json={"role": "mentee", "days": 3})
        assert made.status_code == 201 and made.json()["url"].endswith("/join/" + made.json()["secret"])
    secret = made.json()["secret"]
    with server.client(sofie_token) as api:
        is_problem(api.post("/api/v1/invitations/accept", json={"secret": secret + "x"}), 404)
        assert api.post("/api/v1/invitations/accept", json={"secret": secret}).json()["status"] == "pending"
    with server.client(w["tokens"]["carla"]) as api:
        [pending] = api.get(f"/api/v1/programmes/{key}/applications").json()["items"]
        assert pending["person_id"] == sofie
        url = f"/api/v1/programmes/{key}/applications/{pending['id']}/decision"
        refused = is_problem(api.post(url, json={"approve": False}), 422)
        assert [e["pointer"] for e in refused["errors"]] == ["/reason"]
        decided = api.post(url, json={"approve": False, "reason": "The programme is full."})
        assert decided.status_code == 200 and decided.json()["status"] == "declined"
        is_problem(api.post(url, json={"approve": True}), 400)  # decided already
        invitation_id = made.json()["invitation"]["id"]
        assert api.delete(f"/api/v1/programmes/{key}/invitations/{invitation_id}").status_code == 200
        [listed] = api.get(f"/api/v1/programmes/{key}/invitations").json()["items"]
        assert listed["revoked_at"] is not None and listed["uses"] == 1
    with server.client(sofie_token) as api:
        [mine] = api.get("/api/v1/me/applications").json()["items"]
        assert mine["status"] == "declined" and mine["reason"] == "The programme is full."
        is_problem(api.post("/api/v1/invitations/accept", json={"secret": secret}), 404)  # withdrawn
        spec = api.get("/api/v1/openapi.json").json()
    assert engine.programme_roles(key, sofie) == set()
    for path, method in (("/programmes/{key}/enrolment", "put"), ("/programmes/{key}/invitations", "post"),
                         ("/programmes/{key}/invitations/{invitation_id}", "delete"),
                         ("/programmes/{key}/applications/{application_id}/decision", "post"),
                         ("/invitations/accept", "post"), ("/me/applications", "get")):
        assert method in spec["paths"]["/api/v1" + path], path
    engine.db.dispose()
