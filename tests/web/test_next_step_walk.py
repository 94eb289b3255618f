"""A mentee and a mentor through the demo pair's whole lifecycle, clicking the next-step card's primary button (#16).

Real headless Chromium against `mentorflow serve --demo`, in English on a desktop and in Danish on a 390 px
phone. Wherever the card offers the action the pair needs, the test clicks its one primary button (the
summary of the form it opens), fills the form by its fields' ids (the same in every language) and submits;
only beginning the closure, which the card never pushes, is taken from the grouped actions. Every page state
is screenshotted to test-artifacts/ and checked with axe-core (collapsed parts opened), and on the phone
nothing scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import DEVICES, browser, check_page
from .conftest import Server, start_server, stop_server

WORDS = {
    "en": {"waiting": "Waiting for Morten Holm to sign the agreement", "closed": "This relationship is closed.",
           "enter": "Enter as {name}", "goals": "Goals", "relationship": "The relationship"},
    "da": {"waiting": "Venter på, at Morten Holm underskriver aftalen", "closed": "Dette forløb er afsluttet.",
           "enter": "Gå ind som {name}", "goals": "Mål", "relationship": "Forløbet"},
}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path / "server.log", "--demo")
    yield running
    stop_server(running.process)


def enter(chromium: Any, server: Server, name: str, device: str, rid: int) -> Any:
    page = chromium.new_context(**DEVICES[device]).new_page()
    page.goto(server.url + "/")
    language = device[-2:]
    page.locator(f"header a[lang={language}]").click()
    page.get_by_role("button", name=WORDS[language]["enter"].format(name=name)).click()
    page.locator("article a").first.wait_for()
    page.goto(f"{server.url}/relationships/{rid}")
    page.locator("#next-step").wait_for()
    return page


def card_text(page: Any) -> str:
    return page.locator("#next-step .step-text").inner_text()


def fill(form: Any, transition: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        control = form.locator(f"#{transition}-{name}")
        if control.evaluate("e => e.tagName") == "SELECT":
            if value == "*":  # the first real option
                value = control.locator("option:not([value=''])").first.get_attribute("value") or ""
            control.select_option(value)
        elif control.get_attribute("type") == "checkbox":
            control.check()
        else:
            control.fill(value)


def submit(page: Any, details: Any) -> None:
    with page.expect_navigation():
        details.locator("button[type=submit]").click()
    page.get_by_role("status").first.wait_for()


def primary(page: Any, transition: str, values: dict[str, str], artifacts: Path, name: str, device: str) -> None:
    """Click the card's primary button, which must open ``transition``'s form; check the page; fill and submit."""
    page.reload()
    details = page.locator("#next-step details.primary")
    offered = details.get_attribute("id") if details.count() else None
    assert offered == f"action-{transition}", f"{name}: the card offers {offered}: {card_text(page)}"
    check_page(page, artifacts, f"{name}-{device}-card", device)
    page.reload()  # (the check opened every collapsed part)
    details = page.locator("#next-step details.primary")
    details.locator("summary").click()
    fill(details, transition, values)
    submit(page, details)


@pytest.mark.parametrize("device", list(DEVICES))
def test_the_pair_walks_the_lifecycle_with_the_cards_primary_button(demo_server: Server, chromium: Any,
                                                                   artifacts: Path, device: str) -> None:
    words = WORDS[device[-2:]]
    engine = demo_server.engine()
    rel = next(s for s in engine.list_relationships(programme="demo", limit=10)[0] if s.state == "contracting")
    engine.db.dispose()
    mentee = enter(chromium, demo_server, "Mia Larsen", device, rel.id)
    mentor = enter(chromium, demo_server, "Morten Holm", device, rel.id)

    primary(mentee, "sign_agreement", {"accept": "x"}, artifacts, "01-mentee-signs", device)
    assert card_text(mentee) == words["waiting"]
    assert mentee.locator("#next-step details.primary").count() == 0  # nothing is theirs to do for the agreement
    check_page(mentee, artifacts, f"02-mentee-waits-{device}", device)
    primary(mentor, "sign_agreement", {"accept": "x"}, artifacts, "03-mentor-signs", device)
    primary(mentor, "agree", {}, artifacts, "04-mentor-starts-goals", device)
    primary(mentee, "add_goal", {"title": "Choose a thesis topic", "category": "academic"}, artifacts,
            "05-mentee-adds-goal", device)
    primary(mentor, "agree_goal", {"goal_id": "*"}, artifacts, "06-mentor-confirms-goal", device)
    primary(mentor, "start_reflecting", {}, artifacts, "07-mentor-starts-reflecting", device)
    primary(mentee, "submit_reflection", {"went_well": "I shortlisted three topics", "health": "4"}, artifacts,
            "08-mentee-reflects", device)
    # Disabled actions say why, under their group's heading; none of them is offered as a form.
    mentee.reload()
    rating = mentee.locator("ul.blocked li", has_text="“")
    assert rating.count() >= 1 and mentee.locator("details#action-rate_meeting").count() == 0

    # Closing is never pushed by the card: the mentee begins it from the grouped actions.
    group = mentee.locator("section.actions")
    assert group.get_by_role("heading", name=words["relationship"]).count() == 1
    begin = mentee.locator("details#action-begin_closure")
    begin.locator("summary").click()
    submit(mentee, begin)
    for page, who in ((mentee, "09-mentee"), (mentor, "10-mentor")):
        primary(page, "submit_closure_form", {"goals-goals-0-attained": "*", "learned": "How to plan big work",
                                              "satisfaction": "5"}, artifacts, f"{who}-closing-form", device)
    primary(mentee, "close", {}, artifacts, "11-mentee-closes", device)
    assert card_text(mentee) == words["closed"]
    check_page(mentee, artifacts, f"12-mentee-closed-{device}", device)
    # My mentoring: each relationship's next step in one line, the card's words.
    mentor.goto(f"{demo_server.url}/me")
    lines = mentor.locator("p.next-line").all_inner_texts()
    assert len(lines) == 2 and any(words["closed"] in line for line in lines)
    check_page(mentor, artifacts, f"13-mentor-my-mentoring-{device}", device)
