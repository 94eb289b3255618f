"""The XBlock's staff view forms a group (issue #18): members chosen by role, bounds from the engine, in English.

A block on the ``first-year-cohort`` template (one student mentor, 3-8 students): course staff form a group of
the mentor and four students, all enrolled in the programme; two students are too few (the engine's message names
the role and the bounds); someone not enrolled is refused by pointer; a learner may not form groups.
"""

from __future__ import annotations

from typing import Any

from mentorflow.engine import Engine

from .conftest import Course
from .test_block import CARLA, MIA


def enrolled(course: Course, block: Any) -> dict[str, list[int]]:
    course.as_user(CARLA)
    course.view(block)  # publishes the programme; Carla becomes its coordinator
    engine = Engine(course.database_url)
    key = block._choice().key
    people = {"mentor": [engine.add_person("Sara Mentor")],
              "mentee": [engine.add_person(f"Student {n}") for n in range(5)]}
    for role, ids in people.items():
        for pid in ids:
            engine.grant_role(key, pid, role)
    people["stranger"] = [engine.add_person("Not enrolled")]
    engine.db.dispose()
    return people


def test_staff_form_a_group_within_the_formats_bounds(course: Course) -> None:
    block = course.block(template="first-year-cohort")
    people = enrolled(course, block)
    html = course.view(block)  # the staff view offers the people enrolled per role, with the bounds
    assert "Form a group" in html and 'name="members.mentee"' in html and "(3 to 8)" in html
    assert html.count('name="members.mentee"') == 5 and html.count('name="members.mentor"') == 1
    status, answer = course.call(block, "form_group", {"members": {"mentor": people["mentor"],
                                                                   "mentee": people["mentee"][:2]}})
    assert status == 400 and "3 to 8" in answer["error"] and "mentee" in answer["error"], answer
    status, answer = course.call(block, "form_group", {"members": {"mentor": people["mentor"],
                                                                   "mentee": [*people["mentee"][:3],
                                                                              *people["stranger"]]}})
    assert status == 422 and "/members/mentee/3" in answer["error"], answer
    status, answer = course.call(block, "form_group", {"members": {"mentor": people["mentor"],
                                                                   "mentee": people["mentee"][:4]}})
    assert status == 200 and answer["message"] == "The group has started.", answer
    engine = Engine(course.database_url)
    (snap,) = engine.relationships_of(people["mentor"][0])
    assert set(snap.people("mentee")) == set(people["mentee"][:4])
    engine.db.dispose()
    course.as_user(MIA)
    status, _answer = course.call(block, "form_group", {"members": {"mentor": people["mentor"],
                                                                    "mentee": people["mentee"][1:5]}})
    assert status == 403
