"""The matching review panel follows a running run and can cancel it; so can the REST API (issue #23).

Against a running ``mentorflow serve --demo`` (SQLite) in Chromium: a coordinator sees the newest run's phase and
progress (updated in place by the panel's script as the run's row changes), cancels it with the panel's button
(CSRF as the panel's other buttons), and the page is axe-clean in English and Danish. A run of a programme the
coordinator does not manage reads as a missing one, on the page route and on
``POST /api/v1/matching/runs/{id}/cancel`` (one 404 for every id they may not manage; 409 for a run that has ended).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select, update

from mentorflow.engine import Engine
from mentorflow.testing import Factory
from mentorflow.tokens import create_token
from tests.workflows_matching import Cohort

from .browser import assert_accessible, browser, shot
from .conftest import Server, start_server, stop_server
from .test_api import is_problem


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("matching-console")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo")
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def matching_programme(demo_server: Server) -> str:
    """A programme that uses matching (the demo's does not, so it has no matching panel), coordinated by Carla."""
    engine = demo_server.engine()
    cohort = Cohort(Factory(engine), key="console-matching")
    engine.grant_role(cohort.key, carla(engine), "coordinator")
    engine.db.dispose()
    return cohort.key


def carla(engine: Engine) -> int:
    from mentorflow.integrations.web.demo import PROGRAMME

    return next(p for p in range(1, 50) if "coordinator" in engine.programme_roles(PROGRAMME, p))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def running_run(engine: Engine, programme: str, phase: str = "scoring", progress: float = 0.25) -> int:
    """A run row as ``run_matching`` writes it when it starts (status running, its phase and progress)."""
    from mentorflow.plugins.matching.pool import RUNS

    with engine.write() as conn:
        return int(conn.execute(insert(RUNS).values(
            programme_id=engine.programme_id(programme, conn), parent_run_id=None, algorithm="optimal",
            method="min-cost-flow", status="running", created_at=engine.clock.now(), created_by=None,
            total_score=0.0, settings={}, stats={}, phase=phase, progress=progress,
            cancel_requested=False)).inserted_primary_key[0])


def set_progress(engine: Engine, run_id: int, **values: Any) -> None:
    from mentorflow.plugins.matching.pool import RUNS

    with engine.write() as conn:
        conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))


def cancel_requested(engine: Engine, run_id: int) -> bool:
    from mentorflow.plugins.matching.pool import RUNS

    with engine.read() as conn:
        return bool(conn.execute(select(RUNS.c.cancel_requested).where(RUNS.c.id == run_id)).scalar_one())


def enter(chromium: Any, server: Server, name: str, locale: str) -> Any:
    context = chromium.new_context(locale=locale, viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/")
    page.locator(f"header a[lang={locale[:2]}]").click()  # chosen on the start page: wins over the stored locale
    page.get_by_role("button", name=f"Enter as {name}" if locale.startswith("en") else f"Gå ind som {name}").click()
    return page


@pytest.mark.parametrize("locale", ["en-GB", "da-DK"])
def test_a_coordinator_follows_a_running_run_and_cancels_it(demo_server: Server, chromium: Any, locale: str,
                                                            matching_programme: str) -> None:
    engine = demo_server.engine()
    run_id = running_run(engine, matching_programme)
    page = enter(chromium, demo_server, "Carla Jensen", locale)
    page.goto(f"{demo_server.url}/coordinator/{matching_programme}")
    english = locale.startswith("en")
    status = page.locator("#matching-status")
    status.wait_for()
    assert status.get_attribute("role") == "status"
    assert ("25 % done" if english else "25 % færdig") in status.inner_text()
    assert page.locator("#matching-progress-bar").get_attribute("value") == "25"
    assert_accessible(page)
    # The run moves on: the panel's script shows it without a reload.
    set_progress(engine, run_id, phase="pricing", progress=0.6)
    expect(status).to_contain_text("60 %", timeout=15_000)
    assert ("checking every allowed pair" if english else "kontrollerer") in status.inner_text()
    page.get_by_role("button", name="Cancel the run" if english else "Afbryd kørslen").click()
    page.locator("#matching-notice").wait_for()  # in the panel, where the redirect to its anchor leaves the person
    assert cancel_requested(engine, run_id)
    assert ("stopping" if english else "standser") in page.locator("#matching-status").inner_text()
    assert page.get_by_role("button", name="Cancel the run" if english else "Afbryd kørslen").count() == 0
    assert_accessible(page)
    # The run ends (as run_matching ends a cancelled run): the script reloads the page once.
    set_progress(engine, run_id, status="cancelled", phase=None, progress=None)
    page.locator("#matching-status").wait_for(state="detached", timeout=15_000)
    page.context.close()
    engine.db.dispose()


def test_a_run_of_another_programme_reads_as_a_missing_one(demo_server: Server, matching_programme: str) -> None:
    PROGRAMME = matching_programme  # Carla's own programme with a matching panel
    engine = demo_server.engine()
    cohort = Cohort(Factory(engine), key="elsewhere-console")
    foreign = running_run(engine, cohort.key)
    client = demo_server.client(follow_redirects=False)
    try:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
        assert csrf is not None
        assert client.post(f"/demo/enter/{carla(engine)}", data={"csrf": csrf.group(1)}).status_code == 302
        page = client.get(f"/coordinator/{PROGRAMME}").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        flashes = []
        for run_id in (foreign, foreign + 10_000):
            done = client.post(f"/coordinator/{PROGRAMME}/matching/runs/{run_id}/cancel",
                               data={"csrf": csrf.group(1)}, follow_redirects=True)
            found = re.search(r'role="alert">([^<]*)<', done.text)
            assert found is not None, done.text[:300]
            flashes.append(found.group(1).replace(str(run_id), "<id>"))
            assert client.get(f"/coordinator/{PROGRAMME}/matching/runs/{run_id}/status").status_code == 404
        assert flashes[0] == flashes[1]
        # Without the CSRF field nothing happens either.
        assert client.post(f"/coordinator/{PROGRAMME}/matching/runs/{foreign}/cancel").status_code in (400, 403)
    finally:
        client.close()
    assert not cancel_requested(engine, foreign)
    # The REST route: the programme's own coordinator may cancel, everyone else meets one 404.
    other = engine.add_person("Otto")
    engine.publish_workflow(f"{cohort.key}x", {**engine.current_workflow(cohort.key)[1].document})
    engine.grant_role(f"{cohort.key}x", other, "coordinator")
    tokens = {"coordinator": create_token(engine, "c", person_id=cohort.coordinator)[0],
              "other": create_token(engine, "o", person_id=other)[0],
              "mentee": create_token(engine, "m", person_id=cohort.mentee("Finn"))[0]}
    for who in ("other", "mentee"):
        with demo_server.client(tokens[who]) as api:
            seen = [api.post(f"/api/v1/matching/runs/{i}/cancel", json={}) for i in (foreign, foreign + 10_000)]
            bodies = [json.dumps(is_problem(r, 404)).replace(str(i), "<id>")
                      for r, i in zip(seen, (foreign, foreign + 10_000), strict=True)]
            assert bodies[0] == bodies[1], who
    assert not cancel_requested(engine, foreign)
    with demo_server.client(tokens["coordinator"]) as api:
        answer = api.post(f"/api/v1/matching/runs/{foreign}/cancel", json={})
        assert answer.status_code == 202, answer.text
        assert answer.json() == {"id": foreign, "status": "running", "cancel_requested": True}
        assert cancel_requested(engine, foreign)
        set_progress(engine, foreign, status="cancelled", phase=None, progress=None)
        is_problem(api.post(f"/api/v1/matching/runs/{foreign}/cancel", json={}), 409)
        spec = api.get("/api/v1/openapi.json").json()
        assert "post" in spec["paths"]["/api/v1/matching/runs/{run_id}/cancel"]
    engine.db.dispose()


@pytest.mark.parametrize("locale", ["en-GB", "da-DK"])
def test_a_coordinator_runs_group_matching_reads_each_members_part_and_approves_a_group(
        demo_server: Server, chromium: Any, locale: str, artifacts: Any) -> None:
    """A cohort programme's run proposes groups (issue #18): each member with their part of the score and why;
    approving one starts one relationship with all of them. The REST route answers another coordinator 404."""
    from mentorflow.plugins.matching import api as matching
    from tests.test_matching_groups import matching_template

    engine = demo_server.engine()
    english = locale.startswith("en")
    key = f"cohort-matching-{locale[:2]}"
    factory = Factory(engine)
    factory.programme(key, matching_template("first-year-cohort"))
    engine.grant_role(key, carla(engine), "coordinator")
    names = {"mentor": ["Mona Berg"], "mentee": ["Ida Holm", "Jon Lind", "Kim Vang", "Lea Dahl"]}
    people = {}
    for role, labels in names.items():
        for label in labels:
            people[label] = factory.person(label, role=role, programme=key)
            matching.set_profile(engine, key, people[label], role,
                                 {"languages": ["en"], "goals": ["study"], "capacity": 1}
                                 if role == "mentor" else {"languages": ["en"], "goals": ["study"]}, carla(engine))
    engine.db.dispose()
    page = enter(chromium, demo_server, "Carla Jensen", locale)
    page.goto(f"{demo_server.url}/coordinator/{key}")
    page.get_by_role("button", name="Run matching" if english else "Kør matchning").click()
    page.locator("#matching-notice").wait_for()
    assert ("1 group" if english else "1 gruppe") in page.locator("#matching-notice").inner_text()
    table = page.locator("#groups")
    text = table.inner_text()
    assert all(name in text for labels in names.values() for name in labels), text
    assert "overlap" in text or "goals" in text, text  # each member's part says why
    shot(page, artifacts, f"group-matching-{locale}")
    assert_accessible(page)
    page.get_by_role("button", name="Approve group 1" if english else "Godkend gruppe 1").click()
    page.locator("#matching-notice").wait_for()
    assert ("all its members" if english else "alle dens medlemmer") in page.locator("#matching-notice").inner_text()
    assert_accessible(page)
    page.context.close()
    (rel,) = engine.list_relationships(programme=key, limit=10, offset=0)[0]
    assert set(rel.member_ids) == set(people.values())
    run = matching.list_runs(engine, key, carla(engine))[0]
    group = matching.get_run(engine, run.id, carla(engine)).groups[0]
    other = engine.add_person(f"Otto {locale}")
    engine.publish_workflow(f"{key}x", {**engine.current_workflow(key)[1].document})
    engine.grant_role(f"{key}x", other, "coordinator")
    token = create_token(engine, "o", person_id=other)[0]
    with demo_server.client(token) as api:
        missing = is_problem(api.post(f"/api/v1/matching/groups/{group.id + 10_000}/approve"), 404)
        foreign = is_problem(api.post(f"/api/v1/matching/groups/{group.id}/approve"), 404)
    assert foreign["detail"].replace(str(group.id), "<id>") == missing["detail"].replace(str(group.id + 10_000),
                                                                                       "<id>")
    engine.db.dispose()
