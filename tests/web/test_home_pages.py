"""The relationship home's goals, meetings and reflections panels in real Chromium against `serve --demo`.

A pair (``default``) and a cohort (``first-year-cohort``) are set up through ``Engine.fire`` on the running
service's database: goals with progress and a pending revision, meetings with private notes, reflections. Each
member's page shows the three panels above the history, with what that member may read; a student logs a group
meeting through the page, ticking who attended, and everyone's page then shows the attendance; "Add to calendar"
downloads that meeting as iCalendar. Every page state (details opened) passes axe-core, fits a 390 px phone, and
is screenshotted to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorflow.integrations.web.demo import PROGRAMME
from mentorflow.plugins.goals.api import list_goals
from mentorflow.testing import Factory

from ..test_home_panels import FORMATS, World, build, log, reflect, reflecting
from .browser import DEVICES, browser, check_page, enter_demo
from .conftest import Server, start_server, stop_server

PREFIX = {"pair": "Pair ", "group": "Cohort "}


@pytest.fixture(scope="module")
def home_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, World]]]:
    folder = tmp_path_factory.mktemp("home")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo")
    engine = running.engine()
    factory = Factory(engine)
    worlds = {}
    for fmt in FORMATS:
        world = build(fmt, engine, factory, None, prefix=PREFIX[fmt])
        for label, role in FORMATS[fmt][1].items():
            engine.grant_role(PROGRAMME, world.people[label], role)  # the demo's start page lets its people in
        reflecting(world)
        mine = max(g.id for g in list_goals(engine, world.rel, world.people["ann"]).goals)
        world.fire("update_goal_progress", "ann", {"goal_id": mine, "progress": 60, "note": "Halfway"})
        world.fire("set_goal_status", "ann", {"goal_id": mine, "status": "revised", "note": "Sharper",
                                              "title": "Plan every exam week"})
        reflect(world, "ann", "Ann: planning works", "Ann's private worry")
        reflect(world, "mentor", "Mentor: good start", "Mentor's private doubt")
        day = (engine.clock.now() - timedelta(days=2)).date().isoformat()
        log(world, "mentor", day, agenda="Exam plan", shared_notes="Shared notes", private_notes="Mentor's note",
            rating=4)
        worlds[fmt] = world
    engine.db.dispose()
    yield running, worlds
    stop_server(running.process)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def open_all(page: Any) -> None:
    """Open every collapsed part of the panels, so axe-core checks them too."""
    page.evaluate("document.querySelectorAll('.panel details').forEach(d => d.open = true)")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("device", list(DEVICES))
def test_the_home_shows_goals_meetings_and_reflections_above_the_history(
        home_server: tuple[Server, dict[str, World]], chromium: Any, artifacts: Path, fmt: str, device: str) -> None:
    server, _worlds = home_server
    english = device.endswith("en")
    page = enter_demo(chromium, server.url, PREFIX[fmt] + "Ann", device)
    headings = page.locator("main h2").all_inner_texts()
    titles = ["Goals", "Meetings", "Reflections", "History"] if english else \
        ["Mål", "Møder", "Refleksioner", "Historik"]
    assert [h for h in headings if h in titles] == titles, headings  # the panels sit above the history
    goals = page.locator("section#goals")
    assert "Plan every exam week" in goals.inner_text() and goals.locator("progress").first.get_attribute(
        "value") == "60"
    assert goals.locator("del").first.inner_text().startswith("Goal of ann")  # the revision, old → new
    meetings = page.locator("section#meetings").inner_text()
    assert "Shared notes" in meetings and "Mentor's note" not in meetings
    reflections = page.locator("section#reflections").inner_text()
    assert "Ann's private worry" in reflections and "Mentor: good start" in reflections
    assert "Mentor's private doubt" not in reflections
    open_all(page)
    check_page(page, artifacts, f"home-{fmt}-{device}-ann", device)

    mentor = enter_demo(chromium, server.url, PREFIX[fmt] + "Mentor", device)
    text = mentor.locator("section#meetings").inner_text()
    assert "Mentor's note" in text  # my private notes, marked private
    assert mentor.locator("section#meetings .private-note .badge").count() == 1
    open_all(mentor)
    check_page(mentor, artifacts, f"home-{fmt}-{device}-mentor", device)


def test_a_group_meeting_logged_on_the_page_records_who_attended_and_goes_to_a_calendar(
        home_server: tuple[Server, dict[str, World]], chromium: Any, artifacts: Path) -> None:
    server, worlds = home_server
    world = worlds["group"]
    page = enter_demo(chromium, server.url, "Cohort Ann", "desktop-en")
    action = page.locator("details#action-log_meeting")
    action.locator("summary").click()
    action.get_by_label("Date").fill(world.engine.clock.now().date().isoformat())
    action.get_by_label("Length (minutes)").fill("50")
    action.get_by_label("How did you meet?").select_option("in_person")
    attendance = action.locator("fieldset#log_meeting-attended")
    legends = attendance.locator("fieldset.row legend").all_inner_texts()
    assert len(legends) == 4 and all(any(n in legend for legend in legends) for n in ("Cohort Ann", "Cohort Bo"))
    for index in (1, 2):  # Ann and Bo were there; the mentor and Cy were not
        attendance.locator(f"input[name='attended-{index}-present']").check()
    check_page(page, artifacts, "home-group-log-meeting-form", "desktop-en")
    with page.expect_navigation():
        action.get_by_role("button", name="Log a meeting").click()
    shown = page.locator("section#meetings li.meeting").first.inner_text()
    assert "Attended: Cohort Ann, Cohort Bo" in shown, shown
    cy = enter_demo(chromium, server.url, "Cohort Cy", "phone-da")
    assert "Deltog: Cohort Ann, Cohort Bo" in cy.locator("section#meetings li.meeting").first.inner_text()
    check_page(cy, artifacts, "home-group-after-meeting-cy", "phone-da")

    link = page.locator("section#meetings li.meeting").first.get_by_role("link", name="Add to calendar")
    answer = page.request.get(server.url + link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in answer.text() and "Mentor's note" not in answer.text()
    stranger = chromium.new_context().new_page()
    assert stranger.request.get(server.url + link.get_attribute("href")).status in (401, 404)
