"""Real headless Chromium (Debian's package) driven by Playwright, for page tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import require_service

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str:
    path = os.environ.get("MENTORFLOW_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        require_service("Chromium", "install Debian's chromium package (apt-get install chromium)")
    return path  # type: ignore[return-value]


@contextmanager
def browser() -> Iterator[Any]:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("Playwright", "pip install playwright (the dev extra has it)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def assert_accessible(page: Any) -> None:
    """Open every collapsed part of the page and fail on any axe-core violation (axe-playwright-python bundles it)."""
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}:\n{results.generate_report()}"


DEVICES: dict[str, dict[str, Any]] = {
    "desktop-en": {"locale": "en-GB", "viewport": {"width": 1000, "height": 900}},
    "phone-da": {"locale": "da-DK", "viewport": {"width": 390, "height": 844}, "is_mobile": True},
}
"""The two ways the participant pages are walked: an English desktop and a Danish 390 px phone."""


def enter_demo(chromium: Any, url: str, name: str, device: str) -> Any:
    """A page signed in on the demo's start page as ``name``, in the device's language, on their first relationship."""
    page = chromium.new_context(**DEVICES[device]).new_page()
    page.goto(url + "/")
    page.locator(f"header a[lang={device[-2:]}]").click()
    english = device.endswith("en")
    page.get_by_role("button", name=f"Enter as {name}" if english else f"Gå ind som {name}").click()
    page.locator("article a").first.wait_for()
    with page.expect_navigation():
        page.locator("article a").first.click()
    page.locator(".stages").wait_for()
    return page


def check_page(page: Any, folder: Path, name: str, device: str) -> None:
    """Screenshot, axe-core with no violation, and no sideways scrolling on the phone."""
    shot(page, folder, name)
    assert_accessible(page)
    if device.startswith("phone"):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name} is {width}px wide on a 390px phone"
