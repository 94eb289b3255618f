"""The XBlock signs people up with the profile of the first plugin that offers one (``mentorflow_signup_profile``).

The pinned programme's matching settings have a profile schema, so the matching plugin offers one too; the
test plugin (:mod:`tests.notebook`) answers first, and its form is the one shown, checked and stored.
"""

from __future__ import annotations

import sqlalchemy as sa

from mentorflow.engine import Engine
from mentorflow.integrations.openedx import config
from tests import notebook

from .conftest import Course, lms_user
from .test_block import ok

MIA = lms_user(1, "mia", full_name="Mia Larsen", language="en")


def test_the_block_signs_up_with_the_first_plugins_profile(course: Course) -> None:
    engine = Engine(course.database_url, plugins=[notebook])
    engine.upgrade_database()  # the notebook's table beside the core's
    config._ENGINES[course.database_url] = engine  # the engine an LMS worker keeps, with the test plugin loaded
    block = course.block(signup_roles="mentee")
    course.as_user(MIA)
    html = course.view(block)
    assert "Pen name" in html and "Study line" not in html, "the notebook's form, not matching's"

    status, refused = course.call(block, "enrol", {"role": "mentee", "profile": {"pen_name": "Notebook"}})
    assert status == 422, refused
    assert refused["error"] == ("The data for form 'notebook_profile' is not valid: "
                                "/pen_name: is the notebook's own name"), "named after the offering plugin's form"
    assert engine.find_person("openedx:learn.example.edu", "1") is None, "a refused profile writes nothing"

    answer = ok(course, block, "enrol", {"role": "mentee", "profile": {"pen_name": "Quill"}})
    assert answer["message"] == "You are signed up."
    person = engine.find_person("openedx:learn.example.edu", "1")
    programme_id = engine.programme_id("openedx-workbench")
    with engine.read() as conn:
        notes = conn.execute(sa.select(notebook.NOTES.c.person_id, notebook.NOTES.c.text)).all()
    assert [tuple(n) for n in notes] == [(person, f"pen name as mentee in programme {programme_id}: Quill")]
    from mentorflow.plugins.matching.api import get_profile

    assert get_profile(engine, "openedx-workbench", person, "mentee", person) is None, \
        "matching kept no profile: only the first plugin's store ran"
