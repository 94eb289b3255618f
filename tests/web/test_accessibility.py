"""axe-core on the pages a visitor of `mentorflow serve --demo` reaches, in English on a desktop and Danish on a phone.

Every page state is checked with its collapsed parts opened, and the test fails on any violation. axe-core comes
bundled with the ``axe-playwright-python`` package (nothing is downloaded at run time); Chromium is Debian's.
The 429 page of the sign-in rate limit is one of the states: it is what a class behind one address can meet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import assert_accessible, browser, shot
from .conftest import Server, start_server, stop_server

SIGN_IN_LIMIT = 8
"""Demo entries allowed per address and minute here: enough for the walk, few enough to reach the 429 page."""

DEVICES = {
    "desktop-en": {"locale": "en-GB", "viewport": {"width": 1000, "height": 900}},
    "phone-da": {"locale": "da-DK", "viewport": {"width": 390, "height": 844}, "is_mobile": True},
}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("a11y")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo",
                           env={"MENTORFLOW_RATE_LIMIT_SIGN_IN": str(SIGN_IN_LIMIT)})
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def check(page: Any, artifacts: Path, name: str, device: str) -> None:
    """Open every collapsed part, run axe-core, fail on any violation; a phone must not scroll sideways."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    shot(page, artifacts, f"a11y-{device}-{name}")
    assert_accessible(page)
    if device.startswith("phone"):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name} is {width}px wide on a 390px phone"


def enter(context: Any, server: Server, role: str) -> Any:
    page = context.new_page()
    page.goto(server.url + "/")
    with page.expect_navigation() as navigation:
        page.locator(f"button[data-role={role}]").first.click()
    return page, navigation.value


@pytest.mark.parametrize("device", list(DEVICES))
def test_every_page_state_of_the_demo_has_no_axe_violation(demo_server: Server, chromium: Any,
                                                           artifacts: Path, device: str) -> None:
    context = chromium.new_context(**DEVICES[device])
    start = context.new_page()
    start.goto(demo_server.url + "/")
    check(start, artifacts, "start", device)

    mentee, _ = enter(context, demo_server, "mentee")
    check(mentee, artifacts, "my-mentoring", device)
    mentee.locator("article a").first.click()
    check(mentee, artifacts, "relationship", device)

    coordinator, _ = enter(chromium.new_context(**DEVICES[device]), demo_server, "coordinator")
    check(coordinator, artifacts, "dashboard", device)
    context.close()


def test_the_sign_in_limit_page_has_no_axe_violation(demo_server: Server, chromium: Any,
                                                     artifacts: Path) -> None:
    for device in DEVICES:
        for _attempt in range(SIGN_IN_LIMIT + 1):  # bounded: the limit is reached within this many entries
            context = chromium.new_context(**DEVICES[device])
            page, answer = enter(context, demo_server, "mentee")
            if answer.status == 429:
                assert int(answer.headers["retry-after"]) >= 1
                check(page, artifacts, "too-many-attempts", device)
                break
            context.close()
        else:
            pytest.fail(f"{SIGN_IN_LIMIT + 1} entries from one address were never refused")
