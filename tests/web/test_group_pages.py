"""A group's pages in real Chromium against `mentorflow serve --demo` (issue #18).

A cohort of one student mentor and three first-year students (the ``first-year-cohort`` template) is on
the running service. Each member's page names the others and lists who is in the group with their roles;
a student leaves the group through the page, with a no-fault reason chosen from the programme's list,
and the others' pages then show the group without them. Every page state passes axe-core, fits a 390 px
phone, and is screenshotted to test-artifacts/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mentorflow.integrations.web.demo import PROGRAMME
from mentorflow.schemas import template_paths

from .browser import DEVICES, browser, check_page, enter_demo
from .conftest import Server, start_server, stop_server

COHORT = "first-year-cohort"
NAMES = {"mentor": "Sara Holm", "mentee": ["Ali Demir", "Bea Lund", "Carl Juhl"]}
@pytest.fixture(scope="module")
def group_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("group")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo")
    engine = running.engine()
    engine.publish_workflow(COHORT, json.loads(template_paths()[COHORT].read_text("utf-8")))
    people: dict[str, list[int]] = {"mentor": [], "mentee": []}
    for role, names in (("mentor", [NAMES["mentor"]]), ("mentee", NAMES["mentee"])):
        for name in names:
            person = engine.add_person(name)
            for programme in (COHORT, PROGRAMME):  # the demo's start page lets its own people in
                engine.grant_role(programme, person, role)
            people[role].append(person)
    rel = engine.start_relationship(COHORT, members=people)
    engine.fire(rel, "pause", people["mentor"][0], {"note": "Semester break"})
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
    check_page(page, artifacts, f"group-{device}-{name}", device)


def members_listed(page: Any, english: bool) -> list[str]:
    region = page.get_by_role("region", name="Who is in it" if english else "Hvem er med")
    return [item.strip() for item in region.locator("li").all_inner_texts()]


@pytest.mark.parametrize("device", list(DEVICES))
def test_a_group_reads_as_a_group_and_a_student_leaves_it(group_server: Server, chromium: Any, artifacts: Path,
                                                          device: str) -> None:
    english = device.endswith("en")
    student = "First-year student" if english else "Førsteårsstuderende"
    mentor_word = "Student mentor" if english else "Studiementor"
    leaver = NAMES["mentee"][0] if english else NAMES["mentee"][1]

    gone = [] if english else [NAMES["mentee"][0]]  # the phone run comes after Ali left on the desktop
    sara = enter(chromium, group_server, NAMES["mentor"], device)
    heading = sara.locator("h1").inner_text()
    assert all(name in heading for name in NAMES["mentee"] if name not in gone), heading
    assert NAMES["mentor"] not in heading and not any(name in heading for name in gone), heading
    listed = members_listed(sara, english)
    assert len(listed) == 4 - len(gone), listed
    assert any(NAMES["mentor"] in item and mentor_word in item and ("(you)" if english else "(dig)") in item
               for item in listed), listed
    check(sara, artifacts, "mentor-home", device)

    page = enter(chromium, group_server, leaver, device)
    assert NAMES["mentor"] in page.locator("h1").inner_text()
    assert any(leaver in item and student in item for item in members_listed(page, english))
    action = page.locator("details#action-leave_group")
    action.locator("summary").click()
    action.get_by_label("Why (no one is at fault)" if english else "Hvorfor (ingen har skylden)").select_option(
        "time")
    check(page, artifacts, "leave-form-open", device)
    with page.expect_navigation():
        action.get_by_role("button", name="Leave the group" if english else "Forlad gruppen").click()
    page.wait_for_load_state()
    check(page, artifacts, "after-leaving", device)

    sara = enter(chromium, group_server, NAMES["mentor"], device)
    after = members_listed(sara, english)
    assert not any(leaver in item for item in after) and len(after) == len(listed) - 1, after
    check(sara, artifacts, "mentor-after-a-student-left", device)
