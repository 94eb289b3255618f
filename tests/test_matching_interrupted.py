"""A run whose process dies stays ``running`` only for its lease: then it is shown and reported as failed
("interrupted"), it can be run again, and it does not block a new run (SQLite and PostgreSQL).

The main test kills a real ``mentorflow match`` process with SIGKILL once its row shows progress.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mentorflow import ManualClock, TransitionError
from mentorflow.i18n import set_locale
from mentorflow.plugins.matching import api, runs
from mentorflow.plugins.matching.panels import run_status
from mentorflow.plugins.matching.pool import PROPOSALS, RUNS
from mentorflow.testing import Factory
from tests.workflows_matching import Cohort

MENTORFLOW = str(Path(sys.executable).with_name("mentorflow"))
MENTEES, MENTORS = 4_000, 800
"""Big enough that the process is still scoring when its first progress lands in the row."""


def newest(cohort: Cohort) -> Any:
    with cohort.engine.read() as conn:
        return conn.execute(select(RUNS).order_by(RUNS.c.id.desc())).first()


def wait_for(condition: Any, process: subprocess.Popen[str] | None = None, timeout: float = 120.0) -> Any:
    """Poll ``condition`` until it returns something true (failing if ``process`` ends first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process ended first ({process.returncode}): {process.communicate()[1]}")
        time.sleep(0.02)  # a polling interval, not a stand-in for the condition
    pytest.fail("timed out waiting")


def test_a_killed_run_is_shown_as_interrupted_and_can_be_run_again(
        mentorflow_factory: Factory, mentorflow_database_url: str, mentorflow_clock: ManualClock) -> None:
    from bench.matching import load_people

    cohort = Cohort(mentorflow_factory)
    load_people(cohort.engine, cohort.key, MENTEES, MENTORS, seed=3, first_id=10_000)
    process = subprocess.Popen([MENTORFLOW, "match", cohort.key, "--database-url", mentorflow_database_url],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={"PATH": "/usr/bin:/bin", "MENTORFLOW_LOCALE": "en"})
    try:
        row = wait_for(lambda: (r := newest(cohort)) is not None and r.status == "running" and (r.progress or 0) > 0
                       and r, process)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    dead = newest(cohort)
    assert (dead.id, dead.status) == (row.id, "running") and dead.heartbeat_at is not None
    with cohort.engine.read() as conn:
        assert conn.execute(select(PROPOSALS).where(PROPOSALS.c.run_id == dead.id)).first() is None

    # Within its lease the dead run still counts as alive: a second run is refused with a clear message (exit 2).
    refused = subprocess.run([MENTORFLOW, "match", cohort.key, "--database-url", mentorflow_database_url],
                             capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "MENTORFLOW_LOCALE": "en"},
                             timeout=120)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"Matching run {dead.id} of this programme is still running" in refused.stderr
    from mentorflow.clock import as_utc

    beat = as_utc(dead.heartbeat_at)
    mentorflow_clock.set(beat + runs.LEASE - timedelta(seconds=1))
    assert api.list_runs(cohort.engine, cohort.key, cohort.coordinator)[0].status == "running"
    with pytest.raises(TransitionError, match=f"Matching run {dead.id} of this programme is still running"):
        api.run_matching(cohort.engine, cohort.key, cohort.coordinator)

    # Past its lease it is shown and reported as failed, interrupted, in English and Danish.
    mentorflow_clock.advance(seconds=2)
    listed = api.list_runs(cohort.engine, cohort.key, cohort.coordinator)[0]
    assert (listed.id, listed.status, listed.phase) == (dead.id, "failed", None)
    assert listed.stats["failure"] == "interrupted" and listed.stats["phase"] == row.phase
    status = run_status(listed)
    assert not status["running"] and f"Matching run {dead.id} was interrupted" in status["text"]
    assert "run matching again" in status["text"]
    set_locale("da")
    try:
        assert f"Matchningskørsel {dead.id} blev afbrudt" in run_status(listed)["text"]
    finally:
        set_locale(None)
    with pytest.raises(TransitionError, match="only a running run can be cancelled"):
        api.cancel_run(cohort.engine, dead.id, cohort.coordinator)

    # It can be run again (over the same mentees: the whole pool), and that run is not blocked by the dead one.
    again = api.rerun(cohort.engine, dead.id, cohort.coordinator)
    assert again.run_id != dead.id and again.exact and len(again.matched) > 0
    assert again.stats["mentees"] == MENTEES
    assert [r.status for r in api.list_runs(cohort.engine, cohort.key, cohort.coordinator)] == ["open", "failed"]


@pytest.fixture
def cohort(mentorflow_factory: Factory) -> Cohort:
    cohort = Cohort(mentorflow_factory)
    for name in ("Ada", "Bo"):
        cohort.mentor(name, skills_offered=["python"], capacity=2)
    for name in ("Eva", "Finn", "Gus"):
        cohort.mentee(name, skills_sought=["python"])
    return cohort


def test_a_live_run_taken_for_dead_stops_and_stores_nothing(cohort: Cohort, mentorflow_clock: ManualClock) -> None:
    reaped: list[int] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "solving" and not reaped:  # as if the machine froze for longer than the lease
            mentorflow_clock.advance(runs.LEASE + timedelta(seconds=1))
            reaped.extend(api.reap_interrupted(cohort.engine))

    with pytest.raises(api.RunInterrupted, match="was marked interrupted while it still ran"):
        api.run_matching(cohort.engine, cohort.key, cohort.coordinator, progress=progress)
    row = newest(cohort)
    assert reaped == [row.id] and row.status == "failed" and row.stats["failure"] == "interrupted"
    with cohort.engine.read() as conn:
        assert conn.execute(select(PROPOSALS).where(PROPOSALS.c.run_id == row.id)).first() is None
    # The console's panel says so (no progress bar, no cancel button: nothing runs).
    from mentorflow.integrations.web import create_app
    from mentorflow.integrations.web.sessions import cookie_data
    from mentorflow.integrations.web.settings import load_settings

    app = create_app(load_settings(database_url=str(cohort.engine.db.url), secret_key="t", worker=False),
                     engine=cohort.engine)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(cookie_data(cohort.engine, cohort.coordinator))
    try:
        page = client.get(f"/coordinator/{cohort.key}", headers={"Accept-Language": "en"})
    finally:
        set_locale(None)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Matching run {row.id} was interrupted" in html
    assert "matching-progress-bar" not in html and "Cancel the run" not in html
    assert len(api.run_matching(cohort.engine, cohort.key, cohort.coordinator).matched) == 3


def test_the_heartbeat_beats_while_the_solver_is_busy(cohort: Cohort, mentorflow_clock: ManualClock,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "HEARTBEAT_SECONDS", 0.01)
    beats: list[Any] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "solving" and not beats:  # no progress is reported meanwhile: only the thread can beat
            later = mentorflow_clock.advance(minutes=1)
            beats.append(wait_for(lambda: (r := newest(cohort)).heartbeat_at is not None
                                  and runs.as_utc(r.heartbeat_at) == later and r))

    result = api.run_matching(cohort.engine, cohort.key, cohort.coordinator, progress=progress)
    assert beats and beats[0].status == "running" and len(result.matched) == 3
    # Beaten a minute later than it started, it is not taken for dead a lease after its start.
    mentorflow_clock.advance(runs.LEASE - timedelta(seconds=30))
    assert api.reap_interrupted(cohort.engine) == []


def test_rerun_of_a_cancelled_rerun_matches_its_parents_leftovers(cohort: Cohort) -> None:
    hal = cohort.mentee("Hal", languages=["da"], skills_sought=["python"])  # no mentor speaks Danish
    first = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    assert [p.mentee_id for p in first.unmatched] == [hal]
    with pytest.raises(api.RunCancelled):
        api.rerun(cohort.engine, first.run_id, cohort.coordinator, cancelled=lambda: True)  # type: ignore[arg-type]
    cancelled = newest(cohort)
    assert cancelled.status == "cancelled" and cancelled.parent_run_id == first.run_id
    # Run again, the cancelled rerun matches what its parent left (Hal), not nothing and not the whole pool.
    again = api.rerun(cohort.engine, cancelled.id, cohort.coordinator)
    assert newest(cohort).parent_run_id == first.run_id and again.stats["mentees"] == 1
    assert [p.mentee_id for p in again.proposals] == [hal]
