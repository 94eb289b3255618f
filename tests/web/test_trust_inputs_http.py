"""Input boundaries and existence oracles over HTTP (issue #21), against a running ``mentorflow serve``.

On SQLite and PostgreSQL (the ``server`` fixture): lone surrogates and hostile names or addresses get a
located problem and nothing is written; a coordinator cannot pair, or learn the name of, a person outside
their programme; matching run and proposal ids answer one 404 to everyone not allowed, whether or not
they exist; private answers carry ``Cache-Control: no-store`` while static assets stay cacheable. On a
demo server (SQLite, where a surrogate could be stored before this fix): a page showing stored bad text
answers 200, never 500.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from mentorflow.db.models import AuditEvent, Person
from mentorflow.engine import Engine
from mentorflow.testing import Factory
from mentorflow.tokens import create_token
from tests.workflows_matching import Cohort

from .conftest import Server, start_server, stop_server
from .test_api import World, is_problem, make_world

_keys = itertools.count()


def send_json(client: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    """``body`` as JSON text with ASCII escapes, so a lone surrogate travels as ``\\ud800`` (as a client sends it)."""
    return client.request(method, path, content=json.dumps(body), headers={"Content-Type": "application/json"})


def people(engine: Engine) -> int:
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(Person.__table__)).scalar_one()


@pytest.fixture
def world(server: Server) -> World:
    return make_world(server)


def test_people_api_refuses_surrogates_hostile_names_and_bad_addresses_at_the_field(server: Server,
                                                                                      world: World) -> None:
    engine = server.engine()
    before = people(engine)
    cases = [({"display_name": "Eve\ud800"}, 400, ["/display_name"]),
             ({"display_name": "Eve", "email": "eve\udfff@example.org"}, 400, ["/email"]),
             ({"display_name": "Eve\u202egnp.exe"}, 422, ["/display_name"]),
             ({"display_name": "\u200b\u200d"}, 422, ["/display_name"]),
             ({"display_name": "Eve\nAdmin"}, 422, ["/display_name"]),
             ({"display_name": "E" * 100_000}, 422, ["/display_name"]),
             ({"display_name": "Eve", "email": "not an address"}, 422, ["/email"]),
             ({"display_name": "\u202e", "email": "eve@"}, 422, ["/display_name", "/email"])]
    with server.client(world.tokens["coordinator"]) as client:
        for body, status, pointers in cases:
            answer = is_problem(send_json(client, "POST", "/api/v1/people", body), status)
            assert [e["pointer"] for e in answer["errors"]] == pointers, answer
            assert all(e["message"] for e in answer["errors"])
        assert people(engine) == before  # nothing partial
        made = send_json(client, "POST", "/api/v1/people",
                         {"display_name": " Zoe\u0308 ", "email": "zoe@Example.ORG"})
        assert made.status_code == 201 and made.json()["display_name"] == "Zoë"
    assert engine.person(made.json()["id"])["email"] == "zoe@example.org"
    engine.db.dispose()


def test_a_note_with_a_lone_surrogate_is_a_400_at_its_pointer_and_nothing_is_written(server: Server,
                                                                                      world: World) -> None:
    path = f"/api/v1/relationships/{world.relationship}"
    with server.client(world.tokens["mentor"]) as client:
        version = client.get(path).json()["version"]
        answer = is_problem(send_json(client, "POST", f"{path}/transitions/pause",
                                      {"data": {"note": "a\ud800b"}, "version": version}), 400)
        assert [e["pointer"] for e in answer["errors"]] == ["/data/note"]
        assert "U+D800" in answer["errors"][0]["message"]
        assert client.get(path).json()["version"] == version
        assert client.get(f"{path}/timeline").status_code == 200
        # The same note as valid text goes through.
        assert send_json(client, "POST", f"{path}/transitions/pause",
                         {"data": {"note": "a\u00f8b"}, "version": version}).status_code == 200


def test_a_coordinator_gets_the_same_404_for_a_stranger_as_for_nobody_and_never_the_name(server: Server,
                                                                                          world: World) -> None:
    stranger = world.people["other_coordinator"]  # coordinates another programme: not enrolled in this one
    answers = []
    with server.client(world.tokens["coordinator"]) as client:
        for mentor in (stranger, 10_000_000):
            response = client.post("/api/v1/relationships", json={"programme": world.key, "mentee_id":
                                                                  world.people["mentee"], "mentor_id": mentor})
            body = is_problem(response, 404)
            answers.append(json.dumps(body).replace(str(mentor), "<id>"))
        assert answers[0] == answers[1] and "Otto" not in answers[0]
        assert client.post("/api/v1/relationships", json={"programme": world.key, "mentee_id": stranger}
                           ).status_code == 404
        # An enrolled mentee may be paired.
        started = client.post("/api/v1/relationships", json={
            "programme": world.key, "mentee_id": world.people["mentee"], "mentor_id": world.people["mentor"]})
        assert started.status_code == 201, started.text


def test_matching_run_and_proposal_ids_answer_one_404_to_those_not_allowed(server: Server) -> None:
    from mentorflow.plugins.matching import api as matching

    engine = server.engine()
    cohort = Cohort(Factory(engine), key=f"match{next(_keys)}")
    cohort.mentor("Ada")
    cohort.mentee("Eva")
    run = matching.run_matching(engine, cohort.key, cohort.coordinator)
    proposal = run.matched[0].id
    other = engine.add_person("Otto")
    engine.publish_workflow(f"{cohort.key}x", {**engine.current_workflow(cohort.key)[1].document})
    engine.grant_role(f"{cohort.key}x", other, "coordinator")
    tokens = {"coordinator": create_token(engine, "c", person_id=cohort.coordinator)[0],
              "other": create_token(engine, "o", person_id=other)[0],
              "mentee": create_token(engine, "m", person_id=cohort.mentee("Finn"))[0]}
    missing_run, missing_proposal = run.run_id + 10_000, proposal + 10_000
    for who in ("other", "mentee"):
        with server.client(tokens[who]) as client:
            for existing, missing, template in ((run.run_id, missing_run, "/api/v1/matching/runs/{}"),
                                                (proposal, missing_proposal, "/api/v1/matching/proposals/{}/approve")):
                method = "GET" if "runs" in template else "POST"
                seen = [client.request(method, template.format(i), json={}) for i in (existing, missing)]
                bodies = [json.dumps(is_problem(r, 404)).replace(str(i), "<id>")
                          for r, i in zip(seen, (existing, missing), strict=True)]
                assert bodies[0] == bodies[1], (who, template)
    with server.client(tokens["other"]) as client:  # no role in the programme: its runs read as a missing one's
        seen = [client.get(f"/api/v1/programmes/{key}/matching/runs") for key in (cohort.key, "no-such-programme")]
        bodies = [json.dumps(is_problem(r, 404)).replace(key, "<key>")
                  for r, key in zip(seen, (cohort.key, "no-such-programme"), strict=True)]
        assert bodies[0] == bodies[1]
    with server.client(tokens["coordinator"]) as client:
        assert client.get(f"/api/v1/programmes/{cohort.key}/matching/runs").status_code == 200
        assert client.get(f"/api/v1/matching/runs/{run.run_id}").status_code == 200
        assert client.get(f"/api/v1/matching/runs/{missing_run}").status_code == 404
        assert client.post(f"/api/v1/matching/proposals/{proposal}/approve", json={}).status_code == 200
    engine.db.dispose()


def test_private_answers_are_never_stored_and_static_assets_stay_cacheable(server: Server, world: World) -> None:
    with server.client(world.tokens["mentee"]) as client:
        for path in ("/api/v1/me", f"/api/v1/relationships/{world.relationship}",
                     f"/api/v1/relationships/{world.relationship}/timeline", "/api/v1/relationships/999999",
                     "/api/v1/people/999999"):
            assert client.get(path).headers.get("Cache-Control") == "no-store", path
    with server.client() as client:
        assert client.get("/api/v1/me").headers.get("Cache-Control") == "no-store"  # 401: no-store as well
        css = client.get("/static/mentorflow.css")
        assert css.status_code == 200 and "no-store" not in css.headers.get("Cache-Control", "")


# -- pages on a demo server (SQLite) -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("inputs-demo")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo")
    yield running
    stop_server(running.process)


def enter_as(server: Server, person_id: int) -> httpx.Client:
    client = server.client(follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert csrf is not None
    assert client.post(f"/demo/enter/{person_id}", data={"csrf": csrf.group(1)}).status_code == 302
    return client


def test_a_page_with_stored_bad_text_still_renders_for_both_participants(demo_server: Server) -> None:
    engine = demo_server.engine()
    rel = next(r for r in engine.list_relationships(limit=50)[0] if r.state == "contracting")
    paused = engine.fire(rel, "pause", rel.mentor_id, {"note": "placeholder"})  # type: ignore[arg-type]
    A = AuditEvent.__table__
    with engine.write() as conn:  # as a note stored on SQLite before the boundaries refused it
        conn.execute(update(A).where(A.c.id == paused.audit_id).values(data={"note": "a\ud800b"}))
    for person in (rel.mentor_id, rel.mentee_id):
        assert person is not None
        client = enter_as(demo_server, person)
        try:
            page = client.get(f"/relationships/{rel.id}")
            assert page.status_code == 200, page.text[:500]
            assert page.headers["Cache-Control"] == "no-store"
            assert client.get("/me").status_code == 200
        finally:
            client.close()
    engine.db.dispose()


def test_the_dashboard_answers_a_foreign_proposal_as_a_missing_one(demo_server: Server) -> None:
    from mentorflow.integrations.web.demo import PROGRAMME
    from mentorflow.plugins.matching import api as matching

    engine = demo_server.engine()
    cohort = Cohort(Factory(engine), key="elsewhere")
    cohort.mentor("Ada")
    cohort.mentee("Eva")
    foreign = matching.run_matching(engine, cohort.key, cohort.coordinator).matched[0].id
    carla = next(p for p in range(1, 50) if "coordinator" in engine.programme_roles(PROGRAMME, p))
    client = enter_as(demo_server, carla)
    try:
        page = client.get(f"/coordinator/{PROGRAMME}").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        flashes = []
        for proposal in (foreign, foreign + 10_000):
            done = client.post(f"/coordinator/{PROGRAMME}/matching/approve/{proposal}", data={"csrf": csrf.group(1)},
                               follow_redirects=True)
            # The answer (a refusal in the matching panel, or the page of a programme without matching) is the
            # same for a foreign proposal as for one that does not exist.
            assert done.status_code in (200, 404), done.status_code
            main = re.search(r"<main[^>]*>(.*)</main>", done.text, re.S)
            assert main is not None, done.text[:300]
            flashes.append((done.status_code, re.sub(r"\b\d+\b", "<n>", main.group(1))))
        assert flashes[0] == flashes[1]
        assert matching.get_proposal(engine, foreign, cohort.coordinator).status == "proposed"
    finally:
        client.close()
    engine.db.dispose()
