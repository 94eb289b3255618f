"""Course groups from the test platform's roster (NRPS ``group_enrollments``) seed groups (issue #18).

A first-year cohort programme (one student mentor, 3-8 students) is linked to a course with two groups: "Team
Blue" (the student mentor and four students) starts one group relationship; "Team Red" (the mentor and two
students) is too small and is reported by name. Running again starts nothing new; a student added to Team Blue
on the platform is reported when the system runs it, and joins the group through the audited transition when a
coordinator does. The CLI says the same and exits 2 for a pair
programme.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from mentorflow.integrations.lti.groups import form_circles
from mentorflow.integrations.lti.services import forget_tokens
from mentorflow.schemas import template_paths

from .conftest import Tool, course, person, run_cli, unique
from .test_services import link_course

COHORT = "first-year-cohort"


def cohort_programme(tool: Tool) -> str:
    key = unique("cohort")
    document: dict[str, Any] = copy.deepcopy(json.loads(template_paths()[COHORT].read_text("utf-8")))
    document["programme"].setdefault("settings", {})["lti"] = {"learner_role": "mentee"}
    engine = tool.engine()
    engine.publish_workflow(key, document)
    engine.db.dispose()
    return key


def test_course_groups_seed_group_relationships_idempotently(sqlite_tool: Tool) -> None:
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = cohort_programme(tool)
    room = course(platform, "First year")
    teacher = person("Instructor", "Tea Cher")
    mentor = person("Learner", "Sara Holm")
    students = [person("Learner", f"Stu Dent{i}") for i in range(7)]
    room.members = [teacher, mentor, *students]
    room.groups = {mentor.sub: [("g-blue", "Team Blue"), ("g-red", "Team Red")]}
    room.groups.update({s.sub: [("g-blue", "Team Blue")] for s in students[:4]})
    room.groups.update({s.sub: [("g-red", "Team Red")] for s in students[4:6]})
    context_row = link_course(tool, room, key, teacher)
    forget_tokens()
    engine = tool.engine()
    source = f"lti:{platform.url}"
    from mentorflow.integrations.lti.nrps import sync_roster

    sync_roster(engine, context_row)
    mentor_id = engine.find_person(source, mentor.sub)
    assert mentor_id is not None
    engine.grant_role(key, mentor_id, "mentor")  # the programme names its student mentor
    outcomes = {o.key: o for o in form_circles(engine, context_row, _system())}
    blue, red = outcomes["g-blue"], outcomes["g-red"]
    assert blue.outcome == "started" and red.outcome == "refused"
    assert "Team Red" in (red.reason or "") and "3 to 8" in (red.reason or "")
    rel = engine.get(blue.relationship)  # type: ignore[arg-type]
    assert rel.people("mentor") == (mentor_id,)
    assert set(rel.people("mentee")) == {engine.find_person(source, s.sub) for s in students[:4]}

    again = {o.key: o.outcome for o in form_circles(engine, context_row, _system())}
    assert again == {"g-blue": "unchanged", "g-red": "refused"}
    assert len(engine.list_relationships(programme=key, limit=10, offset=0)[0]) == 1

    room.groups[students[6].sub] = [("g-blue", "Team Blue")]
    # As the system: reported for a coordinator to add (the workflow's add_member is the coordinator's).
    (pending,) = [o for o in form_circles(engine, context_row, _system()) if o.key == "g-blue"]
    newcomer = engine.find_person(source, students[6].sub)
    assert (pending.outcome, pending.newcomers) == ("newcomers", [newcomer])
    assert newcomer not in engine.get(blue.relationship).member_ids  # type: ignore[arg-type]
    coordinator = engine.find_person(source, teacher.sub)
    assert coordinator is not None and "coordinator" in engine.programme_roles(key, coordinator)
    (joined,) = [o for o in form_circles(engine, context_row, coordinator) if o.key == "g-blue"]
    assert (joined.outcome, joined.joined) == ("joined", [newcomer]), joined.reason
    assert newcomer in engine.get(blue.relationship).member_ids  # type: ignore[arg-type]
    engine.db.dispose()

    env = {"MENTORFLOW_DATABASE_URL": tool.server.database_url}
    run = run_cli("lti", "form-groups", "--programme", key, env=env)
    assert run.exit_code == 0, run.output
    assert "Team Red" in run.output and "unchanged" in run.output
    pairs = tool.programme(learner_role="mentee")
    link_course(tool, room, pairs, teacher)
    refused = run_cli("lti", "form-groups", "--programme", pairs, env=env)
    assert refused.exit_code == 2 and "course groups seed only" in refused.output, refused.output


def _system() -> Any:
    from mentorflow.actors import SYSTEM

    return SYSTEM


CIRCLE = "professional-circle"


def test_course_groups_seed_circles_of_peers_from_learners(sqlite_tool: Tool) -> None:
    """A circle programme's Learners become peers (its default learner role), so a course group seeds a circle."""
    tool, platform = sqlite_tool, sqlite_tool.platform
    key = unique("circle")
    engine = tool.engine()
    engine.publish_workflow(key, copy.deepcopy(json.loads(template_paths()[CIRCLE].read_text("utf-8"))))
    engine.db.dispose()
    room = course(platform, "Practice circle")
    teacher = person("Instructor", "Tea Cher")
    peers = [person("Learner", f"Pe Er{i}") for i in range(4)]
    facilitator = person("Learner", "Fa Cilitator")
    room.members = [teacher, facilitator, *peers]
    room.groups = {p.sub: [("g-one", "Circle One")] for p in [facilitator, *peers]}
    context_row = link_course(tool, room, key, teacher)
    forget_tokens()
    engine = tool.engine()
    source = f"lti:{platform.url}"
    from mentorflow.integrations.lti.nrps import sync_roster

    sync_roster(engine, context_row)
    peer_ids = [engine.find_person(source, p.sub) for p in peers]
    assert all(pid is not None and engine.programme_roles(key, pid) == {"peer"} for pid in peer_ids)
    lead = engine.find_person(source, facilitator.sub)
    assert lead is not None
    engine.grant_role(key, lead, "facilitator")  # the programme names its facilitator (a role map could too)
    (circle,) = form_circles(engine, context_row, _system())
    assert circle.outcome == "started", circle.reason
    rel = engine.get(circle.relationship)  # type: ignore[arg-type]
    assert rel.people("facilitator") == (lead,) and set(rel.people("peer")) == set(peer_ids)
    engine.db.dispose()


def test_a_learner_role_the_format_lacks_is_refused_at_its_pointer() -> None:
    from mentorflow.integrations.lti.settings import check

    document = copy.deepcopy(json.loads(template_paths()[CIRCLE].read_text("utf-8")))
    document["programme"].setdefault("settings", {})["lti"] = {"learner_role": "mentee"}
    (problem,) = check(document)
    assert problem.pointer == "/programme/settings/lti/learner_role" and "no mentee role" in problem.message
    document["programme"]["settings"]["lti"] = {"learner_role": "peer"}
    assert list(check(document)) == []
