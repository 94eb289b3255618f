"""Each LMS's launch dialect against the running tool: its learners land on their page, its teachers on the
coordinator's dashboard, its administrators outside the course get nothing unless the programme lets person
roles count (roles by vocabulary, see docs/lms.md)."""

from __future__ import annotations

import pytest

from .conftest import Browser, Tool, course, unique
from .dialects import DIALECTS, launch_as
from .platform import Person


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_each_platforms_launches_map_by_vocabulary(sqlite_tool: Tool, name: str) -> None:
    tool, dialect = sqlite_tool, DIALECTS[name]
    key = tool.programme(learner_role="mentee")
    room = course(tool.platform, f"{name} course")
    landed = {}
    for who, roles in (("learner", dialect.learner), ("instructor", dialect.instructor), ("admin", dialect.admin)):
        sub = unique(f"{name}-{who}-")
        hint = unique("hint")
        tool.platform.expect(hint, Person(sub=sub, name=f"{who.title()} {name}", email=f"{sub}@example.edu",
                                          roles=roles), room, custom={"programme": key, **dialect.custom},
                             claims=launch_as(dialect))
        b = Browser(tool)
        answer = b.launch(hint)
        b.close()
        landed[who] = (answer.status_code, answer.headers.get("location", "").removeprefix(tool.url))
    assert landed["learner"] == (303, "/me"), landed
    assert landed["instructor"] == (303, f"/coordinator/{key}"), landed
    assert landed["admin"] == (403, ""), landed  # no course role: refused with "no-role", nothing created


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_administrators_count_where_the_programme_lets_person_roles_count(sqlite_tool: Tool, name: str) -> None:
    tool, dialect = sqlite_tool, DIALECTS[name]
    key = tool.programme(person_roles=["institution", "system"])
    sub, hint = unique(f"{name}-admin-"), unique("hint")
    tool.platform.expect(hint, Person(sub=sub, name="Ada Admin", email=f"{sub}@example.edu", roles=dialect.admin),
                         course(tool.platform), custom={"programme": key, **dialect.custom},
                         claims=launch_as(dialect))
    b = Browser(tool)
    answer = b.launch(hint)
    b.close()
    assert (answer.status_code, answer.headers.get("location", "").endswith(f"/coordinator/{key}")) == (303, True)
