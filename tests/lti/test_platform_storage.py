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
