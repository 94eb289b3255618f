"""Signing records the agreement version the signer read: the form's own ``version`` field is posted and checked,
never confused with the hidden relationship version the page carries for the concurrency check."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from mentorflow.engine import Engine
from mentorflow.integrations.shared.forms import SEEN_VERSION
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.demo import demo_people, seed_demo
from mentorflow.integrations.web.settings import Settings

SETTINGS = Settings(secret_key="test-secret", demo=True)


@pytest.fixture
def app(mentorflow_engine: Engine) -> Any:
    seed_demo(mentorflow_engine)
    return create_app(replace(SETTINGS, database_url=mentorflow_engine.db.url.render_as_string(hide_password=False)),
                      mentorflow_engine)


def enter(app: Any, pid: int) -> Any:
    client = app.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    assert client.post(f"/demo/enter/{pid}", data={"csrf": csrf}).status_code == 302
    return client


def test_the_version_you_read_is_recorded_and_checked(app: Any, mentorflow_engine: Engine) -> None:
    engine = mentorflow_engine
    mia = next(p["id"] for p in demo_people(engine)["mentee"] if p["display_name"] == "Mia Larsen")
    [rel] = [r for r in engine.relationships_of(mia) if r.state == "contracting"]
    client = enter(app, mia)
    page = client.get(f"/relationships/{rel.id}?lang=en").text
    form = page[page.index('data-transition="sign_agreement"'):]
    form = form[:form.index("</form>")]
    # The page's sign form carries the hidden concurrency control under its own name, and the visible field.
    assert f'name="{SEEN_VERSION}" value="{rel.version}"' in form and 'name="version"' in form
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    post = {"csrf": csrf, SEEN_VERSION: str(rel.version), "accept": "true"}

    refused = client.post(f"/relationships/{rel.id}/fire/sign_agreement?lang=en", data={**post, "version": "7"})
    assert refused.status_code == 422
    assert "version 7 is no longer the current agreement (version 1 is)" in refused.text
    assert engine.get(rel.id).version == rel.version, "nothing was written"

    signed = client.post(f"/relationships/{rel.id}/fire/sign_agreement", data={**post, "version": "1"})
    assert signed.status_code == 302, signed.text
    [event] = [e for e in engine.timeline(rel.id) if e.transition == "sign_agreement"]
    assert event.data is not None and event.data["version"] == 1 and event.actor_id == mia


def test_a_stale_page_is_still_refused_by_its_hidden_version(app: Any, mentorflow_engine: Engine) -> None:
    engine = mentorflow_engine
    mia = next(p["id"] for p in demo_people(engine)["mentee"] if p["display_name"] == "Mia Larsen")
    [rel] = [r for r in engine.relationships_of(mia) if r.state == "contracting"]
    client = enter(app, mia)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/relationships/{rel.id}").text).group(1)  # type: ignore[union-attr]
    stale = client.post(f"/relationships/{rel.id}/fire/sign_agreement?lang=en",
                        data={"csrf": csrf, SEEN_VERSION: str(rel.version - 1), "accept": "true", "version": "1"},
                        follow_redirects=True)
    assert stale.status_code == 200 and "changed" in stale.text.lower()
    assert engine.get(rel.id).version == rel.version


@pytest.mark.parametrize("asked", ["abc", "-1", "0", "99999999999999999999", "2", "1e3", "%00"])
def test_any_history_page_asked_for_renders(app: Any, mentorflow_engine: Engine, asked: str) -> None:
    mia = next(p["id"] for p in demo_people(mentorflow_engine)["mentee"] if p["display_name"] == "Mia Larsen")
    [rel] = mentorflow_engine.relationships_of(mia)
    page = enter(app, mia).get(f"/relationships/{rel.id}?history={asked}&lang=en")
    assert page.status_code == 200, asked
    assert "Propose the agreement" in page.text and "Relationship started" in page.text, "the one page there is"
