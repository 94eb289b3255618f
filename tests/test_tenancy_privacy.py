"""Who may publish what (issue #21): programme owners, and privacy settings that only an administrator may widen.

On SQLite and PostgreSQL, through the engine (the REST API and the XBlock
publish through it; their own tests go over HTTP and the XBlock runtime).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from click.testing import CliRunner

from mentorflow.engine import Engine
from mentorflow.errors import PublishForbidden
from mentorflow.policy import WEB_OWNER, Publisher, course_owner
from mentorflow.tenancy import owner_of, shares
from mentorflow.testing import lifecycle_workflow

COORDINATOR = Publisher(WEB_OWNER, coordinator=True)
"""A programme's coordinator publishing through the REST API."""
ADMIN = Publisher(WEB_OWNER, administrator=True)
POINTER = "/programme/settings/privacy/coordinator_sees_content"


def workflow(*, sees: bool | None = None, private_pause: bool = False, private_note: bool = False) -> dict[str, Any]:
    document = copy.deepcopy(lifecycle_workflow())
    if sees is not None:
        document["programme"].setdefault("settings", {})["privacy"] = {"coordinator_sees_content": sees}
    if private_pause:
        document["forms"]["pause"]["private"] = True
    if private_note:
        document["forms"]["pause"]["fields"]["note"]["private"] = True
    return document


def refused(engine: Engine, key: str, document: dict[str, Any], publisher: Publisher) -> list[str]:
    before = engine.current_workflow(key)[0]
    with pytest.raises(PublishForbidden) as caught:
        engine.publish_workflow(key, document, publisher=publisher)
    assert caught.value.status == 403
    assert engine.current_workflow(key)[0] == before  # nothing written
    return [p.pointer for p in caught.value.problems]


def test_a_coordinator_cannot_widen_privacy_but_an_administrator_can(mentorflow_engine: Engine) -> None:
    engine = mentorflow_engine
    engine.publish_workflow("p", workflow(sees=False, private_pause=True, private_note=True))
    assert owner_of(engine, "p") == WEB_OWNER
    assert refused(engine, "p", workflow(sees=True, private_pause=True, private_note=True), COORDINATOR) == [POINTER]
    assert refused(engine, "p", workflow(sees=False, private_note=True), COORDINATOR) == ["/forms/pause/private"]
    assert refused(engine, "p", workflow(sees=False, private_pause=True), COORDINATOR) == [
        "/forms/pause/fields/note/private"]
    # Narrowing, or changing anything else, is the coordinator's to do.
    narrower = workflow(sees=False, private_pause=True, private_note=True)
    narrower["programme"]["name"]["en"] = "Renamed"
    assert engine.publish_workflow("p", narrower, publisher=COORDINATOR).created
    assert engine.publish_workflow("p", workflow(sees=True), publisher=ADMIN).created
    # Once on, keeping it on is no widening.
    kept = workflow(sees=True)
    kept["programme"]["name"]["en"] = "Kept"
    assert engine.publish_workflow("p", kept, publisher=COORDINATOR).created


def test_publishers_reach_only_their_owners_programmes(mentorflow_engine: Engine) -> None:
    engine = mentorflow_engine
    biology = Publisher(course_owner("course-v1:Uni+Bio+2026"))
    engine.publish_workflow("bio", workflow(), publisher=biology)
    assert owner_of(engine, "bio") == course_owner("course-v1:Uni+Bio+2026")
    changed = workflow()
    changed["programme"]["name"]["en"] = "Changed"
    assert refused(engine, "bio", changed, Publisher(course_owner("course-v1:Uni+Other+2026"))) == [""]
    assert refused(engine, "bio", changed, COORDINATOR) == [""]  # a course's programme is published from the course
    assert engine.publish_workflow("bio", changed, publisher=biology).created
    engine.publish_workflow("web", workflow())
    assert refused(engine, "web", changed, biology) == [""]
    assert refused(engine, "web", changed, Publisher(WEB_OWNER)) == [""]  # not its coordinator
    with pytest.raises(PublishForbidden):
        engine.publish_workflow("new-one", workflow(), publisher=COORDINATOR)  # creating needs an administrator
    assert engine.programmes() and "new-one" not in {p["key"] for p in engine.programmes()}


def test_switching_coordinator_access_on_never_opens_what_was_written_before(mentorflow_engine: Engine) -> None:
    engine = mentorflow_engine
    engine.publish_workflow("p", workflow(sees=False))
    coordinator, mentor, mentee, mentee2 = (engine.add_person(n) for n in ("Carla", "Morten", "Mia", "Noah"))
    engine.grant_role("p", coordinator, "coordinator")
    engine.grant_role("p", mentor, "mentor")  # a coordinator pairs only people enrolled in the programme
    for person in (mentee, mentee2):
        engine.grant_role("p", person, "mentee")
    old = engine.start_relationship("p", mentee=mentee, mentor=mentor, actor=coordinator)
    old = engine.fire(old, "sign_agreement", mentee, {"accept": True, "comment": "written while off"}).relationship

    def seen(relationship: Any) -> list[Any]:
        return [e.data for e in engine.timeline(relationship.id, viewer=coordinator)
                if e.transition == "sign_agreement"]

    assert seen(old) == [None]
    engine.publish_workflow("p", workflow(sees=True), publisher=ADMIN)
    # The old relationship keeps the setting it was written under, also for what is written after the switch.
    old = engine.fire(old, "sign_agreement", mentor, {"accept": True, "comment": "written after"}).relationship
    assert seen(old) == [None, None]
    new = engine.start_relationship("p", mentee=mentee2, mentor=mentor, actor=coordinator)
    engine.fire(new, "sign_agreement", mentee2, {"accept": True, "comment": "written while on"})
    assert seen(new) == [{"accept": True, "comment": "written while on"}]


def test_administrators_share_programmes_on_the_command_line(mentorflow_database_url: str) -> None:
    from mentorflow.cli import cli

    engine = Engine(mentorflow_database_url)
    engine.publish_workflow("p", workflow())
    env = {"MENTORFLOW_DATABASE_URL": mentorflow_database_url, "MENTORFLOW_LOCALE": "en"}
    run = CliRunner().invoke(cli, ["programmes", "share", "p", "course-v1:Uni+Bio+2026", "--by", "ops"], env=env)
    assert run.exit_code == 0 and "now shared with course-v1:Uni+Bio+2026" in run.output, run.output
    run = CliRunner().invoke(cli, ["programmes", "share", "p", "course-v1:Uni+Bio+2026"], env=env)
    assert run.exit_code == 0 and "already shared" in run.output
    run = CliRunner().invoke(cli, ["programmes", "unshare", "p", "course-v1:Uni+Bio+2026", "--by", "ops2"], env=env)
    assert run.exit_code == 0, run.output
    run = CliRunner().invoke(cli, ["programmes", "shares", "p"], env=env)
    assert "revoked" in run.output and "by ops2" in run.output and "by ops" in run.output
    [record] = shares(engine, "p")
    assert (record.granted_by, record.revoked_by) == ("ops", "ops2")
    for args, message in ((["programmes", "share", "nope", "course-v1:X"], "Programme 'nope' does not exist."),
                          (["programmes", "share", "p", "has space"], "A course id is"),
                          (["programmes", "unshare", "p", "course-v1:Uni+Bio+2026"], "is not shared with")):
        run = CliRunner().invoke(cli, args, env=env)
        assert run.exit_code == 2 and message in run.output and "Traceback" not in run.output, run.output
    assert len(shares(engine, "p")) == 1  # refusals wrote nothing
