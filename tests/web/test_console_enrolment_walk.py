"""A coordinator runs a programme from the browser (issue #17), in Chromium, in English (desktop) and Danish (phone).

Against a running ``mentorflow serve --demo`` (SQLite): create a programme from a template (a bad key refused at its
field, then fixed), see its versions; enrol people by CSV (a bad row refused by row and column, nobody enrolled, then
fixed); grant one of them coordinator; turn approval on, make an invitation link; another person signs up through it
and waits; the coordinator approves; the applicant reads the decision. axe-core on every page state, no sideways
scrolling at 390 px; screenshots to ``test-artifacts/console-enrolment/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .browser import assert_accessible, browser, shot
from .conftest import Server, start_server, stop_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console-enrolment"
DEVICES = {"en-GB": {"viewport": {"width": 1000, "height": 900}},
           "da-DK": {"viewport": {"width": 390, "height": 844}, "is_mobile": True}}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("console-enrolment")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo")
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def enter(chromium: Any, server: Server, name: str, locale: str) -> Any:
    page = chromium.new_context(locale=locale, **DEVICES[locale]).new_page()
    page.goto(server.url + "/")
    page.locator(f"header a[lang={locale[:2]}]").click()
    english = locale.startswith("en")
    page.get_by_role("button", name=f"Enter as {name}" if english else f"Gå ind som {name}").click()
    page.wait_for_load_state()
    return page


def check(page: Any, name: str, locale: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot(page, ARTIFACTS, f"{name}-{locale}")
    assert_accessible(page)
    if locale == "da-DK":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name} is {width}px wide on a 390px phone"


@pytest.mark.parametrize("locale", ["en-GB", "da-DK"])
def test_a_coordinator_creates_a_programme_enrols_people_and_approves_an_applicant(
        demo_server: Server, chromium: Any, locale: str) -> None:
    english = locale.startswith("en")
    key = f"walk-{locale.lower()}"
    page = enter(chromium, demo_server, "Carla Jensen", locale)
    # A programme from a template: a bad key is shown at its field, nothing is created.
    page.locator("nav.console-links a").nth(2).click()
    page.locator("input[name=template][value=professional-circle]").check()
    page.fill("#key", "Not A Key!")
    name_en, name_da = f"Peer circles {locale}", f"Peer-cirkler {locale}"
    page.fill("#name_en", name_en)
    page.fill("#name_da", name_da)
    page.locator("form[action$='/console/programmes'] button[type=submit]").click()
    expect(page.locator("#key-error")).to_be_visible()
    assert page.locator("#key").get_attribute("aria-invalid") == "true"
    check(page, "1-new-programme-error", locale)
    page.fill("#key", key)
    page.locator("form[action$='/console/programmes'] button[type=submit]").click()
    expect(page.locator("#versions tbody tr")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(name_en if english else name_da)
    expect(page.locator("#coordinators li")).to_have_count(1)
    check(page, "2-programme", locale)
    # People by CSV: a bad row is refused by row and column and nobody is enrolled; fixed, everyone is.
    page.goto(f"{demo_server.url}/coordinator/{key}/people")
    bad = (f"display_name,email,role\nAnne Berg,anne.{locale}@example.org,mentor\n"
           f"Bo Lund,bo.{locale}@example,mentee\nCai Holm,cai.{locale}@example.org,mentee\n")
    page.fill("#csv", bad)
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(page.locator("#import-problems")).to_be_visible()
    expect(page.locator("#import-problems li")).to_have_count(1)
    expect(page.locator("#import-problems li")).to_contain_text("row 3, column email" if english
                                                                else "række 3, kolonne email")
    assert page.locator("#people tbody tr").count() == 1  # only Carla
    check(page, "3-import-refused", locale)
    page.fill("#csv", bad.replace(f"bo.{locale}@example,", f"bo.{locale}@example.org,"))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(page.locator("#import-preview tbody tr")).to_have_count(3)
    assert page.locator("#people tbody tr").count() == 1  # the preview writes nothing
    check(page, "4-import-preview", locale)
    page.locator("form input[name=step][value=import] ~ button").click()
    expect(page.locator("#people tbody tr")).to_have_count(4)
    check(page, "5-imported", locale)
    # One of them becomes a coordinator too.
    page.goto(f"{demo_server.url}/coordinator/{key}/programme")
    page.select_option("#person_id", label="Anne Berg")
    page.locator("form[action$='/coordinators'] button[type=submit]").click()
    expect(page.locator("#coordinators li")).to_have_count(2)
    check(page, "6-coordinator-granted", locale)
    # Approval on, and an invitation link for mentees.
    page.goto(f"{demo_server.url}/coordinator/{key}/people")
    page.locator("#approval").check()
    page.locator("form[action$='/approval'] button[type=submit]").click()
    expect(page.locator("#approval")).to_be_checked()
    page.locator("form[action$='/invitations'] button[type=submit]").click()
    link = page.locator("#new-link-url").input_value()
    assert "/join/inv_" in link
    check(page, "7-invitation-link", locale)
    # Someone signs up through the link and waits for approval.
    applicant = enter(chromium, demo_server, "Sofie Dahl", locale)
    applicant.goto(link)
    check(applicant, "8-join", locale)
    applicant.locator("form[action*='/join/'] button[type=submit]").click()
    mine = applicant.locator("#applications li", has_text=name_en if english else name_da)
    expect(mine).to_have_count(1)
    check(applicant, "9-application-pending", locale)
    # The coordinator approves; the applicant reads it.
    page.reload()
    expect(page.locator("#applicants li")).to_have_count(1)
    check(page, "10-applicant-waiting", locale)
    page.locator("#applicants button[value=approve]").click()
    expect(page.locator("#applicants")).to_have_count(0)
    expect(page.locator("#people")).to_contain_text("Sofie Dahl")
    applicant.reload()
    expect(mine).to_contain_text("approved" if english else "godkendt")
    check(applicant, "11-application-approved", locale)
    applicant.context.close()
    page.context.close()
