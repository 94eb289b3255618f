"""The web service's edges (issue #21): redirects, CSV cells, people behind programme-limited tokens, framing.

- ``?next=`` only ever leads to a path on this site: tab, CR/LF, backslashes, ``//host``, ``https:host`` and
  lookalike characters fall back to ``/`` (over real HTTP, gunicorn, both databases), never a 500.
- Every CSV export neutralises cells a spreadsheet would run as a formula; numbers stay numbers.
- A token limited to one programme learns nothing about people outside it (404 like a missing id).
- Pages may be framed only by registered platforms and configured origins; the API never.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from mentorflow.engine import Engine
from mentorflow.errors import ConfigurationError
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.auth import safe_next
from mentorflow.integrations.web.sessions import cookie_data
from mentorflow.integrations.web.settings import load_settings
from mentorflow.testing import Factory
from mentorflow.tokens import create_token
from tests.lifecycle import base_workflow

from .conftest import Server

HOSTILE_NEXT = [
    "/\t/evil.example/", "/\r\n/evil.example/", "/\r/evil.example", "/\n/evil.example", "\\\\evil.example",
    "/\\evil.example", "\\/evil.example", "https:evil.example", "https://evil.example/", "//evil.example",
    "///evil.example", "%2F%2Fevil.example", " //evil.example", "/ /evil.example", "javascript:alert(1)",
    "\uff0f\uff0fevil.example", "/\u200b/evil.example", "/\u202e/evil.example", "/\x00", "evil.example",
    "data:text/html,<script>alert(1)</script>", "/\u3000/evil.example", "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_safe_next_refuses_every_way_out_of_the_site(target: str) -> None:
    assert safe_next(target) == "/"


def test_safe_next_keeps_paths_of_the_site() -> None:
    assert safe_next("/coordinator/p1?state=open") == "/coordinator/p1?state=open"
    assert safe_next("/relationships/4#timeline") == "/relationships/4#timeline"
    # A lookalike dot or slash is percent-encoded: it stays part of the path.
    assert safe_next("/\u3002evil.example") == "/%E3%80%82evil.example"
    assert safe_next("/\u2215\u2215evil.example") == "/%E2%88%95%E2%88%95evil.example"


def test_the_language_switch_never_redirects_off_site(server: Server) -> None:
    """Over real HTTP: the raw query strings of the issue, and the rest of the list percent-encoded."""
    with server.client(follow_redirects=False) as client:
        for raw in ("next=%2F%09%2Fevil.example%2F", "next=%2F%0D%0ASet-Cookie:%20x=1", "next=%0A",
                    "next=%2F%5Cevil.example", "next=%252F%252Fevil.example"):
            answer = client.get("/lang/en?" + raw)
            assert answer.status_code == 302, (raw, answer.text)
            assert answer.headers["location"] == "/", raw
            assert "x=1" not in answer.headers.get("set-cookie", "")
        for target in HOSTILE_NEXT:
            answer = client.get("/lang/da", params={"next": target})
            assert answer.status_code == 302 and answer.headers["location"] == "/", target
        kept = client.get("/lang/da", params={"next": "/me"})
        assert kept.status_code == 302 and kept.headers["location"] == "/me"


FORMULAS = ['=HYPERLINK("https://evil.example","Click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3"]


def _client(engine: Engine, person: int | None = None, **settings: Any) -> Any:
    app = create_app(load_settings(database_url=str(engine.db.url), secret_key="t", worker=False, **settings),
                     engine=engine)
    client = app.test_client()
    if person is not None:
        with client.session_transaction() as session:
            session.update(cookie_data(engine, person))  # a session the server holds
    return client


def test_dashboard_csv_export_neutralises_formulas(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    programme = mentorflow_factory.programme("csv", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    mentor = mentorflow_factory.person(FORMULAS[0], role="mentor", programme=programme)
    for name in FORMULAS[1:]:
        mentorflow_factory.relationship(programme, mentor=mentor, mentee=mentorflow_factory.person(name))
    answer = _client(mentorflow_engine, coordinator).get(f"/coordinator/{programme}/export.csv")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert {r["mentee"] for r in rows} == {"'" + name for name in FORMULAS[1:]}
    assert {r["mentor"] for r in rows} == {"'" + FORMULAS[0]}
    for row in rows:
        assert row["relationship"].isdigit() and row["version"].isdigit()  # numbers stay numbers
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())


@pytest.fixture
def two_programmes(mentorflow_engine: Engine, mentorflow_factory: Factory) -> dict[str, Any]:
    f = mentorflow_factory
    ours, theirs = f.programme("ours", base_workflow()), f.programme("theirs", base_workflow())
    people = {"coordinator": f.person("Olga Ours", role="coordinator", programme=ours, email="olga@example.org"),
              "mentor": f.person("Ole Ours", role="mentor", programme=ours, email="ole@example.org"),
              "mentee": f.person("Oda Ours", email="oda@example.org"),
              "stranger": f.person("Tom Theirs", role="mentee", programme=theirs, email="tom@example.org"),
              "their_mentor": f.person("Tim Theirs", role="mentor", programme=theirs, email="tim@example.org"),
              "nobody": f.person("Nora Nowhere", email="nora@example.org")}
    f.relationship(ours, mentor=people["mentor"], mentee=people["mentee"])  # Oda is ours through a relationship
    f.relationship(theirs, mentor=people["their_mentor"], mentee=people["stranger"])
    # Ole also mentors Tom in the other programme: a token for "ours" must not reach Tom through that.
    f.relationship(theirs, mentor=people["mentor"], mentee=people["stranger"])
    admin, _info = create_token(mentorflow_engine, "scoped admin", admin=True, programmes=[ours])
    mentor_token, _info = create_token(mentorflow_engine, "scoped mentor", person_id=people["mentor"],
                                       programmes=[ours])
    return {"people": people, "admin": admin, "mentor": mentor_token, "ours": ours}


def test_a_programme_limited_token_reads_only_people_of_its_programme(mentorflow_engine: Engine,
                                                                      two_programmes: dict[str, Any]) -> None:
    people = two_programmes["people"]
    client = _client(mentorflow_engine)
    admin = {"Authorization": f"Bearer {two_programmes['admin']}"}
    for who in ("coordinator", "mentor", "mentee"):
        answer = client.get(f"/api/v1/people/{people[who]}", headers=admin)
        assert answer.status_code == 200 and answer.get_json()["email"].endswith("@example.org")
    missing = client.get("/api/v1/people/999999", headers=admin)
    assert missing.status_code == 404
    for who in ("stranger", "their_mentor", "nobody"):
        answer = client.get(f"/api/v1/people/{people[who]}", headers=admin)
        # "Not visible" is exactly "does not exist": status, problem type and wording (but for the id).
        assert answer.status_code == 404, who
        body = answer.get_json()
        assert body["type"] == missing.get_json()["type"] and "@" not in answer.get_data(as_text=True)
        assert body["detail"] == missing.get_json()["detail"].replace("999999", str(people[who]))
        # The export and acting as someone answer the same for them.
        assert client.get(f"/api/v1/people/{people[who]}/export", headers=admin).status_code == 404
        acting = client.get("/api/v1/me", headers={**admin, "X-Mentorflow-Act-As": str(people[who])})
        assert acting.status_code == 404 and "Theirs" not in acting.get_data(as_text=True)
    assert client.get("/api/v1/people/999999/export", headers=admin).status_code == 404
    acting = client.get("/api/v1/me", headers={**admin, "X-Mentorflow-Act-As": str(people["mentee"])})
    assert acting.status_code == 200 and acting.get_json()["person"]["display_name"] == "Oda Ours"
    # A person's limited token sees their mentee of this programme, not the one of the other programme.
    mentor = {"Authorization": f"Bearer {two_programmes['mentor']}"}
    assert client.get(f"/api/v1/people/{people['mentee']}", headers=mentor).get_json()["display_name"] == "Oda Ours"
    assert client.get(f"/api/v1/people/{people['stranger']}", headers=mentor).status_code == 404
    # Without a limit, the same person still sees whom they work with in either programme.
    free, _info = create_token(mentorflow_engine, "free mentor", person_id=people["mentor"])
    answer = client.get(f"/api/v1/people/{people['stranger']}", headers={"Authorization": f"Bearer {free}"})
    assert answer.status_code == 200 and answer.get_json()["display_name"] == "Tom Theirs"


def test_a_programme_limited_token_cannot_pull_someone_elses_member_in_by_granting_a_role(
        mentorflow_engine: Engine, two_programmes: dict[str, Any]) -> None:
    people, ours = two_programmes["people"], two_programmes["ours"]
    client = _client(mentorflow_engine)
    admin = {"Authorization": f"Bearer {two_programmes['admin']}"}

    def grant(person: int) -> Any:
        return client.post(f"/api/v1/programmes/{ours}/roles", json={"person_id": person, "role": "mentee"},
                           headers=admin)

    missing = grant(999999)
    assert missing.status_code == 404
    pulled = grant(people["stranger"])  # a mentee of the other programme: answered like a missing id
    assert pulled.status_code == 404 and pulled.get_json()["type"] == missing.get_json()["type"]
    assert mentorflow_engine.programme_roles(ours, people["stranger"]) == set()
    assert client.get(f"/api/v1/people/{people['stranger']}", headers=admin).status_code == 404
    # Someone of no programme yet (just created by the integration) may be enrolled, and is then its business.
    created = client.post("/api/v1/people", json={"display_name": "Nina New"}, headers=admin)
    assert created.status_code == 201
    fresh = created.get_json()["id"]
    assert grant(fresh).status_code == 201 and grant(people["nobody"]).status_code == 201
    assert client.get(f"/api/v1/people/{fresh}", headers=admin).get_json()["display_name"] == "Nina New"


def _frame_policy(answer: Any) -> str:
    policy = answer.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors"))


def test_pages_are_framed_only_by_registered_platforms_and_configured_origins(
        mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    from mentorflow.integrations.lti.platforms import register_platform

    programme = mentorflow_factory.programme("framed", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    client = _client(mentorflow_engine, coordinator)
    # No platform registered: only mentorflow itself may frame its pages.
    page = client.get(f"/coordinator/{programme}")
    assert page.status_code == 200
    assert _frame_policy(page) == "frame-ancestors 'self'" and page.headers["X-Frame-Options"] == "SAMEORIGIN"
    register_platform(mentorflow_engine, issuer="https://moodle.example.edu", client_id="c1",
                      auth_login_url="https://auth.moodle.example.edu:8443/mod/lti/auth.php",
                      auth_token_url="https://moodle.example.edu/mod/lti/token.php",
                      jwks_url="https://moodle.example.edu/mod/lti/certs.php", deployment_ids=["1"], name="Moodle")
    for path in (f"/coordinator/{programme}", "/me", "/"):
        answer = client.get(path, follow_redirects=True)
        assert _frame_policy(answer) == ("frame-ancestors 'self' https://auth.moodle.example.edu:8443 "
                                         "https://moodle.example.edu"), path
        assert "X-Frame-Options" not in answer.headers and "*" not in answer.headers["Content-Security-Policy"]
    # An extra origin from the settings (a portal embedding the pages) joins them.
    portal = _client(mentorflow_engine, coordinator, frame_ancestors="https://portal.example.org")
    assert "https://portal.example.org" in _frame_policy(portal.get("/me"))
    # The API and other answers that are never embedded: nobody frames them.
    token, _info = create_token(mentorflow_engine, "admin", admin=True)
    for answer in (client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), client.get("/health"),
                   client.get(f"/coordinator/{programme}/export.csv")):
        assert _frame_policy(answer) == "frame-ancestors 'none'" and answer.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("value", ["*", "https://moodle.example.edu/path", "moodle.example.edu", "javascript:x",
                                   "https://*.example.edu"])
def test_a_frame_origin_setting_that_is_no_origin_stops_the_start(value: str) -> None:
    with pytest.raises(ConfigurationError, match="frame_ancestors"):
        load_settings(database_url="sqlite://", secret_key="t", frame_ancestors=value)

