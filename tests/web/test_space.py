"""The participant's space in real Chromium against `mentorflow serve --demo`, branded by its settings: the
agreement as a document (shown beside signing), the paged history, a closed relationship's stages and keepable
summary. Each page state passes axe-core, fits a 390 px phone, and is screenshotted to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mentorflow.integrations.web.demo import demo_people

from .browser import DEVICES, browser, check_page, enter_demo, shot
from .conftest import Server, start_server, stop_server

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32">'
        '<rect width="64" height="32" fill="#7a1f5c"/></svg>')
BRAND = {"MENTORFLOW_INSTITUTION_NAME": "Aarhus Universitet", "MENTORFLOW_BRAND_COLOUR": "#7a1f5c"}
@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("space")
    (folder / "logo.svg").write_text(LOGO)
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo",
                           env={**BRAND, "MENTORFLOW_INSTITUTION_LOGO": str(folder / "logo.svg")})
    engine = running.engine()
    noah = next(p["id"] for p in demo_people(engine)["mentee"] if p["display_name"] == "Noah Berg")
    [rel] = engine.relationships_of(noah)
    for n in range(25):  # a history longer than a page
        rel = engine.fire(rel, "add_goal", noah, {"title": f"Goal number {n + 1}", "category": "skills"}).relationship
    engine.db.dispose()
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def enter(chromium: Any, server: Server, name: str, device: str) -> Any:
    return enter_demo(chromium, server.url, name, device)


def check(page: Any, artifacts: Path, name: str, device: str) -> None:
    check_page(page, artifacts, f"space-{device}-{name}", device)


@pytest.mark.parametrize("device", list(DEVICES))
def test_the_space_reads_as_a_product(demo_server: Server, chromium: Any, artifacts: Path, device: str) -> None:
    english = device.endswith("en")
    # Mia is asked to sign: the agreement's terms are on the page, with who signed which version.
    mia = enter(chromium, demo_server, "Mia Larsen", device)
    agreement = mia.get_by_role("region", name="The agreement" if english else "Aftalen")
    assert ("Every two weeks" if english else "Hver anden uge") in agreement.inner_text()
    assert agreement.locator(".mf-notice").is_visible(), "the terms shown are the ones being signed"
    assert "Aarhus Universitet" in mia.locator("header .brand").inner_text()
    assert mia.locator("header .brand img").get_attribute("src") == "/brand/logo"
    assert mia.evaluate("getComputedStyle(document.querySelector('.stages .current')).backgroundColor") == \
        "rgb(122, 31, 92)", "the institution's colour"
    check(mia, artifacts, "agreement-to-sign", device)

    # Noah's history is paged, newest first, with links to older and newer events.
    noah = enter(chromium, demo_server, "Noah Berg", device)
    assert noah.locator(".timeline > li").count() == 20
    assert "Goal number 25" in noah.locator(".timeline > li").first.inner_text()
    with noah.expect_navigation():
        noah.get_by_role("link", name="Older events" if english else "Ældre hændelser").click()
    noah.locator(".timeline > li").first.wait_for()
    assert "history=2" in noah.url and "Goal number 5" in noah.locator(".timeline").inner_text()
    assert noah.get_by_role("link", name="Newer events" if english else "Nyere hændelser").is_visible()
    check(noah, artifacts, "history-page-2", device)

    # Liam's relationship is closed: every stage done, the summary to keep, printable without the page's chrome.
    liam = enter(chromium, demo_server, "Liam Chen", device)
    assert liam.locator(".stages li.done").count() == 5
    summary = liam.get_by_role("region", name="Closing summary" if english else "Afsluttende opsummering")
    assert ("To ask for help sooner") in summary.inner_text()
    check(liam, artifacts, "closed-summary", device)
    liam.emulate_media(media="print")
    assert not liam.locator("section.actions").is_visible() and not liam.locator("header nav").is_visible()
    assert summary.is_visible()
    shot(liam, artifacts, f"space-{device}-closed-summary-print")
