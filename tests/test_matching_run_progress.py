"""A stored run shows its phase and progress while it runs, and a cancel stops it (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from mentorflow import Forbidden, TransitionError
from mentorflow.plugins.matching import api
from mentorflow.plugins.matching.pool import PROPOSALS, RUNS
from mentorflow.testing import Factory
from tests.workflows_matching import Cohort


@pytest.fixture
def cohort(mentorflow_factory: Factory) -> Cohort:
    cohort = Cohort(mentorflow_factory)
    for name in ("Ada", "Bo", "Cy"):
        cohort.mentor(name, skills_offered=["python", "sql"], capacity=2)
    for name in ("Eva", "Finn", "Gus", "Hal", "Ivy"):
        cohort.mentee(name, skills_sought=["python"])
    return cohort


def run_row(cohort: Cohort) -> Any:
    with cohort.engine.read() as conn:
        return conn.execute(select(RUNS).order_by(RUNS.c.id.desc())).first()


def test_the_run_row_shows_each_phase_while_it_runs(cohort: Cohort) -> None:
    seen: list[tuple[str, str | None, str, float | None]] = []

    def progress(phase: str, done: int, total: int) -> None:
        row = run_row(cohort)  # what the console reads, from another connection
        seen.append((phase, row.phase, row.status, row.progress))

    result = api.run_matching(cohort.engine, cohort.key, cohort.coordinator, progress=progress)
    phases = {phase for phase, *_ in seen}
    assert {"scoring", "solving", "pricing", "storing"} <= phases
    # While it ran, the row said so (the update for a step lands before the next step is reported).
    stored = {(phase, status) for _, phase, status, _ in seen}
    assert ("scoring", "running") in stored and ("solving", "running") in stored
    assert all(0.0 <= share <= 1.0 for *_, share in seen if share is not None)
    done = run_row(cohort)
    assert (done.status, done.phase, done.progress) == ("open", None, None)
    assert result.exact and result.stats["certificate"]["max_violation"] == 0
    assert result.stats["objective"] == "total, then matched"
    listed = api.list_runs(cohort.engine, cohort.key, cohort.coordinator)[0]
    assert (listed.phase, listed.progress) == (None, None)


def test_a_cancelled_run_stops_and_proposes_nothing(cohort: Cohort, mentorflow_factory: Factory) -> None:
    stranger = mentorflow_factory.person("Mallory")
    attempts: list[str] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "solving" and not attempts:
            run_id = run_row(cohort).id
            with pytest.raises(Forbidden):
                api.cancel_run(cohort.engine, run_id, stranger)
            attempts.append("stranger refused")
            api.cancel_run(cohort.engine, run_id, cohort.coordinator)  # as another process would

    with pytest.raises(api.RunCancelled, match="was cancelled"):
        api.run_matching(cohort.engine, cohort.key, cohort.coordinator, progress=progress)
    row = run_row(cohort)
    assert (row.status, row.cancel_requested, row.phase) == ("cancelled", True, None)
    with cohort.engine.read() as conn:
        assert conn.execute(select(PROPOSALS).where(PROPOSALS.c.run_id == row.id)).first() is None
    with pytest.raises(TransitionError, match="only a running run can be cancelled"):
        api.cancel_run(cohort.engine, row.id, cohort.coordinator)
    # The pool is untouched: the next run matches as if the cancelled one never happened.
    again = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    assert len(again.matched) == 5


def test_a_dry_run_can_be_cancelled_through_its_callback(cohort: Cohort) -> None:
    with pytest.raises(api.RunCancelled):
        api.run_matching(cohort.engine, cohort.key, cohort.coordinator, store=False, cancelled=lambda: True)
    assert run_row(cohort) is None


def test_the_review_panel_explains_the_objective_in_english_and_danish(cohort: Cohort) -> None:
    from mentorflow.integrations.web import create_app
    from mentorflow.integrations.web.sessions import cookie_data
    from mentorflow.integrations.web.settings import load_settings

    api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    app = create_app(load_settings(database_url=str(cohort.engine.db.url), secret_key="t", worker=False),
                     engine=cohort.engine)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(cookie_data(cohort.engine, cohort.coordinator))
    from mentorflow.i18n import set_locale

    try:
        pages = {lang: client.get(f"/coordinator/{cohort.key}", headers={"Accept-Language": lang})
                 for lang in ("en", "da")}
    finally:
        set_locale(None)  # the test client serves in this thread: leave no Danish behind for the next test
    assert all(page.status_code == 200 for page in pages.values())
    english, danish = (page.get_data(as_text=True) for page in pages.values())
    assert "largest total score first and then match as many mentees as possible" in english
    assert "Proven optimal" in english
    assert "største samlede score" in danish and "Bevist optimal" in danish
