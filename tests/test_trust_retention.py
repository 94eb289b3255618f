"""Retention: content of relationships closed longer than ``settings.retention.closed_content`` is removed.

The clock moves past the period; everything the pair wrote in the closed
relationships (audit events and every plugin's rows) becomes ``[erased]``,
the open relationship and the programme without a period keep theirs, and
the programme's figures stay. Through the function, the command line and a
real Celery worker whose clock is a file. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorflow import Engine, ManualClock, WorkflowInvalid
from mentorflow.plugins.goals import api as goals
from mentorflow.plugins.meetings import api as meetings
from mentorflow.plugins.reflections import api as reflections
from mentorflow.retention import PURGE_TRANSITION, purged, run_retention
from tests.trust_world import Cast, drive_everything, find_in_database, full_workflow, make_cast

PERIOD = timedelta(days=2 * 365)  # P2Y: years count 365 days (mentorflow.durations)


def names(prefix: str) -> dict[str, tuple[str, str]]:
    return {who: (f"{prefix} {who}", f"{prefix}.{who}@example.org".lower())
            for who in ("coordinator", "mentor", "mentee", "other_mentor", "other_mentee")}


def world(engine: Engine, clock: ManualClock) -> tuple[Cast, Any, Cast]:
    """Closed relationships in a P2Y programme, one still open there, and closed ones in a programme that keeps."""
    engine.publish_workflow("kept", full_workflow())
    engine.publish_workflow("limited", full_workflow(retention="P2Y"))
    kept = drive_everything(engine, clock, "kept", make_cast(engine, "kept", names("K")),
                            lambda who, field: f"KEEP-{who}-{field}")
    limited = drive_everything(engine, clock, "limited", make_cast(engine, "limited", names("L")),
                               lambda who, field: f"GONE-{who}-{field}")
    open_rel = engine.start_relationship("limited", mentee=limited.other_mentee, mentor=limited.other_mentor,
                                         actor=limited.coordinator)
    engine.fire(open_rel, "propose_agreement", limited.other_mentor, {
        "mentor_expectations": "OPEN-expectations", "mentee_expectations": "OPEN-mentee", "meeting_frequency": "weekly",
        "meeting_format": "phone", "confidentiality": "OPEN-confidential", "duration": "P6M", "ending": "OPEN-end"})
    return limited, open_rel, kept


def figures(engine: Engine, cast: Cast, programme: str) -> dict[str, Any]:
    health = reflections.programme_health(engine, programme, cast.coordinator)
    return {"states": engine.count_relationships(programme),
            "health": (health.reflections, health.average_trust, health.average_health, health.pulse_answers,
                       health.average_satisfaction),
            "meetings": meetings.meeting_stats(engine, programme, cast.coordinator),
            "goals": goals.programme_goal_attainment(engine, programme, cast.coordinator)}


def test_closed_content_is_removed_once_the_period_has_passed(mentorflow_engine: Engine,
                                                               mentorflow_clock: ManualClock) -> None:
    engine, clock = mentorflow_engine, mentorflow_clock
    limited, open_rel, kept = world(engine, clock)
    assert limited.main is not None and limited.early is not None
    closed = sorted([limited.main.id, limited.early.id])
    before = figures(engine, limited, "limited")

    assert run_retention(engine).due == []
    clock.advance(PERIOD - timedelta(days=1))  # not yet: the period counts from each closing
    assert run_retention(engine).due == []
    clock.advance(days=2)
    dry = run_retention(engine, dry_run=True)
    assert dry.due == closed and dry.purged == []
    assert find_in_database(engine, ["GONE-"]), "a dry run changes nothing"

    report = run_retention(engine)
    assert report.purged == closed and not report.errors
    assert not find_in_database(engine, ["GONE-"]), "closed content must be gone everywhere"
    for marker in ("KEEP-mentee-went_well", "KEEP-mentor-private_notes", "OPEN-expectations", "L mentee"):
        assert find_in_database(engine, [marker]), f"{marker} belongs to content that is kept"
    assert figures(engine, limited, "limited") == before
    for rid in closed:
        last = engine.timeline(rid)[-1]
        assert (last.transition, last.actor_role, last.from_state, last.to_state) == (
            PURGE_TRANSITION, "system", "closed", "closed")
        assert purged(engine, rid) == clock.now()
        assert engine.get(rid).version == last.seq
    # Purged relationships are not purged again; a later run finds nothing.
    clock.advance(days=400)
    assert run_retention(engine).due == []
    assert purged(engine, open_rel.id) is None and purged(engine, kept.main.id) is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("value", "pointer"), [
    ("two years", "/programme/settings/retention/closed_content"),
    ("P0D", "/programme/settings/retention/closed_content"),
    (None, "/programme/settings/retention"),
])
def test_a_bad_retention_setting_is_refused_with_its_pointer(mentorflow_engine: Engine, value: Any,
                                                             pointer: str) -> None:
    document = full_workflow()
    document["programme"]["settings"]["retention"] = {"closed_content": value} if value else ["P2Y"]
    with pytest.raises(WorkflowInvalid) as invalid:
        mentorflow_engine.load_workflow(document)
    assert pointer in [p.pointer for p in invalid.value.problems]


def test_privacy_setting_must_be_a_real_boolean(mentorflow_engine: Engine) -> None:
    """``"coordinator_sees_content": "false"`` (a string) would have opened content; it is refused."""
    document = full_workflow()
    document["programme"]["settings"]["privacy"] = {"coordinator_sees_content": "false", "coordinator_sees": True}
    with pytest.raises(WorkflowInvalid) as invalid:
        mentorflow_engine.load_workflow(document)
    assert {p.pointer for p in invalid.value.problems} == {
        "/programme/settings/privacy/coordinator_sees_content", "/programme/settings/privacy/coordinator_sees"}


def test_cli_dry_run_then_run(tmp_path: Path) -> None:
    clock = ManualClock()
    url = f"sqlite:///{tmp_path / 'retention.db'}"
    engine = Engine(url, clock=clock)
    engine.upgrade_database()
    engine.publish_workflow("limited", full_workflow(retention="P18M"))
    cast = drive_everything(engine, clock, "limited", make_cast(engine, "limited", names("C")),
                            lambda who, field: f"CLI-{who}-{field}")
    clock_file = tmp_path / "now.txt"
    clock_file.write_text((clock.now() + timedelta(days=18 * 30 + 1)).isoformat())
    env = {**os.environ, "MENTORFLOW_CLOCK_FILE": str(clock_file), "MENTORFLOW_DATABASE_URL": url}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mentorflow", "retention", "run", *args], env=env,
                              capture_output=True, text=True, timeout=60)

    dry = cli("--dry-run", "--format", "json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["due"] == sorted([cast.main.id, cast.early.id])  # type: ignore[union-attr]
    assert find_in_database(engine, ["CLI-"])
    done = cli()
    assert done.returncode == 0, done.stderr
    assert "Removed the content of 2 relationships" in done.stdout
    assert not find_in_database(engine, ["CLI-"])
    engine.db.dispose()


@pytest.mark.slow
def test_the_worker_runs_retention_on_its_schedule(tmp_path: Path) -> None:
    """A real Celery worker with beat (embedded broker) purges once its file clock passes the period."""
    from tests.test_worker import Workers, set_time, wait_for

    clock = ManualClock()
    database = tmp_path / "mentorflow.db"
    engine = Engine(f"sqlite:///{database}", clock=clock)
    engine.upgrade_database()
    engine.publish_workflow("limited", full_workflow(retention="P1Y"))
    cast = drive_everything(engine, clock, "limited", make_cast(engine, "limited", names("W")),
                            lambda who, field: f"WORKER-{who}-{field}")
    clock_file = tmp_path / "now.txt"
    set_time(clock_file, clock.now())
    workers = Workers(tmp_path, {
        "MENTORFLOW_DATABASE_URL": str(engine.db.url), "MENTORFLOW_CLOCK_FILE": str(clock_file),
        "MENTORFLOW_RETENTION_INTERVAL": "1", "MENTORFLOW_SCAN_INTERVAL": "3600",
        "MENTORFLOW_DELIVER_INTERVAL": "3600", "MENTORFLOW_STATE_DIR": str(tmp_path), "MENTORFLOW_BROKER_POLL": "0.1"})
    workers.env.pop("MENTORFLOW_BROKER_URL", None)
    try:
        workers.start()
        wait_for(lambda: "mentorflow.retention" in workers.logs(), timeout=60, what="a first retention run")
        assert purged(engine, cast.main.id) is None  # type: ignore[union-attr]
        set_time(clock_file, clock.now() + timedelta(days=366))
        wait_for(lambda: purged(engine, cast.main.id) is not None, timeout=60,  # type: ignore[union-attr]
                 what="the worker's retention run")
        wait_for(lambda: purged(engine, cast.early.id) is not None, timeout=30,  # type: ignore[union-attr]
                 what="the second relationship")
        assert not find_in_database(engine, ["WORKER-"])
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- worker logs ---\n{workers.logs()[-6000:]}") from None
    finally:
        workers.stop_all()
        engine.db.dispose()
