"""The coordinator console (issue #17): the matching button, the relationship table's links, a relationship seen as
a coordinator sees it, and coordinator actions only when there is something to act on.

Against a running ``mentorflow serve --demo`` (SQLite) in Chromium, in English and Danish; axe-core on every page
state and a 390 px phone viewport without sideways scrolling. Screenshots go to ``test-artifacts/console/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from mentorflow.engine import Engine
from mentorflow.testing import Factory
from tests.workflows_matching import Cohort

from .browser import assert_accessible, browser, shot
from .conftest import Server, start_server, stop_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("console")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo")
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def carla(engine: Engine) -> int:
    from mentorflow.integrations.web.demo import PROGRAMME

    return next(p for p in range(1, 50) if "coordinator" in engine.programme_roles(PROGRAMME, p))


def enter(chromium: Any, server: Server, name: str, locale: str, width: int = 1000) -> Any:
    context = chromium.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/")
    # The language chosen on the start page survives sign-in (a person's stored locale would win otherwise).
    page.locator(f"header a[lang={locale[:2]}]").click()
    page.get_by_role("button", name=f"Enter as {name}" if locale.startswith("en") else f"Gå ind som {name}").click()
    page.wait_for_load_state()
    return page


def no_sideways_scrolling(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def demo_relationship(engine: Engine, mentee: str) -> Any:
    from mentorflow.integrations.web.demo import PROGRAMME

    snaps, _total = engine.list_relationships(programme=PROGRAMME, limit=50, offset=0)
    names = engine.display_names({s.mentee_id for s in snaps})
    return next(s for s in snaps if names[s.mentee_id] == mentee)


@pytest.mark.parametrize("locale", ["en-GB", "da-DK"])
def test_run_matching_only_where_matching_is_used_and_its_answer_is_next_to_the_button(
        demo_server: Server, chromium: Any, locale: str) -> None:
    engine = demo_server.engine()
    english = locale.startswith("en")
    key = f"console-matching-{locale}"
    Cohort(Factory(engine), key=key)
    engine.grant_role(key, carla(engine), "coordinator")
    page = enter(chromium, demo_server, "Carla Jensen", locale)
    run = "Run matching" if english else "Kør matchning"
    from mentorflow.integrations.web.demo import PROGRAMME

    page.goto(f"{demo_server.url}/coordinator/{PROGRAMME}")
    # The demo programme has no matching settings: no panel, no button.
    assert page.get_by_role("button", name=run).count() == 0
    assert page.locator("#matching-heading").count() == 0
    page.goto(f"{demo_server.url}/coordinator/{key}")
    page.get_by_role("button", name=run).click()
    notice = page.locator("#matching-notice")
    expect(notice).to_be_visible()
    expect(notice).to_be_in_viewport()  # where the redirect to the panel's anchor leaves the person
    expect(notice).to_contain_text("Matching proposed 0 pairs." if english else "Matchningen foreslog 0 par.")
    assert notice.get_attribute("role") == "status"
    # Said once, in the panel: not again at the top of the page, scrolled away.
    assert page.locator("main > .flash").count() == 0
    shot(page, ARTIFACTS, f"matching-notice-{locale}")
    assert_accessible(page)
    page.context.close()
    # Posting to the route of a programme without matching is a clear 404, not a developer message.
    client = demo_server.client(follow_redirects=False)
    try:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
        assert csrf is not None
        client.post(f"/demo/enter/{carla(engine)}", data={"csrf": csrf.group(1)})
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/coordinator/{PROGRAMME}").text)
        assert csrf is not None
        answer = client.post(f"/coordinator/{PROGRAMME}/matching/run", data={"csrf": csrf.group(1)})
        assert answer.status_code == 404 and "does not use matching" in answer.text
    finally:
        client.close()
    engine.db.dispose()


@pytest.mark.parametrize("locale", ["en-GB", "da-DK"])
def test_table_rows_open_the_relationship_as_a_coordinator_sees_it(demo_server: Server, chromium: Any,
                                                                   locale: str) -> None:
    engine = demo_server.engine()
    english = locale.startswith("en")
    sofie = demo_relationship(engine, "Sofie Dahl")  # reflecting, with a shared reflection
    page = enter(chromium, demo_server, "Carla Jensen", locale)
    page.goto(f"{demo_server.url}/coordinator/demo")
    page.locator("#relationships").get_by_role("link", name="Sofie Dahl").click()
    assert page.url.endswith(f"/relationships/{sofie.id}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Sofie Dahl and Morten Holm" if english else "Sofie Dahl og Morten Holm")
    assert "Mentoring with" not in page.content() and "Mentorforløb med" not in page.content()
    facts = page.locator("dl.facts").inner_text()
    assert ("In this stage since" if english else "I denne fase siden") in facts
    # The reflection is pair content: a coordinator sees that it happened, not what it says.
    history = page.locator("ol.timeline").inner_text()
    assert "We met twice" not in history
    shot(page, ARTIFACTS, f"relationship-coordinator-{locale}")
    assert_accessible(page)
    page.context.close()
    engine.db.dispose()


@pytest.mark.parametrize("locale", ["en-GB", "da-DK"])
def test_approve_the_extension_is_offered_only_when_one_is_pending(demo_server: Server, chromium: Any,
                                                                   locale: str) -> None:
    engine = demo_server.engine()
    english = locale.startswith("en")
    approve = "Approve the extension" if english else "Godkend forlængelsen"
    noah = demo_relationship(engine, "Noah Berg")  # goal setting: extensions may be asked for and decided
    page = enter(chromium, demo_server, "Carla Jensen", locale, width=390)
    page.goto(f"{demo_server.url}/relationships/{noah.id}")
    actions = page.locator("#next-heading").locator("xpath=..")
    # Nothing to decide: not offered as an action, listed as not possible with the reason.
    assert actions.get_by_role("button", name=approve).count() == 0
    assert page.locator(f"summary:has-text('{approve}')").count() == 0
    blocked = page.locator("ul.blocked", has_text=approve).inner_text()
    assert approve in blocked
    assert ("no extension has been requested" if english else "der er ikke bedt om en forlængelse") in blocked
    no_sideways_scrolling(page)
    shot(page, ARTIFACTS, f"no-extension-pending-{locale}")
    assert_accessible(page)
    # The mentee asks for more time: now the coordinator can approve it, here.
    state = engine.get(noah.id)
    if not any(x.transition.id == "approve_extension" and x.allowed
               for x in engine.available_transitions(state, carla(engine))):
        engine.fire(state, "request_extension", state.mentee_id, {"period": "P1M", "reason": "Exams in May"})
    page.reload()
    page.locator(f"summary:has-text('{approve}')").click()
    page.get_by_role("button", name=approve).click()
    expect(page.locator("main > .flash.success")).to_be_visible()
    assert page.locator(f"summary:has-text('{approve}')").count() == 0  # decided: nothing pending any more
    no_sideways_scrolling(page)
    shot(page, ARTIFACTS, f"extension-approved-{locale}")
    assert_accessible(page)
    page.context.close()
    engine.db.dispose()


@pytest.mark.parametrize("locale", ["en-GB", "da-DK"])
def test_bulk_actions_on_a_selection_are_confirmed_first(demo_server: Server, chromium: Any, locale: str) -> None:
    engine = demo_server.engine()
    english = locale.startswith("en")
    mia, sofie = demo_relationship(engine, "Mia Larsen"), demo_relationship(engine, "Sofie Dahl")
    page = enter(chromium, demo_server, "Carla Jensen", locale, width=390)
    page.goto(f"{demo_server.url}/coordinator/demo")

    def choose(ids: list[int], action: str) -> None:
        for rid in ids:
            page.get_by_label(f"Select relationship {rid}" if english else f"Vælg forløb {rid}").check()
        page.locator("#bulk-action").select_option(action)
        page.get_by_role("button", name="Continue" if english else "Fortsæt").click()

    assert_accessible(page)
    no_sideways_scrolling(page)
    # Remind: confirmed on the next page, then queued for the mentor and the mentee of each.
    choose([mia.id, sofie.id], "remind")
    expect(page.locator("#selection tbody tr")).to_have_count(2)
    assert ("Mia Larsen and Morten Holm" if english else "Mia Larsen og Morten Holm") in page.locator(
        "#selection").inner_text()
    no_sideways_scrolling(page)
    shot(page, ARTIFACTS, f"bulk-remind-confirm-{locale}")
    assert_accessible(page)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("main > .flash.success")).to_be_visible()
    assert_accessible(page)
    # Close: each relationship's way towards its end is shown before anything happens.
    if not english and engine.get(mia.id).state != "closing":  # (xdist may run this locale first, on its own server)
        engine.fire(engine.get(mia.id), "end_early", carla(engine), {"reason": "changed_needs"})
    choose([mia.id], "close")
    if english:  # Mia's relationship, just matched, ends early with a reason
        assert "End early" in page.locator("#selection").inner_text()
        page.get_by_label("Reason (no one is to blame)").select_option(index=0)
        shot(page, ARTIFACTS, f"bulk-close-confirm-{locale}")
        assert_accessible(page)
        page.locator("form button[type=submit]").last.click()
        expect(page.locator("main > .flash.success")).to_contain_text("1 relationship is closing or closed.")
        assert engine.get(mia.id).state == "closing"
    else:  # by now it is closing and waits for the closure forms: not possible, and nothing can be confirmed
        assert "Ikke muligt" in page.locator("#selection").inner_text()
        expect(page.locator("main .flash.error")).to_be_visible()
        assert page.locator("form[action$='/bulk/close']").count() == 0
        shot(page, ARTIFACTS, f"bulk-close-blocked-{locale}")
        assert_accessible(page)
    page.context.close()
    engine.db.dispose()
