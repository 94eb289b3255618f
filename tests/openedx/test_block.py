"""The XBlock under xblock's TestRuntime: views render, handlers check who asks and validate what is sent."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mentorflow.engine import Engine
from mentorflow.schemas import template_paths

from .conftest import LIFECYCLE, Course, lms_user

MIA, MORTEN, CARLA, EVE = (lms_user(1, "mia", full_name="Mia Larsen", language="en"),
                           lms_user(2, "morten", full_name="Morten Holm"),
                           lms_user(3, "carla", full_name="Carla Jensen", staff=True, role="staff"),
                           lms_user(4, "eve", full_name="Eve Stranger"))


def ok(course: Course, block: Any, handler: str, body: Any) -> dict[str, Any]:
    status, answer = course.call(block, handler, body)
    assert status == 200, answer
    return answer


def paired(course: Course, block: Any) -> int:
    """Mia (mentee) and Morten (mentor) sign up and Carla pairs them; returns the relationship id."""
    course.as_user(MIA)
    ok(course, block, "enrol", {"role": "mentee", "profile": {"study_line": "Biology", "languages": "da"}})
    course.as_user(MORTEN)
    ok(course, block, "enrol", {"role": "mentor", "profile": {"study_line": "Physics"}})
    course.as_user(CARLA)
    engine = Engine(course.database_url)
    mia = engine.find_person("openedx:learn.example.edu", "1")
    morten = engine.find_person("openedx:learn.example.edu", "2")
    answer = ok(course, block, "pair", {"mentee": mia, "mentor": morten})
    assert answer["message"] == "The relationship has started."
    (snap,) = engine.relationships_of(mia)
    engine.db.dispose()
    return snap.id


def fire(course: Course, block: Any, rid: int, transition: str, data: dict[str, Any] | None = None,
         version: int | None = None) -> tuple[int, dict[str, Any]]:
    return course.call(block, "fire", {"relationship": rid, "transition": transition, "data": data or {},
                                       **({"version": version} if version is not None else {})})


def test_a_learner_signs_up_with_the_profile_form_and_sees_the_relationship(course: Course) -> None:
    block = course.block()
    course.as_user(MIA)
    html = course.view(block)
    assert "Sign up for mentoring" in html and "Study line" in html and "Preferred language" in html
    answer = ok(course, block, "enrol", {"role": "mentee", "profile": {"study_line": "Biology"}})
    assert answer["message"] == "You are signed up."
    assert "Your coordinator will match you soon" in answer["html"]
    engine = Engine(course.database_url)
    person = engine.find_person("openedx:learn.example.edu", "1")
    assert engine.person(person)["display_name"] == "Mia Larsen"
    assert engine.person(person)["email"] == "mia@example.org"
    from mentorflow.plugins.matching.api import get_profile

    assert get_profile(engine, "openedx-workbench", person, "mentee", person).data == {"study_line": "Biology"}
    # Signing up twice is refused, and nothing changes.
    status, again = course.call(block, "enrol", {"role": "mentor", "profile": {"study_line": "Biology"}})
    assert status == 400 and again["error"] == "You are already signed up for this programme."
    assert engine.programme_roles("openedx-workbench", person) == {"mentee"}
    engine.db.dispose()


def test_a_bad_profile_writes_nothing_and_says_which_field(course: Course) -> None:
    block = course.block(signup_roles="mentee")
    course.as_user(MIA)
    status, answer = course.call(block, "enrol", {"role": "mentee", "profile": {"study_line": "B"}})
    assert status == 422
    assert [p["pointer"] for p in answer["problems"]] == ["/study_line"]
    # The field with the problem is marked invalid and described by its message.
    assert answer["html"].count('aria-invalid="true"') == 1 and 'class="error"' in answer["html"]
    status, answer = course.call(block, "enrol", {"role": "mentor", "profile": {"study_line": "Physics"}})
    assert status == 422 and answer["problems"][0]["pointer"] == "/role"  # the block offers mentees only
    engine = Engine(course.database_url)
    assert engine.find_person("openedx:learn.example.edu", "1") is None
    engine.db.dispose()


def test_the_pair_goes_through_the_lifecycle_and_sees_each_others_shared_items(course: Course) -> None:
    block = course.block()
    rid = paired(course, block)
    course.as_user(MIA)
    assert "Mentoring with Morten Holm" in course.view(block)
    status, answer = fire(course, block, rid, "sign_agreement", {"accept": True, "comment": "Looking forward"})
    assert status == 200 and answer["message"] == "Done: Sign the agreement"
    course.as_user(MORTEN)
    assert fire(course, block, rid, "sign_agreement", {"accept": "true"})[0] == 200
    assert fire(course, block, rid, "agree")[0] == 200
    course.as_user(MIA)
    assert fire(course, block, rid, "add_goal", {"title": "Choose a thesis topic", "category": "academic"})[0] == 200
    assert fire(course, block, rid, "start_reflecting")[0] == 200
    status, answer = fire(course, block, rid, "submit_reflection", {"went_well": "Three topics", "health": "4"})
    assert status == 200
    course.as_user(MORTEN)
    html = course.view(block)
    assert "Three topics" in html and "Looking forward" in html  # the mentee's shared items
    assert fire(course, block, rid, "begin_closure")[0] == 200
    status, answer = fire(course, block, rid, "close", {"learned": "Patience", "satisfaction": "5"})
    assert status == 200 and 'aria-current="step">Closed' in answer["html"]
    course.as_user(CARLA)
    html = course.view(block)
    assert "<th scope=\"row\">Closed</th><td>1</td>" in html
    assert 'href="https://mentoring.example.edu/coordinator/openedx-workbench"' in html


def test_errors_come_back_with_the_status_of_the_mentorflow_error(course: Course) -> None:
    block = course.block()
    rid = paired(course, block)
    course.as_user(MIA)
    status, answer = fire(course, block, rid, "agree")  # both must sign first
    assert status == 409 and "blocked the transition" in answer["error"]
    status, answer = fire(course, block, rid, "sign_agreement", {})
    assert status == 422 and answer["problems"][0]["pointer"] == "/accept"
    assert 'id="' in answer["html"] and "details class=\"action card\" open" in answer["html"]  # the form stays open
    status, answer = fire(course, block, rid, "sign_agreement", {"accept": True}, version=0)
    assert status == 409 and "changed by someone else" in answer["error"]  # a stale page writes nothing
    status, answer = fire(course, block, rid, "no_such_step")
    assert status == 404
    assert fire(course, block, rid, "sign_agreement", {"accept": True})[0] == 200
    course.as_user(MORTEN)
    assert fire(course, block, rid, "sign_agreement", {"accept": True})[0] == 200
    assert fire(course, block, rid, "agree")[0] == 200
    course.as_user(MIA)
    status, answer = fire(course, block, rid, "add_goal", {"title": "A goal", "category": "academic",
                                                           "target_date": "soon"})
    assert status == 422 and [p["pointer"] for p in answer["problems"]] == ["/target_date"]
    status, answer = fire(course, block, rid, "start_reflecting")
    assert status == 409  # no goal yet: the guard says so
    status, answer = course.call(block, "fire", b"{not json")
    assert status == 400
    status, answer = course.call(block, "fire", {}, method="GET")
    assert status == 405


def test_handlers_take_the_person_from_the_user_service_never_from_the_request(course: Course) -> None:
    block = course.block()
    rid = paired(course, block)
    course.as_user(None)  # not signed in
    assert "Sign in to take part in mentoring." in course.view(block)
    for handler in ("enrol", "fire", "pair", "refresh", "studio_submit"):
        status, answer = course.call(block, handler, {"relationship": rid, "transition": "sign_agreement"})
        assert status == 403 or (handler == "refresh" and "Sign in" in answer["html"]), handler
    course.as_user(EVE)
    # A stranger naming someone else's relationship, or claiming to be Mia, gets nowhere.
    status, answer = course.call(block, "fire", {"relationship": rid, "transition": "sign_agreement",
                                                 "data": {"accept": True}, "person": 1, "user_id": 1})
    assert status == 400 and answer["error"] == "Sign up for the programme first."
    ok(course, block, "enrol", {"role": "mentee", "profile": {"study_line": "Law"}})
    status, answer = fire(course, block, rid, "sign_agreement", {"accept": True})
    assert status == 404 and answer["error"] == f"Relationship {rid} does not exist."
    status, answer = course.call(block, "pair", {"mentee": 4, "mentor": 2})
    assert status == 403
    status, answer = course.call(block, "studio_submit", {"template": "default"})
    assert status == 403
    # A relationship of another programme is not reachable through this block, even for its own people.
    other = course.block(programme_key="another-programme")
    course.as_user(MIA)
    status, answer = fire(course, other, rid, "sign_agreement", {"accept": True})
    assert status == 404
    # Only course staff pair, and only people waiting in this programme.
    course.as_user(CARLA)
    status, answer = course.call(block, "pair", {"mentee": 1, "mentor": 2})  # Mia is already matched
    assert status == 422 and [p["pointer"] for p in answer["problems"]] == ["/mentee"]


def test_no_personal_data_is_kept_in_block_fields(course: Course) -> None:
    block = course.block()
    paired(course, block)
    values = json.dumps({name: getattr(block, name) for name in block.fields})
    for personal in ("Mia", "Morten", "mia@", "Biology", "Physics"):
        assert personal not in values


def test_danish_from_the_persons_preference_or_the_request_and_english_without_an_i18n_service(
        course: Course) -> None:
    block = course.block()
    rid = paired(course, block)
    course.as_user(lms_user(1, "mia", language="da-dk"))
    html = course.view(block)
    assert "Det kan du gøre nu" in html and "Underskriv aftalen" in html and 'lang="da"' in html
    course.as_user(MORTEN)  # no preference: the request's language
    course.i18n.language = "da"
    assert "Historik" in course.view(block)
    course.i18n = None
    plain = course.block()
    course.as_user(MORTEN)
    plain_html = course.view(plain)
    assert "What you can do now" in plain_html
    # The same next-step card as the web pages (#16), its words from Engine.next_step, its headings a level down.
    assert re.search(r'<h4 id="[^"]*step-heading">Your next step</h4>\s*<p class="step-text">Waiting for Mentor',
                     plain_html)
    assert '<h5 class="action-group">The relationship</h5>' in plain_html
    status, answer = fire(course, plain, rid, "sign_agreement", {"accept": True})
    assert status == 200 and answer["message"] == "Done: Sign the agreement"


def test_without_settings_the_block_explains_itself_and_staff_see_why(course: Course) -> None:
    course.settings.buckets = {}
    block = course.block()
    course.as_user(MIA)
    html = course.view(block)
    assert "Mentoring is not available in this course yet." in html and "DATABASE_URL" not in html
    course.as_user(CARLA)
    assert "DATABASE_URL" in course.view(block)
    status, answer = course.call(block, "fire", {"relationship": 1, "transition": "x"})
    assert status == 400 and "DATABASE_URL" in answer["error"]


def test_studio_saves_valid_settings_and_reports_problems_with_json_pointers(course: Course) -> None:
    block = course.block()
    course.as_user(CARLA)
    assert "Programme template" in course.view(block, "studio_view")
    status, answer = course.call(block, "studio_submit", {"workflow_json": '{"id": "x",'})
    assert status == 422 and answer["problems"][0]["source"] == "uploaded" and "line 1" in answer["error"]
    document = json.loads(LIFECYCLE.read_text())
    document["transitions"][0]["to"] = "nowhere"
    status, answer = course.call(block, "studio_submit", {"workflow_json": json.dumps(document)})
    assert status == 422 and {"pointer": "/transitions/0/to", "message": "state 'nowhere' does not exist",
                              "source": "uploaded"} in answer["problems"]
    status, answer = course.call(block, "studio_submit", {"programme_key": "Not A Key", "cadence": "P7D"})
    assert status == 422 and answer["problems"][0]["pointer"] == "/programme_key"
    status, answer = course.call(block, "studio_submit", {"cadence": "P3D"})
    assert status == 422 and answer["problems"][0]["pointer"] == "/cadence"
    assert block.cadence == ""  # nothing saved by a rejected submission
    answer = ok(course, block, "studio_submit", {"display_name": "Study buddies", "cadence": "P7D",
                                                 "programme_key": "buddies", "signup_roles": "mentee"})
    assert (block.display_name, block.cadence, block.programme_key, block.signup_roles) == (
        "Study buddies", "P7D", "buddies", "mentee")
    html = course.view(block, "author_view")
    assert "Every week" in html and "<code>buddies</code>" in html and "Relationships per stage" in html
    engine = Engine(course.database_url)
    assert "buddies" not in {p["key"] for p in engine.programmes()}  # Studio previews drafts; the LMS publishes
    course.view(block)
    _version, workflow = engine.current_workflow("buddies")
    assert [t.every.days for t in workflow.timers if t.kind == "recurring"] == [7]
    engine.db.dispose()


@pytest.mark.parametrize("template", sorted(template_paths()))
def test_every_built_in_template_can_be_chosen(course: Course, template: str) -> None:
    block = course.block()
    course.as_user(CARLA)
    answer = ok(course, block, "studio_submit", {"template": template, "cadence": "P14D"})
    assert answer["result"] == "success" and answer["programme"]


def test_names_and_texts_from_people_are_shown_as_text(course: Course) -> None:
    block = course.block()
    payload = '<img src=x onerror="alert(1)">'
    course.as_user(lms_user(7, "x", full_name=payload))
    ok(course, block, "enrol", {"role": "mentee", "profile": {"study_line": payload}})
    course.as_user(MORTEN)
    ok(course, block, "enrol", {"role": "mentor", "profile": {"study_line": "Physics"}})
    course.as_user(CARLA)
    html = course.view(block)  # the coordinator's list of people waiting names them
    assert payload not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    course.as_user(EVE)
    status, answer = course.call(block, "enrol", {"role": payload, "profile": {}})
    assert status == 422 and payload not in answer["html"]
