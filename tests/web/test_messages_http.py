"""The conversation over a real ``mentorflow serve``: REST on SQLite and PostgreSQL, and the page in Chromium.

REST: a member writes and reads (newest first, paged), a bad body is a problem at ``/body`` with nothing
written, a coordinator's answer holds the count and time but never the words, a stranger gets 404, and
the routes are in the OpenAPI document. Page: in the demo, Mia writes to Morten on her relationship
page; Morten sees "1 unread message" on My mentoring and "Messages (1 new)" over the thread; every state
passes axe-core, fits a 390 px phone and is screenshotted to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import DEVICES, browser, check_page
from .conftest import Server, start_server, stop_server
from .test_api import World, is_problem, make_world


@pytest.fixture
def world(server: Server) -> World:
    return make_world(server)


def test_members_write_and_read_over_http_and_coordinators_see_no_words(server: Server, world: World) -> None:
    url = f"/api/v1/relationships/{world.relationship}/messages"
    with server.client(world.tokens["mentee"]) as mentee, server.client(world.tokens["mentor"]) as mentor:
        for i in range(3):
            created = mentee.post(url, json={"body": f"Private words {i}"})
            assert created.status_code == 201, created.text
        bad = is_problem(mentee.post(url, json={"body": "x" * 4001}), 422)
        assert [e["pointer"] for e in bad["errors"]] == ["/body"]
        assert is_problem(mentee.post(url, json={"body": "hi", "to": 3}), 422)["errors"][0]["pointer"] == "/to"
        assert is_problem(mentee.get(url, params={"limit": "many"}), 422)["errors"][0]["pointer"] == "/limit"
        first = mentor.get(url, params={"limit": 2}).json()
        assert [m["body"] for m in first["items"]] == ["Private words 2", "Private words 1"]
        assert first["summary"] == {"relationship_id": world.relationship, "count": 3,
                                    "last_posted_at": first["items"][0]["posted_at"], "unread": 3}
        rest = mentor.get(url, params={"limit": 2, "before": first["next_before"]}).json()
        assert [m["body"] for m in rest["items"]] == ["Private words 0"] and rest["next_before"] is None
        assert mentor.post(url + "/read", json={}).json()["unread"] == 0
    with server.client(world.tokens["coordinator"]) as coordinator:
        answer = coordinator.get(url)
        assert answer.status_code == 200 and answer.json()["items"] == [] and answer.json()["summary"]["count"] == 3
        assert "Private words" not in answer.text
        assert is_problem(coordinator.post(url, json={"body": "hello"}), 403)
    with server.client(world.tokens["outsider"]) as outsider:
        is_problem(outsider.get(url), 404)
        is_problem(outsider.post(url, json={"body": "hello"}), 404)
    with server.client() as anonymous:
        paths = anonymous.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/relationships/{relationship_id}/messages"])
    assert "post" in paths["/api/v1/relationships/{relationship_id}/messages/read"]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("messages")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo")
    yield running
    stop_server(running.process)


def sign_in(chromium: Any, server: Server, name: str, device: str) -> Any:
    page = chromium.new_context(**DEVICES[device]).new_page()
    page.goto(server.url + "/")
    page.locator(f"header a[lang={device[-2:]}]").click()
    label = f"Enter as {name}" if device.endswith("en") else f"Gå ind som {name}"
    page.get_by_role("button", name=label).click()
    page.locator("article a").first.wait_for()
    return page


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_a_message_reaches_the_partner_on_the_page(device: str, demo_server: Server, artifacts: Path) -> None:
    english = device.endswith("en")
    text = f"Shall we meet on Thursday? ({device})"
    with browser() as chromium:
        mia = sign_in(chromium, demo_server, "Mia Larsen", device)
        with mia.expect_navigation():
            mia.locator("article a", has_text="Morten").first.click()
        box = mia.get_by_label("Write a message to the others in this relationship" if english
                               else "Skriv en besked til de andre i dette forløb")
        box.fill(text)
        with mia.expect_navigation():
            mia.get_by_role("button", name="Send").click()
        mia.locator("#messages li", has_text=text).wait_for()
        check_page(mia, artifacts, f"messages-{device}-mia-sent", device)

        morten = sign_in(chromium, demo_server, "Morten Holm", device)
        unread = morten.locator("#messages-unread-heading")
        assert unread.inner_text() == ("1 unread message" if english else "1 ulæst besked")
        check_page(morten, artifacts, f"messages-{device}-morten-home", device)
        with morten.expect_navigation():
            morten.locator("#messages-unread-heading + ul a").first.click()
        heading = morten.locator("#messages-heading")
        assert heading.inner_text() == ("Messages (1 new)" if english else "Beskeder (1 ny)")
        morten.locator("#messages li", has_text=text).wait_for()
        check_page(morten, artifacts, f"messages-{device}-morten-thread", device)
        morten.reload()
        assert morten.locator("#messages-heading").inner_text() == ("Messages" if english else "Beskeder")
