"""LTI platform storage in real Chromium: the tool in a cross-site frame, where the browser drops its state cookie.

The test platform's wwwroot is ``localhost`` and the tool runs on ``127.0.0.1``: another site, so Chromium
neither stores nor sends the tool's ``SameSite=Lax`` cookies inside the course page's frame, as a browser
that blocks third-party cookies would. The platform keeps LTI platform storage in a frame named
``post_message_forwarding``; the tool's login stores its state there and the launch page reads it back.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.web.browser import assert_accessible, browser

from .conftest import Browser, Tool, course, person, start_tool
from .platform import TestPlatform, form_fields


@pytest.fixture(scope="module")
def storage_tool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tool]:
    platform = TestPlatform()
    platform.url = platform.url.replace("127.0.0.1", "localhost")  # another site than the tool's 127.0.0.1
    try:
        yield from start_tool("sqlite", platform, tmp_path_factory)
    finally:
        platform.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def login_url(tool: Tool, hint: str, **extra: str) -> str:
    return tool.url + "/lti/login?" + urlencode({
        "iss": tool.platform.url, "login_hint": hint, "target_link_uri": tool.url + "/lti/launch",
        "client_id": tool.platform.client_id, "lti_deployment_id": tool.platform.deployment_id, **extra})


def person_of(tool: Tool, sub: str) -> int | None:
    engine = tool.engine()
    found = engine.find_person(f"lti:{tool.platform.url}", sub)
    engine.db.dispose()
    return found


def wait_for_person(tool: Tool, sub: str, seconds: float = 20) -> int | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = person_of(tool, sub)
        if found is not None:
            return found
        time.sleep(0.1)  # polling a condition with a deadline, not a fixed wait
    return None


def test_a_framed_launch_without_its_cookie_is_bound_through_platform_storage(storage_tool: Tool,
                                                                              chromium: Any) -> None:
    tool = storage_tool
    key = tool.programme(learner_role="mentee")
    learner = person("Learner")
    tool.platform.expect("framed", learner, course(tool.platform), custom={"programme": key})
    context = chromium.new_context()
    page = context.new_page()
    page.goto(tool.platform.url + "/course/view.php?" + urlencode(
        {"login": login_url(tool, "framed", lti_storage_target="post_message_forwarding")}))
    pid = wait_for_person(tool, learner.sub)
    assert pid is not None, tool.server.log.read_text()[-3000:]
    engine = tool.engine()
    assert engine.programme_roles(key, pid) == {"mentee"}
    engine.db.dispose()
    # The cookie really was dropped: the launch went through the storage check (200, then the signed-in 303).
    assert not any(c["name"].startswith("mf_lti_state_") for c in context.cookies())
    log = tool.server.log.read_text()
    assert re.search(r'"path": "/lti/launch", "status": 200', log) and '"status": 303' in log
    context.close()


def test_an_attackers_launch_posted_by_another_site_fails_the_platform_storage_check(storage_tool: Tool,
                                                                                     chromium: Any) -> None:
    tool = storage_tool
    key = tool.programme()
    attacker = person("Learner", "Mallory Attacker")
    tool.platform.expect("attacker", attacker, course(tool.platform), custom={"programme": key})
    # The attacker starts a storage login in their own client and keeps the launch the platform answers.
    own = Browser(tool)
    login = own.client.get(login_url(tool, "attacker", lti_storage_target="post_message_forwarding"))
    assert login.status_code == 200 and 'data-mode="put"' in login.text
    next_url = html.unescape(re.search(r'data-next="([^"]+)"', login.text).group(1))  # type: ignore[union-attr]
    action, fields = form_fields(own.client.get(next_url).text)
    own.close()
    context = chromium.new_context()
    evil = ("<form method=post action='{action}'>{inputs}</form><script>document.forms[0].submit()</script>")

    def serve(extra: dict[str, str]) -> None:
        inputs = "".join(f"<input type=hidden name='{n}' value='{html.escape(v)}'>"
                         for n, v in {**fields, **extra}.items())
        context.route("http://evil.example/", lambda route: route.fulfill(
            body=evil.format(action=action, inputs=inputs), content_type="text/html"))

    page = context.new_page()
    serve({})
    page.goto("http://evil.example/")
    # The tool's page asks for platform storage, finds no platform around it and refuses.
    page.locator("#mf-lti-storage-refused").wait_for(state="visible")
    assert page.locator("[data-lti-error]").inner_text() == "state-not-bound"
    assert page.locator("[data-lti-restart]").count() == 1
    assert_accessible(page)  # the refusal a real victim would see, with its "open in a new window" way out
    # Posting straight to the step after the check is refused too: the post does not come from the tool's page.
    context.unroute("http://evil.example/")
    serve({"lti_storage": "checked"})
    page.goto("http://evil.example/")
    page.locator('[data-lti-error="state-not-bound"]').wait_for()
    assert_accessible(page)
    assert person_of(tool, attacker.sub) is None
    context.close()


def test_an_unusable_storage_target_is_refused(storage_tool: Tool) -> None:
    client = Browser(storage_tool)
    answer = client.client.get(login_url(storage_tool, "x", lti_storage_target="a b'\"<"))
    assert answer.status_code == 400 and 'data-lti-error="bad-login"' in answer.text
    client.close()


@pytest.fixture(scope="module")
def secure_tool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tool]:
    """The tool as deployed in an LMS frame: ``SameSite=None; Secure; Partitioned`` cookies (Chromium treats
    http://127.0.0.1 as a secure origin). Its Chromium blocks third-party cookies that are not partitioned."""
    platform = TestPlatform()
    platform.url = platform.url.replace("127.0.0.1", "localhost")
    try:
        yield from start_tool("sqlite", platform, tmp_path_factory, env={"MENTORFLOW_SECURE_COOKIES": "true"})
    finally:
        platform.stop()


def course_page(tool: Tool, hint: str, **login: str) -> str:
    return tool.platform.url + "/course/view.php?" + urlencode({"login": login_url(tool, hint, **login)})


def test_partitioned_cookies_keep_a_framed_launch_signed_in_when_third_party_cookies_are_blocked(
        secure_tool: Tool, chromium: Any) -> None:
    """No platform storage offered: the partitioned state and session cookies alone carry the launch in the frame."""
    tool = secure_tool
    key = tool.programme(learner_role="mentee")
    learner = person("Learner", "Chip Partitioned")
    tool.platform.expect("chips", learner, course(tool.platform), custom={"programme": key})
    context = chromium.new_context()
    page = context.new_page()
    page.goto(course_page(tool, "chips"))
    frame = page.frame_locator("#tool")
    frame.locator("text=Chip Partitioned").first.wait_for()  # the mentoring page, signed in, inside the frame
    assert person_of(tool, learner.sub) is not None
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["session"]["sameSite"] == "None" and cookies["session"]["secure"]
    assert cookies["session"].get("partitionKey"), cookies["session"]  # kept in the platform site's jar
    context.close()


def test_without_platform_storage_a_blocked_cookie_falls_back_to_a_new_window(secure_tool: Tool,
                                                                              chromium: Any) -> None:
    """A browser that keeps no tool cookie in the frame at all (Safari without partitioned cookies): the frame
    shows the new-window page; the launch started from it completes in its own window."""
    tool = secure_tool
    key = tool.programme(learner_role="mentee")
    learner = person("Learner", "Nina Window")
    tool.platform.expect("window", learner, course(tool.platform), custom={"programme": key})
    context = chromium.new_context()

    def refuse_cookies_in_frames(route: Any) -> None:
        """The browser's cookie rule, at the one response that sets the state cookie: refused inside a frame."""
        try:
            framed = route.request.frame.parent_frame is not None
        except Exception:  # Playwright: a new window's first navigation has no frame yet; it is top-level
            framed = False
        if not framed:
            route.continue_()
            return
        answer = httpx.get(route.request.url, follow_redirects=False, timeout=10)
        assert "set-cookie" in answer.headers  # what the browser refuses to keep
        route.fulfill(status=answer.status_code, headers={"location": answer.headers["location"]}, body="")

    context.route(lambda url: url.startswith(tool.url + "/lti/login"), refuse_cookies_in_frames)
    page = context.new_page()
    page.goto(course_page(tool, "window"))
    frame = None
    deadline = time.monotonic() + 20
    while frame is None and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # polling for the frame's navigation with a deadline
        frame = next((f for f in page.frames if f.url.startswith(tool.url + "/lti/launch")), None)
    assert frame is not None, [f.url for f in page.frames]
    frame.locator("[data-lti-fallback]").wait_for()
    assert frame.locator("[data-lti-error]").inner_text() == "state-not-bound"
    assert person_of(tool, learner.sub) is None
    assert_accessible(frame)
    tool.platform.expect("window", learner, course(tool.platform), custom={"programme": key})  # a second launch
    with context.expect_page() as opened:
        frame.locator("[data-lti-restart]").click()
    window = opened.value
    window.wait_for_url(tool.url + "/me")
    assert "Nina Window" in window.content()
    pid = person_of(tool, learner.sub)
    engine = tool.engine()
    assert pid is not None and engine.programme_roles(key, pid) == {"mentee"}
    engine.db.dispose()
    context.close()


def test_the_new_window_page_speaks_danish(secure_tool: Tool) -> None:
    tool = secure_tool
    key = tool.programme()
    learner = person("Learner")
    tool.platform.expect("dansk", learner, course(tool.platform), custom={"programme": key}, locale="da-DK")
    b = Browser(tool)
    action, fields = b.authorize("dansk")
    b.client.cookies.clear()  # the frame lost the cookie
    answer = b.client.post(action, data=fields)
    b.close()
    assert answer.status_code == 403 and "data-lti-fallback" in answer.text
    assert "Åbn mentorflow i et nyt vindue" in answer.text and 'lang="da"' in answer.text
