"""Which language the pages speak: the start page's choice survives sign-in, a person's stored locale wins over
the browser's, and a choice made while signed in is stored on the person."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from mentorflow.engine import Engine
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.demo import demo_people, seed_demo
from mentorflow.integrations.web.settings import Settings

SETTINGS = Settings(secret_key="test-secret", demo=True)


@pytest.fixture
def app(mentorflow_engine: Engine) -> Any:
    seed_demo(mentorflow_engine)
    return create_app(replace(SETTINGS, database_url=mentorflow_engine.db.url.render_as_string(hide_password=False)),
                      mentorflow_engine)


def person(engine: Engine, name: str) -> int:
    return next(p["id"] for group in demo_people(engine).values() for p in group if p["display_name"] == name)


def browser(app: Any, accept: str) -> Any:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept
    return client


def enter(client: Any, pid: int) -> None:
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    assert client.post(f"/demo/enter/{pid}", data={"csrf": csrf}).status_code == 302


def language_of(client: Any, path: str = "/me") -> str:
    return re.search(r'<html lang="([a-z]+)"', client.get(path).text).group(1)  # type: ignore[union-attr]


def test_the_persons_stored_locale_wins_over_the_browsers(app: Any, mentorflow_engine: Engine) -> None:
    mia = person(mentorflow_engine, "Mia Larsen")  # stored: Danish
    noah = person(mentorflow_engine, "Noah Berg")  # stored: English
    danish_browser, english_browser = browser(app, "da-DK,da;q=0.9"), browser(app, "en-GB,en;q=0.9")
    assert language_of(english_browser, "/") == "en" and language_of(danish_browser, "/") == "da"
    enter(english_browser, mia)
    enter(danish_browser, noah)
    assert language_of(english_browser) == "da"
    assert language_of(danish_browser) == "en"
    assert language_of(danish_browser, "/me?lang=da") == "da", "a request's own ?lang= still wins"


def test_the_start_pages_choice_survives_sign_in_and_sign_out(app: Any, mentorflow_engine: Engine) -> None:
    mia = person(mentorflow_engine, "Mia Larsen")  # stored: Danish
    client = browser(app, "da-DK")
    assert client.get("/lang/en?next=/").status_code == 302
    assert language_of(client, "/") == "en"
    enter(client, mia)
    assert language_of(client) == "en", "the choice made before signing in is kept"
    assert mentorflow_engine.person(mia)["locale"] == "da", "choosing before sign-in changes nobody's stored locale"
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/me").text).group(1)  # type: ignore[union-attr]
    client.post("/signout", data={"csrf": csrf})
    assert language_of(client, "/") == "en"


def test_a_choice_while_signed_in_is_stored_on_the_person(app: Any, mentorflow_engine: Engine) -> None:
    noah = person(mentorflow_engine, "Noah Berg")
    client = browser(app, "en-GB")
    enter(client, noah)
    assert client.get("/lang/da?next=/me").status_code == 302
    assert language_of(client) == "da"
    assert mentorflow_engine.person(noah)["locale"] == "da"
    elsewhere = browser(app, "en-GB")  # another browser, later: the stored locale follows the person
    enter(elsewhere, noah)
    assert language_of(elsewhere) == "da"
    assert client.get("/lang/xx?next=/me").status_code == 302 and mentorflow_engine.person(noah)["locale"] == "da"
