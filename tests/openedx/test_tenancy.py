"""Tenancy through the XBlock: a block binds only its own course's programmes or ones shared with its course.

Course staff of one course must not take over another course's programme, a
web programme or an LTI programme by naming its key (issue #21): the bind is
refused in Studio with a located error, a block that names such a key anyway
(a course import) runs nothing, nobody becomes the victim's coordinator, and
the victim's workflow stays the version it was.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import update

from mentorflow import tenancy
from mentorflow.db.models import Programme
from mentorflow.engine import Engine
from mentorflow.integrations.lti.contexts import link_context
from mentorflow.integrations.lti.platforms import register_platform
from mentorflow.integrations.openedx.programme import default_key

from .conftest import LIFECYCLE, Course, lms_user

VICTIM_COURSE, ATTACKER_COURSE = "course-v1:Uni+Biology+2026", "course-v1:Uni+Hacking+2026"
CARLA = lms_user(3, "carla", full_name="Carla Jensen", staff=True, role="staff")
MALLORY = lms_user(9, "mallory", full_name="Mallory Staff", staff=True, role="instructor")
MIA = lms_user(1, "mia", full_name="Mia Larsen")


def hostile_workflow() -> str:
    """The attacker's own workflow: what would replace the victim's if publishing went through."""
    document = json.loads(LIFECYCLE.read_text("utf-8"))
    document["programme"]["name"] = {"en": "Taken over", "da": "Overtaget"}
    return json.dumps(document)


def versions(engine: Engine, key: str) -> tuple[int, str]:
    """The programme's newest version id and its name, as stored."""
    version_id, workflow = engine.current_workflow(key)
    return version_id, workflow.name()


def victim(course: Course) -> tuple[Course, str]:
    """The victim course with its programme published by viewing its block as its staff."""
    biology = course.other(VICTIM_COURSE)
    block = biology.block()
    biology.as_user(CARLA)
    assert "Mentoring" in biology.view(block)
    return biology, default_key(VICTIM_COURSE)


def assert_refused_bind(course: Course, key: str, engine: Engine) -> None:
    """Studio refuses the key with a located error in the asking language; a block naming it anyway runs nothing."""
    before = versions(engine, key)
    attacker = course.other(ATTACKER_COURSE)
    block = attacker.block()
    attacker.as_user(MALLORY)
    status, answer = attacker.call(block, "studio_submit", {"programme_key": key, "workflow_json": hostile_workflow()})
    assert status == 403, answer
    assert [p["pointer"] for p in answer["problems"]] == ["/programme_key"]
    assert "share it with this course" in answer["error"]
    assert block.programme_key == "" and block.workflow_json == ""  # nothing saved
    # In Danish too.
    attacker.i18n.language = "da"
    status, answer = attacker.call(block, "studio_submit", {"programme_key": key})
    attacker.i18n.language = "en"
    assert status == 403 and "dele det med dette kursus" in answer["error"], answer
    # A block that has the key anyway (an imported course): viewing and handlers run nothing.
    imported = attacker.block(programme_key=key, workflow_json=hostile_workflow())
    html = attacker.view(imported)
    assert "Mentoring is not available in this course yet." in html
    status, answer = attacker.call(imported, "pair", {"mentee": 1, "mentor": 2})
    assert status == 403, answer
    assert versions(engine, key) == before
    mallory = engine.find_person("openedx:learn.example.edu", "9")
    assert mallory is None or "coordinator" not in engine.programme_roles(key, mallory)


def test_a_block_cannot_bind_another_courses_programme(course: Course) -> None:
    _biology, key = victim(course)
    engine = Engine(course.database_url)
    assert tenancy.owner_of(engine, key).label == f"openedx:{VICTIM_COURSE}"  # type: ignore[union-attr]
    assert_refused_bind(course, key, engine)


def test_a_block_cannot_bind_a_web_or_an_lti_programme(course: Course) -> None:
    engine = Engine(course.database_url)
    engine.publish_workflow("staff-mentoring", json.loads(LIFECYCLE.read_text("utf-8")))  # an administrator's
    assert_refused_bind(course, "staff-mentoring", engine)
    # An LTI programme: a web programme a Moodle course is linked to.
    engine.publish_workflow("moodle-mentoring", json.loads(LIFECYCLE.read_text("utf-8")))
    platform = register_platform(engine, issuer="https://moodle.example.edu", client_id="tool",
                                 auth_login_url="https://moodle.example.edu/auth",
                                 auth_token_url="https://moodle.example.edu/token",
                                 jwks_url="https://moodle.example.edu/jwks", deployment_ids=["1"])
    link_context(engine, platform_id=platform.id, deployment_id="1", context_id="42",
                 programme_id=engine.programme_id("moodle-mentoring"))
    assert_refused_bind(course, "moodle-mentoring", engine)


def test_a_block_cannot_claim_another_courses_default_key(course: Course) -> None:
    attacker = course.other(ATTACKER_COURSE)
    block = attacker.block()
    attacker.as_user(MALLORY)
    squat = default_key(VICTIM_COURSE)  # not created yet: the victim's blocks would find it taken
    status, answer = attacker.call(block, "studio_submit", {"programme_key": squat})
    assert status == 403 and [p["pointer"] for p in answer["problems"]] == ["/programme_key"], answer
    assert attacker.view(attacker.block(programme_key=squat)).count("Mentoring is not available") == 1
    engine = Engine(course.database_url)
    assert tenancy.owner_of(engine, squat) is None


def test_own_course_binds_and_publishes(course: Course) -> None:
    biology, key = victim(course)
    engine = Engine(course.database_url)
    first = versions(engine, key)
    block = biology.block()
    biology.as_user(CARLA)
    status, answer = biology.call(block, "studio_submit", {"programme_key": key, "workflow_json": hostile_workflow()})
    assert status == 200, answer
    biology.view(block)
    assert versions(engine, key)[0] != first[0] and versions(engine, key)[1] == "Taken over"
    # A key of its own choosing is the course's too.
    custom = biology.block(programme_key="biology-buddies")
    biology.view(custom)
    assert tenancy.owner_of(engine, "biology-buddies").label == f"openedx:{VICTIM_COURSE}"  # type: ignore[union-attr]


def test_an_administrators_share_lets_a_course_run_a_programme_without_publishing_over_it(course: Course) -> None:
    _biology, key = victim(course)
    engine = Engine(course.database_url)
    before = versions(engine, key)
    assert tenancy.share(engine, key, ATTACKER_COURSE, "admin@example.edu")
    assert not tenancy.share(engine, key, ATTACKER_COURSE, "admin@example.edu")  # once is enough
    partner = course.other(ATTACKER_COURSE)
    block = partner.block()
    partner.as_user(MALLORY)
    status, answer = partner.call(block, "studio_submit", {"programme_key": key, "workflow_json": hostile_workflow()})
    assert status == 200, answer
    html = partner.view(block)
    assert "Mentoring is not available" not in html
    mallory = engine.find_person("openedx:learn.example.edu", "9")
    assert mallory is not None and "coordinator" in engine.programme_roles(key, mallory)
    assert versions(engine, key) == before  # the shared course's own document is never published over it
    # Revoking ends it at the next view; the record stays, with who revoked it.
    assert tenancy.unshare(engine, key, ATTACKER_COURSE, "admin@example.edu")
    assert "Mentoring is not available" in partner.view(block)
    [record] = tenancy.shares(engine, key)
    assert (record.course, record.granted_by, record.revoked_by) == (ATTACKER_COURSE, "admin@example.edu",
                                                                     "admin@example.edu")
    assert record.revoked_at is not None


def test_a_programme_from_before_owners_is_claimed_by_its_own_course_only(course: Course) -> None:
    biology, key = victim(course)
    engine = Engine(course.database_url)
    P = Programme.__table__
    with engine.write() as conn:  # as the migration leaves an Open edX programme: no course known
        conn.execute(update(P).where(P.c.key == key).values(owner_ref=None))
    assert_refused_bind(course, key, engine)
    biology.as_user(CARLA)
    assert "Mentoring is not available" not in biology.view(biology.block())
    assert tenancy.owner_of(engine, key).label == f"openedx:{VICTIM_COURSE}"  # type: ignore[union-attr]


def privacy_workflow() -> str:
    document = json.loads(LIFECYCLE.read_text("utf-8"))
    document["programme"].setdefault("settings", {})["privacy"] = {"coordinator_sees_content": True}
    return json.dumps(document)


def test_course_staff_cannot_upload_a_workflow_that_lets_coordinators_read_content(course: Course) -> None:
    biology, key = victim(course)
    engine = Engine(course.database_url)
    before = versions(engine, key)
    block = biology.block()
    biology.as_user(CARLA)
    status, answer = biology.call(block, "studio_submit", {"workflow_json": privacy_workflow()})
    assert status == 403, answer
    assert [p["pointer"] for p in answer["problems"]] == ["/programme/settings/privacy/coordinator_sees_content"]
    assert block.workflow_json == ""
    # A block that has it anyway does not publish it.
    assert "Mentoring is not available" in biology.view(biology.block(workflow_json=privacy_workflow()))
    assert versions(engine, key) == before
    biology.as_user(MIA)
    assert "Mentoring is not available" in biology.view(biology.block(workflow_json=privacy_workflow()))


NOTICE = "Your programme&#39;s coordinators can read what you share here."


def test_participants_are_told_when_coordinators_read_what_they_share(course: Course, tmp_path: Path) -> None:
    from .test_block import paired

    # A server template (the operator's, so an administrator's choice) that opens content to coordinators.
    opened = tmp_path / "open.json"
    opened.write_text(privacy_workflow(), "utf-8")
    course.settings.buckets["MentorflowXBlock"]["EXTRA_TEMPLATES"]["open"] = str(opened)
    plain = course.block()
    paired(course, plain)
    course.as_user(MIA)
    assert NOTICE not in course.view(plain)
    other = course.other(VICTIM_COURSE)
    block = other.block(template="open")
    sofie, liam = lms_user(5, "sofie", full_name="Sofie Dahl"), lms_user(6, "liam", full_name="Liam Chen")
    for who, role in ((sofie, "mentee"), (liam, "mentor")):
        other.as_user(who)
        assert other.call(block, "enrol", {"role": role, "profile": {"study_line": "Biology"}})[0] == 200
    engine = Engine(course.database_url)
    other.as_user(CARLA)
    status, answer = other.call(block, "pair", {"mentee": engine.find_person("openedx:learn.example.edu", "5"),
                                                "mentor": engine.find_person("openedx:learn.example.edu", "6")})
    assert status == 200, answer
    for who in (sofie, liam):
        other.as_user(who)
        assert NOTICE in other.view(block)
    other.as_user(CARLA)  # the coordinator is no participant: the notice is for the pair
    assert NOTICE not in other.view(block)
    # In Danish.
    other.as_user(sofie)
    other.i18n.language = "da"
    try:
        assert "Programmets koordinatorer kan læse det, du deler her." in other.view(block)
    finally:
        other.i18n.language = "en"
