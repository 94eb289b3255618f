"""A stock ``mentorflow worker`` (Celery worker and beat, embedded broker) delivers the grades the LTI outbox owes.

Nothing is added to the worker by hand: the LTI plugin declares its tasks through ``mentorflow_worker_tasks``.
The platform is the test platform in Moodle's dialect, which refuses a score whose timestamp is not later, to
the second, than the stored one (``409``). The worker's clock is a clock file the test moves, so "two changes
in one second" is exact rather than a race.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorflow import ManualClock
from mentorflow.integrations.lti.ags import scores
from tests.test_worker import Workers, set_time, wait_for

from .conftest import Tool, course
from .test_services import graded_pair

pytestmark = pytest.mark.slow


def test_the_stock_worker_delivers_owed_grades_and_retries_moodles_409_with_a_later_timestamp(
        sqlite_tool: Tool, tmp_path: Path) -> None:
    tool = sqlite_tool
    key = tool.programme(grade="progress")
    room = course(tool.platform, "Moodle, worker")
    # Not ahead of the real time: the tool signs its token request with this clock, and the platform (PyJWT)
    # refuses an assertion issued in the future; one second ahead failed whenever the run was quick.
    start = datetime.now(UTC).replace(microsecond=0)
    clock = ManualClock(start)
    clock_file = tmp_path / "now.txt"
    set_time(clock_file, start)
    engine, relationship, mentee_id, sub = graded_pair(tool, room, key, clock)

    def row() -> dict[str, Any]:
        [only] = [s for s in scores(engine) if s["relationship_id"] == relationship.id]
        return only

    workers = Workers(tmp_path, {
        "MENTORFLOW_DATABASE_URL": tool.server.database_url, "MENTORFLOW_CLOCK_FILE": str(clock_file),
        "MENTORFLOW_LTI_GRADES_INTERVAL": "1", "MENTORFLOW_STATE_DIR": str(tmp_path),
        "MENTORFLOW_BROKER_POLL": "0.1"})
    workers.env.pop("MENTORFLOW_BROKER_URL", None)
    try:
        workers.start()
        relationship = engine.fire(relationship, "begin", mentee_id).relationship
        wait_for(lambda: row()["status"] == "sent", what="the first grade (50) sent by the worker")
        assert row()["score_given"] == 50 and room.gradebook[(1, str(sub))]["score"] == 50

        # The relationship finishes in the same second as the 50 was sent: Moodle refuses the 100 (409).
        engine.fire(relationship, "finish", mentee_id)
        wait_for(lambda: "409" in (row()["last_error"] or ""), what="Moodle's 409 for a second score in one second")
        refused = row()
        assert refused["status"] == "pending" and refused["score_given"] == 100
        assert refused["next_attempt_at"].replace(tzinfo=UTC) == start + timedelta(seconds=1)  # the next second
        assert room.gradebook[(1, str(sub))]["score"] == 50

        # The next second comes: the worker sends the 100 again, with a later timestamp, by itself.
        set_time(clock_file, clock.advance(seconds=1.2))
        wait_for(lambda: row()["status"] == "sent", what="the final grade sent on the worker's retry")
        final = row()
        assert final["score_given"] == 100 and final["attempts"] == 2
        assert room.gradebook[(1, str(sub))]["score"] == 100
        assert [r["reason"] for r in room.refused] == ["409"]
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- worker logs ---\n{workers.logs()[-6000:]}") from None
    finally:
        workers.stop_all()
        engine.db.dispose()
