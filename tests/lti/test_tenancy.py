"""LTI and programme owners (issue #21): a launch never makes an instructor coordinator of an Open edX course's
programme unless an administrator named it in the deployment's programme list ("every programme" does not reach
into another tenant's)."""

from __future__ import annotations

from mentorflow.integrations.lti.platforms import add_deployment, find_platform
from mentorflow.policy import Publisher, course_owner

from .conftest import Browser, Tool, course, person, unique, workflow
from .test_launch import person_of, refused


def test_an_open_edx_courses_programme_is_reached_only_when_the_deployment_lists_it(tool: Tool,
                                                                                     browser: Browser) -> None:
    key = unique("openedx-course-v1-uni-bio-")
    engine = tool.engine()
    engine.publish_workflow(key, workflow(), publisher=Publisher(course_owner("course-v1:Uni+Bio+2026")))
    before = engine.current_workflow(key)[0]
    engine.db.dispose()
    teacher = person("Instructor", "Ivan Intruder")
    tool.platform.expect("ivan", teacher, course(tool.platform), custom={"programme": key})
    refused(browser.launch("ivan"), "programme-not-allowed", 403)
    engine = tool.engine()
    intruder = person_of(tool, teacher.sub)
    assert intruder is None or engine.programme_roles(key, intruder) == set()
    assert engine.current_workflow(key)[0] == before
    # An administrator names it in the deployment's list: now the course's instructors may coordinate it.
    platform = find_platform(engine, tool.platform.url, tool.platform.client_id)
    assert platform is not None
    add_deployment(engine, platform.id, tool.platform.deployment_id, programmes=[key])
    engine.db.dispose()
    tool.platform.expect("ivan2", teacher, course(tool.platform), custom={"programme": key})
    launched = browser.launch("ivan2")
    assert launched.status_code == 303 and launched.headers["location"].endswith(f"/coordinator/{key}")
    engine = tool.engine()
    assert engine.programme_roles(key, person_of(tool, teacher.sub)) == {"coordinator"}  # type: ignore[arg-type]
    engine.db.dispose()
