"""Participant pages and the coordinator dashboard in real headless Chromium against `mentorflow serve --demo`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mentorflow.i18n import format_date

from .browser import browser, shot
from .conftest import Server, start_server, stop_server


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("demo")
    database = folder / "demo.db"
    running = start_server(f"sqlite:///{database}", folder / "server.log", "--demo")
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def enter_as(chromium: Any, server: Server, name: str, locale: str = "en-GB") -> Any:
    context = chromium.new_context(locale=locale, viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/")
    # The language is chosen on the start page (it survives sign-in and wins over the person's stored one).
    page.locator(f"header a[lang={locale[:2]}]").click()
    page.get_by_role("button", name=f"Enter as {name}" if locale.startswith("en") else f"Gå ind som {name}").click()
    return page


Fields = dict[str | tuple[str, str], str]
"""Values by a control's label, or by ``(group legend, label)`` for a control inside a group of fields."""


def fill(panel: Any, fields: Fields) -> None:
    """Fill controls by label (a select by its option's label or value), in order: a group's kind comes first."""
    for key, value in fields.items():
        scope, label = (panel.get_by_role("group", name=key[0]), key[1]) if isinstance(key, tuple) else (panel, key)
        control = scope.get_by_label(label, exact=False).first
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def fire(page: Any, action: str, fields: Fields | None = None, checks: tuple[str, ...] = ()) -> None:
    """Open the action's panel, fill its fields by label, submit, and expect the success message."""
    page.locator("summary", has_text=action).first.click()
    panel = page.locator("details[open]")
    fill(panel, fields or {})
    for label in checks:
        panel.get_by_label(label, exact=False).first.check()
    panel.get_by_role("button", name=action).click()
    page.get_by_role("status").filter(has_text=action).wait_for()


def test_mentee_and_mentor_walk_the_whole_lifecycle(demo_server: Server, chromium: Any, artifacts: Path) -> None:
    mentee = enter_as(chromium, demo_server, "Mia Larsen")
    mentee.get_by_role("heading", name="My mentoring").wait_for()  # waits for the redirect to land
    mentee.get_by_role("link", name="With Morten Holm").click()
    shot(mentee, artifacts, "01-mentee-contracting")
    # The start self-assessment: one labelled select per competence, grouped under "Ratings".
    mentee.locator("summary", has_text="Assess yourself (start)").first.click()
    panel = mentee.locator("details[open]")
    assert panel.get_by_role("group", name="Ratings").get_by_role("combobox").count() == 3
    fill(panel, {("Ratings", "Communication"): "2", ("Ratings", "Self-confidence"): "4",
                 ("Ratings", "Professional network"): "1 (lowest)"})
    panel.get_by_role("button", name="Assess yourself (start)").click()
    mentee.get_by_role("status").filter(has_text="Assess yourself (start)").wait_for()
    assessed = mentee.locator(".timeline li", has_text="Assess yourself (start)").first.inner_text()
    assert "Self-confidence" in assessed and "1 (lowest)" in assessed and "{" not in assessed
    fire(mentee, "Sign the agreement", checks=("I accept the agreement",))
    # The card says whose turn it is now (#16); the next stage is listed as not yet possible, with the reason.
    assert mentee.locator("#next-step .step-text").inner_text() == "Waiting for Morten Holm to sign the agreement"
    assert "waiting for Mentor" in mentee.locator(".blocked", has_text="Start setting goals").inner_text()

    mentor = enter_as(chromium, demo_server, "Morten Holm")
    mentor.get_by_role("link", name="With Mia Larsen").click()
    fire(mentor, "Sign the agreement", checks=("I accept the agreement",))
    fire(mentor, "Start setting goals")
    assert mentor.locator("[aria-current=step]").inner_text() == "Setting goals"

    mentee.reload()
    fire(mentee, "Add a goal", {"Goal": "Choose a thesis topic", "Category": "academic",
                                "How will you know it is reached?": "Approved by my supervisor"})
    # A bad submission keeps the panel open with the error next to the field, and writes nothing.
    mentee.locator("summary", has_text="Add a goal").first.click()
    mentee.locator("details[open]").get_by_role("button", name="Add a goal").click()
    mentee.get_by_role("alert").first.wait_for()
    shot(mentee, artifacts, "02-mentee-goal-error")
    # The mentor confirms the goal by choosing it by its title: the select offers the goals awaiting them.
    mentor.reload()
    fire(mentor, "Confirm a goal", {"Goal": "Choose a thesis topic", "Comment": "A good first step"})
    # Nothing left to confirm: not offered as a form, listed as not possible with the reason (#16).
    assert mentor.locator("summary", has_text="Confirm a goal").count() == 0
    blocked = mentor.locator("ul.blocked", has_text="Confirm a goal").inner_text()
    assert "there is nothing to choose for “Goal” yet" in blocked

    # A meeting is logged, then rated by choosing it (by date, format and length) in the rating form.
    today = date.today().isoformat()
    mentee.goto(mentee.url.split("/fire/")[0] if "/fire/" in mentee.url else mentee.url)
    fire(mentee, "Log a meeting", {"Date": today, "Length (minutes)": "45", "How did you meet?": "Video"})
    fire(mentee, "Rate a meeting", {"Meeting": f"{format_date(today, locale='en')} · video · 45 min",
                                    "How was the meeting (1-4)? Only you see this.": "4"})
    mentee.locator("summary", has_text="Rate a meeting").first.click()
    assert "(you rated it)" in mentee.locator("details[open] select").first.inner_text()

    mentee.reload()
    fire(mentee, "Goals are set: start the regular check-ins")
    fire(mentee, "Submit a reflection", {("Choose a thesis topic", "How far along (%)"): "40",
                                         "What went well?": "I shortlisted three topics", "What should change?":
                                         "Meet every week", "How is the relationship going (1-5)?": "4"})
    shot(mentee, artifacts, "03-mentee-reflected")

    mentor.reload()
    assert "I shortlisted three topics" in mentor.locator(".timeline").inner_text()
    # Each change is a group of fields: choose its kind, then fill in that kind's fields.
    mentor.locator("summary", has_text="Propose an adjustment").first.click()
    panel = mentor.locator("details[open]")
    assert not panel.get_by_role("group", name="Change 1").get_by_label("How often to meet").is_visible()
    fill(panel, {("Change 1", "What do you want to change?"): "Change how often you meet",
                 ("Change 1", "How often to meet"): "Every week",
                 ("Change 2", "What do you want to change?"): "Change how you meet",
                 ("Change 2", "How to meet"): "In person",
                 "Why?": "Weekly meetings until approval"})
    assert not panel.get_by_role("group", name="Change 1").get_by_label("Which goal").is_visible()
    shot(mentor, artifacts, "03b-mentor-proposing")
    panel.get_by_role("button", name="Propose an adjustment").click()
    mentor.get_by_role("status").filter(has_text="Propose an adjustment").wait_for()
    # The history reads as words: the cadence by its label, the reflection's goal by its title, no codes or lists.
    history = mentor.locator(".timeline").inner_text()
    proposed = mentor.locator(".timeline li", has_text="Propose an adjustment").first.inner_text()
    assert "Every week" in proposed and "In person" in proposed and "P7D" not in history
    reflected = mentor.locator(".timeline li", has_text="Submit a reflection").first.inner_text()
    assert "Choose a thesis topic" in reflected and "40" in reflected
    assert "[{" not in history and "{'" not in history and "in_person" not in history
    agreed = mentor.locator(".timeline li", has_text="Propose the agreement").first.inner_text()
    assert "Every two weeks" in agreed and "6 months" in agreed
    assert "fortnightly" not in history and "P6M" not in history
    mentee.reload()
    fire(mentee, "Accept the adjustment")
    fire(mentee, "Begin closing")
    for page, attained in ((mentee, "Fully"), (mentor, "Partly")):
        page.reload()
        fire(page, "Fill in your closure form", {
            ("Choose a thesis topic", "Reached"): attained,
            "What did you learn?": "How to plan big work", "Satisfaction (1-5)": "5"})
    mentee.reload()
    fire(mentee, "Close the relationship")
    assert mentee.locator("[aria-current=step]").inner_text() == "Closed"
    # A closed relationship accepts nothing but the mentee's request for a new match.
    assert mentee.locator("details.action summary").all_inner_texts() == ["Ask for a new match"]
    shot(mentee, artifacts, "04-mentee-closed")


def test_coordinator_dashboard(demo_server: Server, chromium: Any, artifacts: Path) -> None:
    page = enter_as(chromium, demo_server, "Carla Jensen")
    page.get_by_role("heading", name="Relationships per stage").wait_for()
    for panel in ("Programme health", "Goal attainment", "Overdue"):
        assert page.get_by_role("heading", name=panel).is_visible(), panel
    # The demo programme does not use matching: no matching panel, no "Run matching" (tests/web/test_console.py).
    assert page.get_by_role("heading", name="Matching review").count() == 0
    assert page.get_by_role("button", name="Run matching").count() == 0
    assert page.locator("svg.chart").count() >= 1
    rows = page.locator("#relationships tbody tr")
    assert rows.count() == 4
    page.get_by_label("Search by name").fill("Noah")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("#relationships tbody tr").count() == 1
    assert "Noah Berg" in page.locator("#relationships").inner_text()
    page.get_by_label("Stage", exact=True).select_option("closed")
    page.get_by_label("Search by name").fill("")
    page.get_by_role("button", name="Filter").click()
    assert "Liam Chen" in page.locator("#relationships tbody").inner_text()
    closed = page.locator("#relationships tbody tr").count()  # Liam's, and any an earlier test of this server closed
    with page.expect_download() as download:  # the table's filter applies to its download too
        page.get_by_role("link", name="Relationships as CSV").click()
    csv_text = Path(download.value.path()).read_text()
    assert csv_text.splitlines()[0].startswith("relationship,mentee,mentor,state")
    assert len(csv_text.splitlines()) == 1 + closed and "Liam Chen" in csv_text
    assert all(",closed," in line for line in csv_text.splitlines()[1:])
    shot(page, artifacts, "05-coordinator-dashboard")


def test_pages_speak_danish_and_fit_a_phone(demo_server: Server, chromium: Any, artifacts: Path) -> None:
    context = chromium.new_context(locale="da-DK", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(demo_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "da"
    page.locator("button[data-role=mentee]").first.click()
    page.locator("article a").first.click()
    page.locator("#next-step").wait_for()  # the relationship's page has loaded (its next-step card)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"
    shot(page, artifacts, "06-phone-danish")
