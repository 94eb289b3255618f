"""LTI Advantage services against the test platform: roster import (NRPS, paged) and grades (AGS)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mentorflow import Engine, ManualClock
from mentorflow.integrations.lti.ags import deliver_grades, scores
from mentorflow.integrations.lti.contexts import contexts_of
from mentorflow.integrations.lti.errors import ServiceError
from mentorflow.integrations.lti.nrps import sync_roster
from mentorflow.integrations.lti.services import forget_tokens

from .conftest import Browser, Tool, course, person, run_cli
from .platform import LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, RESULT_SCOPE, SCORE_SCOPE, Course, Person


def link_course(tool: Tool, room: Course, key: str, teacher: Person) -> int:
    """The teacher's launch links the course to the programme and announces the service endpoints."""
    tool.platform.expect(f"link-{room.id}", teacher, room, custom={"programme": key})
    b = Browser(tool)
    assert b.launch(f"link-{room.id}").status_code == 303
    b.close()
    engine = tool.engine()
    [linked] = [c for c in contexts_of(engine, programme_id=engine.programme_id(key)) if c.context_id == room.id]
    engine.db.dispose()
    return linked.id


def test_roster_sync_pages_through_the_members_and_grants_roles(sqlite_tool: Tool) -> None:
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = tool.programme(learner_role="mentee")
    room = course(platform, "Physics")
    teacher = person("Instructor", "Tea Cher")
    learners = [person("Learner", f"Lea Learner{i}") for i in range(4)]
    learners[3].status = "Inactive"
    room.members = [teacher, *learners]
    context_row = link_course(tool, room, key, teacher)
    forget_tokens()
    engine = tool.engine()
    report = sync_roster(engine, context_row)
    assert (report.members, report.pages, report.created, report.inactive) == (5, 3, 4, 1)  # 2 per page
    assert report.roles == {"coordinator": 1, "participant": 3}
    source = f"lti:{platform.url}"
    for learner in learners[:3]:
        pid = engine.find_person(source, learner.sub)
        assert engine.programme_roles(key, pid) == {"mentee"}  # type: ignore[arg-type]
        assert engine.person(pid)["email"] == learner.email  # type: ignore[arg-type]
    inactive = engine.find_person(source, learners[3].sub)
    assert inactive is not None and engine.programme_roles(key, inactive) == set()
    assert platform.token_requests[-1]["scopes"] == {
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"}
    # Syncing again creates nobody and picks up a changed name.
    learners[0].name = "Lea Renamed"
    again = sync_roster(engine, context_row)
    assert (again.created, again.updated) == (0, 5)
    assert engine.person(engine.find_person(source, learners[0].sub))["display_name"] == "Lea Renamed"  # type: ignore[arg-type]
    engine.db.dispose()
    # The command line does the same with a progress bar.
    run = run_cli("lti", "sync-roster", "--programme", key, env={"MENTORFLOW_DATABASE_URL": tool.server.database_url})
    assert run.exit_code == 0, run.stderr
    assert "5 members (0 new, 1 inactive) from 3 page(s)" in run.stdout and "Course Physics" in run.stderr


def test_completion_is_published_to_the_gradebook_when_the_relationship_closes(sqlite_tool: Tool) -> None:
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = tool.programme(grade="completion", line_item_label={"en": "Mentoring done", "da": "Mentorforløb"})
    room = course(platform, "Law")
    mentor, mentee = person("Learner", "Max Mentor"), person("Learner", "Mie Mentee")
    room.members = [mentor, mentee]
    link_course(tool, room, key, person("Instructor"))
    engine = tool.engine()
    from mentorflow.integrations.lti.contexts import get_context
    from mentorflow.integrations.lti.nrps import sync_roster as sync

    sync(engine, contexts_of(engine, programme_id=engine.programme_id(key))[0].id)
    source = f"lti:{platform.url}"
    mentor_id, mentee_id = engine.find_person(source, mentor.sub), engine.find_person(source, mentee.sub)
    engine.grant_role(key, mentor_id, "mentor")  # type: ignore[arg-type]
    relationship = engine.start_relationship(key, mentee=mentee_id, mentor=mentor_id)  # type: ignore[arg-type]
    relationship = engine.fire(relationship, "begin", mentee_id).relationship  # type: ignore[arg-type]
    assert deliver_grades(engine).sent == 0 and room.scores == []  # completion: nothing until the end
    engine.fire(relationship, "finish", mentor_id)  # type: ignore[arg-type]
    # The transition only owes the grade; the worker sends it.
    assert room.scores == [] and [s["status"] for s in scores(engine)
                                  if s["relationship_id"] == relationship.id] == ["pending"]
    assert deliver_grades(engine).sent == 1
    [score] = room.scores
    assert score["userId"] == mentee.sub and score["scoreGiven"] == score["scoreMaximum"] == 100
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert score["timestamp"].endswith("+00:00")
    [item] = room.lineitems
    assert item["label"] == "Mentoring done" and item["resourceId"] == f"mentorflow:{key}"
    assert item["resourceLinkId"] == room.resource_link_id  # the launch's resource link
    assert room.gradebook[(1, mentee.sub)]["score"] == 100  # read back through the results service
    linked = get_context(engine, contexts_of(engine, programme_id=engine.programme_id(key))[0].id)
    assert linked.lineitem_url == item["id"]
    assert [s["status"] for s in scores(engine) if s["relationship_id"] == relationship.id] == ["sent"]
    engine.db.dispose()


def test_progress_grades_follow_each_stage_and_reuse_the_line_item(sqlite_tool: Tool) -> None:
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = tool.programme(grade="progress", grade_roles=["mentee", "mentor"], score_maximum=10)
    room = course(platform, "History")
    mentor, mentee = person("Learner"), person("Learner")
    room.members = [mentor, mentee]
    room.lineitems.append({"id": f"{platform.url}/mod/lti/services.php/{room.id}/lineitems/7/lineitem?type_id=1",
                           "resourceId": f"mentorflow:{key}", "label": "existing", "scoreMaximum": 10})
    link_course(tool, room, key, person("Instructor"))
    engine = tool.engine()
    sync_roster(engine, contexts_of(engine, programme_id=engine.programme_id(key))[0].id)
    source = f"lti:{platform.url}"
    mentor_id, mentee_id = engine.find_person(source, mentor.sub), engine.find_person(source, mentee.sub)
    engine.grant_role(key, mentor_id, "mentor")  # type: ignore[arg-type]
    relationship = engine.start_relationship(key, mentee=mentee_id, mentor=mentor_id)  # type: ignore[arg-type]
    relationship = engine.fire(relationship, "begin", mentee_id).relationship  # type: ignore[arg-type]
    assert deliver_grades(engine).sent == 2
    # Progress is sent FullyGraded: Moodle would store no score for InProgress/Pending.
    assert sorted((s["userId"], s["scoreGiven"], s["activityProgress"], s["gradingProgress"])
                  for s in room.scores) == sorted([(mentee.sub, 5.0, "InProgress", "FullyGraded"),
                                                   (mentor.sub, 5.0, "InProgress", "FullyGraded")])
    assert room.gradebook[(7, mentee.sub)]["score"] == 5.0
    engine.fire(relationship, "finish", mentee_id)  # type: ignore[arg-type]
    wait_for_sent(engine, relationship.id)
    assert [s["scoreGiven"] for s in room.scores[2:] if s not in room.refused][-2:] == [10, 10]
    assert {g["score"] for (item, _user), g in room.gradebook.items() if item == 7} == {10}
    assert len(room.lineitems) == 1 and {s["lineitem"] for s in room.scores} == {7}  # found, not created
    engine.db.dispose()


def wait_for_sent(engine: Any, relationship_id: int, timeout: float = 10) -> list[dict[str, Any]]:
    """The worker's loop: deliver what is owed until every grade of the relationship is sent (or time is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliver_grades(engine, datetime.now(UTC))
        rows = [s for s in scores(engine) if s["relationship_id"] == relationship_id]
        if rows and all(s["status"] == "sent" for s in rows):
            return rows
        time.sleep(0.1)
    raise AssertionError(f"grades not sent: {scores(engine)}")


def graded_pair(tool: Tool, room: Course, key: str, clock: ManualClock | None = None) -> tuple[Engine, Any, int, int]:
    """A mentor and a mentee in a linked, synced course, and their relationship (on ``clock`` if given)."""
    mentor, mentee = person("Learner"), person("Learner")
    room.members = [mentor, mentee]
    link_course(tool, room, key, person("Instructor"))
    engine = Engine(tool.server.database_url, clock=clock) if clock else tool.engine()
    sync_roster(engine, contexts_of(engine, programme_id=engine.programme_id(key))[0].id)
    source = f"lti:{tool.platform.url}"
    mentor_id, mentee_id = engine.find_person(source, mentor.sub), engine.find_person(source, mentee.sub)
    engine.grant_role(key, mentor_id, "mentor")  # type: ignore[arg-type]
    relationship = engine.start_relationship(key, mentee=mentee_id, mentor=mentor_id)  # type: ignore[arg-type]
    return engine, relationship, mentee_id, int(mentee.sub)  # type: ignore[return-value]


def test_open_edx_counts_a_programmatic_line_items_score_for_the_block(sqlite_tool: Tool) -> None:
    """Open edX passes a score to the course grade only on a line item carrying the block's resourceLinkId."""
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = tool.programme(grade="completion")
    room = course(platform, "edX course")
    room.dialect = "openedx"
    engine, relationship, mentee_id, sub = graded_pair(tool, room, key)
    relationship = engine.fire(relationship, "begin", mentee_id).relationship
    engine.fire(relationship, "finish", mentee_id)
    assert deliver_grades(engine).sent == 1
    [item] = room.lineitems
    assert item["resourceLinkId"] == room.resource_link_id
    assert room.refused == [] and room.block_grades == {str(sub): 1.0}
    engine.db.dispose()


def test_a_score_the_gradebook_accepts_but_does_not_show_is_not_marked_sent(sqlite_tool: Tool) -> None:
    """A platform that answers 200 but grades nothing: the read-back catches it, the row is retried, not ``sent``."""
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = tool.programme(grade="completion")
    room = course(platform, "Moodle, dropping")
    room.drops_scores = True
    engine, relationship, mentee_id, _sub = graded_pair(tool, room, key)
    relationship = engine.fire(relationship, "begin", mentee_id).relationship
    engine.fire(relationship, "finish", mentee_id)
    report = deliver_grades(engine)
    assert (report.sent, report.retried) == (0, 1) and len(room.scores) == 1
    [row] = [s for s in scores(engine) if s["relationship_id"] == relationship.id]
    assert row["status"] == "pending"
    assert row["last_error"] == "The gradebook accepted the score 100 but shows - for it."
    room.drops_scores = False  # the platform is mended: the retry after the backoff (a minute) arrives
    assert deliver_grades(engine, engine.clock.now() + timedelta(seconds=30)).sent == 0
    assert deliver_grades(engine, engine.clock.now() + timedelta(minutes=2)).sent == 1
    engine.db.dispose()


def test_a_grade_the_gradebook_keeps_refusing_stays_owed_with_its_error(sqlite_tool: Tool) -> None:
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = tool.programme(grade="completion")
    room = course(platform, "Moodle, no score")
    engine, relationship, mentee_id, sub = graded_pair(tool, room, key)
    relationship = engine.fire(relationship, "begin", mentee_id).relationship
    engine.fire(relationship, "finish", mentee_id)
    # Someone edited the grade in the gradebook in the future: Moodle stores nothing and says 409 every time.
    room.gradebook[(1, str(sub))] = {"score": None, "maximum": 100, "timemodified": 4102444800}
    report = deliver_grades(engine)
    assert (report.sent, report.retried) == (0, 1)
    [row] = [s for s in scores(engine) if s["relationship_id"] == relationship.id]
    assert row["status"] == "pending" and "409" in row["last_error"]
    del room.gradebook[(1, str(sub))]  # the teacher's edit is undone: the retry after the backoff arrives
    assert deliver_grades(engine, engine.clock.now() + timedelta(minutes=2)).sent == 1
    engine.db.dispose()


def test_two_changes_in_one_second_reach_moodle_through_the_workers_retry(sqlite_tool: Tool) -> None:
    """Moodle refuses a score not later, to the second, than the last: the worker retries it with a later one."""
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = tool.programme(grade="progress")
    room = course(platform, "Moodle, fast")
    start = datetime.now(UTC).replace(microsecond=0)
    clock = ManualClock(start)
    engine, relationship, mentee_id, sub = graded_pair(tool, room, key, clock)
    relationship = engine.fire(relationship, "begin", mentee_id).relationship
    assert deliver_grades(engine, clock.advance(seconds=0.1)).sent == 1  # 50 at second 0
    engine.fire(relationship, "finish", mentee_id)
    report = deliver_grades(engine, clock.advance(seconds=0.3))  # 100 in the same second
    assert (report.sent, report.retried) == (0, 1) and "earlier timestamp" in report.errors[0]
    [row] = [s for s in scores(engine) if s["relationship_id"] == relationship.id]
    assert row["status"] == "pending" and row["next_attempt_at"].replace(tzinfo=UTC) == start + timedelta(seconds=1)
    [rows] = [wait_for_sent(engine, relationship.id)]
    assert rows[0]["score_given"] == 100 and rows[0]["attempts"] == 2
    assert room.gradebook[(1, str(sub))]["score"] == 100
    assert [r["reason"] for r in room.refused] == ["409"]
    engine.db.dispose()


def test_a_course_without_a_roster_service_says_so(sqlite_tool: Tool) -> None:
    tool = sqlite_tool
    key = tool.programme()
    room = course(tool.platform, "Quiet")
    row = link_course(tool, room, key, person("Instructor"))
    engine = tool.engine()
    from sqlalchemy import update

    from mentorflow.integrations.lti.models import Context

    with engine.write() as conn:
        conn.execute(update(Context.__table__).where(Context.__table__.c.id == row).values(memberships_url=None))
    with pytest.raises(ServiceError, match="roster service"):
        sync_roster(engine, row)
    engine.db.dispose()


def test_only_the_ags_scopes_the_launch_offers_are_asked_for(sqlite_tool: Tool) -> None:
    """A launch offering ``lineitem.readonly`` (not ``lineitem``): mentorflow finds columns, never asks to make one."""
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = tool.programme(grade="completion")
    room = course(platform, "Read-only columns")
    room.ags_scopes = [LINEITEM_READONLY_SCOPE, SCORE_SCOPE, RESULT_SCOPE]
    engine, relationship, mentee_id, sub = graded_pair(tool, room, key)
    relationship = engine.fire(relationship, "begin", mentee_id).relationship
    engine.fire(relationship, "finish", mentee_id)
    forget_tokens()
    asked = len(platform.token_requests)
    report = deliver_grades(engine)
    assert report.retried == 1 and "no lineitem scope" in report.errors[0] and room.lineitems == []
    assert [r["scopes"] for r in platform.token_requests[asked:]] == [
        {LINEITEM_READONLY_SCOPE, SCORE_SCOPE, RESULT_SCOPE}]
    # The teacher adds the column on the platform (as deep linking would): the next round finds and uses it.
    room.lineitems.append({"id": f"{platform.url}/mod/lti/services.php/{room.id}/lineitems/1/lineitem?type_id=1",
                           "resourceId": f"mentorflow:{key}", "label": "Mentoring", "scoreMaximum": 100})
    from sqlalchemy import update

    from mentorflow.integrations.lti.models import Score

    with engine.write() as conn:  # the backoff has passed
        conn.execute(update(Score.__table__).values(next_attempt_at=engine.clock.now()))
    assert deliver_grades(engine).sent == 1 and room.gradebook[(1, str(sub))]["score"] == 100
    assert all(LINEITEM_SCOPE not in r["scopes"] for r in platform.token_requests[asked:])
    engine.db.dispose()


def test_the_workers_task_delivers_owed_grades(sqlite_tool: Tool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``mentorflow.lti.deliver_grades``, run as Celery runs it (eagerly here), on the configured database."""
    from mentorflow.integrations.lti.tasks import deliver_grades_task

    tool, platform = sqlite_tool, sqlite_tool.platform
    key = tool.programme(grade="completion")
    room = course(platform, "Worker task")
    engine, relationship, mentee_id, sub = graded_pair(tool, room, key)
    relationship = engine.fire(relationship, "begin", mentee_id).relationship
    engine.fire(relationship, "finish", mentee_id)
    monkeypatch.setenv("MENTORFLOW_DATABASE_URL", tool.server.database_url)
    report = deliver_grades_task.apply().get()
    assert report["sent"] >= 1 and room.gradebook[(1, str(sub))]["score"] == 100
    assert [s["status"] for s in scores(engine) if s["relationship_id"] == relationship.id] == ["sent"]
    engine.db.dispose()
