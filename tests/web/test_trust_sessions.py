"""Sessions end on the server (sign-out, erasure, idle and absolute lifetime) and sign-in attempts are bounded.

In-process tests run the real Flask app on SQLite and PostgreSQL with a
manual clock; the cross-process test runs ``mentorflow serve`` with two
gunicorn workers and checks that they share one allowance.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mentorflow.clock import ManualClock
from mentorflow.engine import Engine
from mentorflow.gdpr import erase_person, export_person
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.demo import demo_people, seed_demo
from mentorflow.integrations.web.models import RateLimitCounter, WebSession
from mentorflow.integrations.web.sessions import end_sessions_of
from mentorflow.integrations.web.settings import Settings
from mentorflow.tokens import create_token

from .conftest import start_server, stop_server

SETTINGS = Settings(secret_key="test-secret", demo=True)


@pytest.fixture
def seeded(mentorflow_engine: Engine) -> Engine:
    seed_demo(mentorflow_engine)
    return mentorflow_engine


def app_for(engine: Engine, **settings: Any) -> Any:
    return create_app(replace(SETTINGS, database_url=engine.db.url.render_as_string(hide_password=False),
                              **settings), engine)


def person(engine: Engine, role: str, index: int = 0) -> int:
    return demo_people(engine)[role][index]["id"]


def enter(app: Any, pid: int, address: str = "127.0.0.1") -> Any:
    """A browser signed in as ``pid`` through the demo entry form (CSRF and all)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    page = client.get("/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = client.post(f"/demo/enter/{pid}", data={"csrf": csrf})
    assert answer.status_code == 302, answer.text
    return client


def csrf_of(client: Any) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/me").text).group(1)  # type: ignore[union-attr]


def cookie_of(client: Any) -> str:
    return client.get_cookie("session").value


def replay(app: Any, cookie: str) -> Any:
    """A fresh browser sending a copied session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def signed_out(client: Any) -> None:
    page = client.get("/me")
    assert page.status_code == 401 and "Not signed in" in page.text
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.content_type == "application/problem+json"


def session_rows(engine: Engine, pid: int) -> int:
    S = WebSession.__table__
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(S).where(S.c.person_id == pid)).scalar_one()


# -- sessions -------------------------------------------------------------------------------------------------


def test_a_cookie_replayed_after_sign_out_is_signed_out(seeded: Engine) -> None:
    app = app_for(seeded)
    mentee = person(seeded, "mentee")
    browser = enter(app, mentee)
    assert browser.get("/me").status_code == 200
    assert browser.get("/api/v1/me").json["person"]["id"] == mentee
    kept = cookie_of(browser)
    assert browser.post("/signout", data={"csrf": csrf_of(browser)}).status_code == 302
    signed_out(browser)
    signed_out(replay(app, kept))  # before the fix the signed cookie stayed good for 8 hours
    assert session_rows(seeded, mentee) == 0


def test_erasure_ends_every_session_of_the_person_and_no_one_elses(seeded: Engine) -> None:
    app = app_for(seeded)
    mentee, other = person(seeded, "mentee"), person(seeded, "mentee", 1)
    laptop, phone, bystander = enter(app, mentee), enter(app, mentee), enter(app, other)
    kept = cookie_of(phone)
    export = export_person(seeded, mentee)
    assert len(export["plugins"]["web"]["sessions"]) == 2, "the sessions are part of the person's data"
    assert set(export["plugins"]["web"]["sessions"][0]) == {"created_at", "last_seen_at", "expires_at"}
    erase_person(seeded, mentee)
    for browser in (laptop, phone, replay(app, kept)):
        signed_out(browser)
    assert session_rows(seeded, mentee) == 0
    assert bystander.get("/me").status_code == 200


def test_shutting_a_person_out_ends_their_sessions(seeded: Engine) -> None:
    app = app_for(seeded)
    mentor = person(seeded, "mentor")
    browser = enter(app, mentor)
    assert end_sessions_of(seeded, mentor) == 1
    signed_out(browser)


def test_an_idle_session_ends_on_the_server(seeded: Engine, mentorflow_clock: ManualClock) -> None:
    app = app_for(seeded, session_idle_minutes=30)
    browser = enter(app, person(seeded, "mentee"))
    mentorflow_clock.advance(minutes=29)
    assert browser.get("/me").status_code == 200  # activity keeps it alive
    mentorflow_clock.advance(minutes=29)
    assert browser.get("/me").status_code == 200
    kept = cookie_of(browser)
    mentorflow_clock.advance(minutes=31)
    signed_out(replay(app, kept))


def test_an_active_session_still_ends_at_its_absolute_lifetime(seeded: Engine, mentorflow_clock: ManualClock) -> None:
    app = app_for(seeded, session_hours=2, session_idle_minutes=60)
    browser = enter(app, person(seeded, "mentee"))
    kept = cookie_of(browser)
    for _ in range(3):
        mentorflow_clock.advance(minutes=39)
        assert browser.get("/me").status_code == 200
    mentorflow_clock.advance(minutes=4)  # 2 h 1 min after sign-in, last request 4 min ago
    signed_out(replay(app, kept))


def test_a_cookie_naming_another_person_than_its_session_is_signed_out(seeded: Engine) -> None:
    app = app_for(seeded)
    browser = enter(app, person(seeded, "mentee"))
    with browser.session_transaction() as session:  # someone who knows the secret key edits the cookie
        session["person_id"] = person(seeded, "coordinator")
    signed_out(browser)


# -- rate limits (in process, both databases) ---------------------------------------------------------------


def test_invalid_tokens_are_bounded_per_client_and_valid_use_is_not(seeded: Engine,
                                                                   mentorflow_clock: ManualClock) -> None:
    app = app_for(seeded, rate_limit_token_failures=5, rate_limit_token_prefix=100)
    secret, _info = create_token(seeded, "integration", person_id=person(seeded, "coordinator"))
    good = {"Authorization": f"Bearer {secret}"}
    honest = app.test_client()
    honest.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    for _ in range(20):  # legitimate use, well past the failure limit, is never counted
        assert honest.get("/api/v1/me", headers=good).status_code == 200
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "192.0.2.66"
    answers = [guesser.get("/api/v1/me", headers={"Authorization": f"Bearer mf_{i:08x}_wrong"})
               for i in range(7)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 2
    refused = answers[-1]
    assert refused.content_type == "application/problem+json" and refused.json["status"] == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60 and refused.json["retry_after"] >= 1
    # Over the limit the client is refused before its token is looked at, even a valid one.
    assert guesser.get("/api/v1/me", headers=good).status_code == 429
    assert honest.get("/api/v1/me", headers=good).status_code == 200
    mentorflow_clock.advance(seconds=61)  # the next window
    assert guesser.get("/api/v1/me", headers=good).status_code == 200


def test_failures_on_one_token_are_bounded_from_every_address(seeded: Engine) -> None:
    app = app_for(seeded, rate_limit_token_failures=100, rate_limit_token_prefix=3)
    secret, info = create_token(seeded, "target", person_id=person(seeded, "mentor"))
    statuses = []
    for i in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{i}"
        statuses.append(client.get("/api/v1/me", headers={"Authorization": f"Bearer mf_{info.prefix}_guess{i}"})
                        .status_code)
    assert statuses == [401, 401, 401, 429, 429]
    # The token itself is locked for the rest of the window (documented): guessing is what is bounded.
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 429
    other, _ = create_token(seeded, "bystander", person_id=person(seeded, "mentee"))
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_sign_in_attempts_are_bounded_per_address_with_a_readable_page(seeded: Engine) -> None:
    app = app_for(seeded, rate_limit_sign_in=4)
    mentee = person(seeded, "mentee")
    for _ in range(4):  # only the entry itself counts, not the start page
        enter(app, mentee, "203.0.113.5")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    page = client.post(f"/demo/enter/{mentee}", data={"csrf": csrf}, headers={"Accept": "text/html"})
    assert page.status_code == 429 and "Too many attempts" in page.text and "Traceback" not in page.text
    assert "Too many sign-in attempts from your network" in page.text and "token" not in page.text  # a person's words
    assert int(page.headers["Retry-After"]) >= 1
    assert page.content_type.startswith("text/html")
    danish = client.post(f"/demo/enter/{mentee}", data={"csrf": csrf},
                         headers={"Accept": "text/html", "Accept-Language": "da"})
    assert danish.status_code == 429 and "For mange forsøg" in danish.text
    enter(app, mentee, "203.0.113.6")  # another address is not affected


@pytest.mark.parametrize("hops", [0, 1])
def test_forwarded_addresses_count_only_behind_a_trusted_proxy(seeded: Engine, hops: int) -> None:
    app = app_for(seeded, rate_limit_token_failures=2, proxy_hops=hops)
    client = app.test_client()  # every request comes from the load balancer's address
    statuses = [client.get("/api/v1/me", headers={"Authorization": "Bearer mf_0000ffff_x",
                                                  "X-Forwarded-For": f"192.0.2.{i}"}).status_code
                for i in range(4)]
    # Trusted, each forwarded client has its own allowance; untrusted, the header cannot buy a fresh one.
    assert statuses == ([401] * 4 if hops else [401, 401, 429, 429])


def test_old_windows_are_swept(seeded: Engine, mentorflow_clock: ManualClock) -> None:
    app = app_for(seeded, rate_limit_token_failures=50)
    client = app.test_client()
    for minute in range(5):
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{minute}"
        client.get("/api/v1/me", headers={"Authorization": "Bearer mf_00000000_x"})
        mentorflow_clock.advance(minutes=1)
    C = RateLimitCounter.__table__
    with seeded.read() as conn:
        windows = set(conn.execute(select(C.c.window_start)).scalars())
    assert len(windows) <= 2, windows


# -- two web processes --------------------------------------------------------------------------------------


@pytest.fixture
def two_workers(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from mentorflow.testing import _TEMPLATES, _template

    path = tmp_path / "web.db"
    shutil.copyfile(_template(tmp_path_factory, (), _TEMPLATES), path)
    running = start_server(f"sqlite:///{path}", tmp_path / "server.log", "--workers", "2",
                           env={"MENTORFLOW_RATE_LIMIT_SIGN_IN": "12", "MENTORFLOW_RATE_LIMIT_WINDOW": "600",
                                "MENTORFLOW_RATE_LIMIT_TOKEN_FAILURES": "6"})
    yield running
    stop_server(running.process)


def served_by(log: Path, path: str) -> set[int]:
    pids = set()
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"event": "request"' in line:
            entry = json.loads(line)
            if entry["path"] == path:
                pids.add(entry["pid"])
    return pids


def test_the_limits_hold_across_two_web_processes(two_workers: Any) -> None:
    def login(_: int) -> int:
        with httpx.Client(base_url=two_workers.url, timeout=15) as fresh:  # a new connection each time
            return fresh.get("/lti/login").status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(login, range(36)))
    assert statuses.count(429) == 24 and statuses.count(400) == 12, statuses  # 400: a login lacking iss
    assert len(served_by(two_workers.log, "/lti/login")) == 2, "both workers must have answered"

    def bad_token(i: int) -> httpx.Response:
        with httpx.Client(base_url=two_workers.url, timeout=15) as fresh:
            return fresh.get("/api/v1/me", headers={"Authorization": f"Bearer mf_{i:08x}_nope"})

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(bad_token, range(18)))
    codes = [a.status_code for a in answers]
    assert codes.count(401) <= 6 + 5 and codes.count(429) >= 18 - 11, codes  # concurrent checks may overlap
    assert len(served_by(two_workers.log, "/api/v1/me")) == 2
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["content-type"] == "application/problem+json" and int(refused.headers["Retry-After"]) > 0
    with httpx.Client(base_url=two_workers.url, timeout=15) as fresh:
        assert fresh.get("/health").status_code == 200  # the rest of the service is not limited


@pytest.mark.parametrize(("name", "value"), [("session_hours", "0"), ("session_idle_minutes", "-5"),
                                             ("rate_limit_window", "0"), ("rate_limit_sign_in", "-1"),
                                             ("proxy_hops", "-1")])
def test_a_nonsensical_limit_is_a_configuration_error_naming_it(monkeypatch: pytest.MonkeyPatch, name: str,
                                                                value: str) -> None:
    from mentorflow.errors import ConfigurationError
    from mentorflow.integrations.web.settings import load_settings

    monkeypatch.setenv(f"MENTORFLOW_{name.upper()}", value)
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    assert name in refused.value.message and value in refused.value.message
