"""The confidentiality matrix for every format: who reads what each member wrote, through the plugins' queries.

For a pair, a group, a circle and co-mentoring (the shipped templates), one guide and one guided member write a
reflection ("shared with the mentor"), log a meeting with shared and private notes, and set a goal; then every
viewer (each member, a member who left, the coordinator, a stranger) reads them through the real query
functions. The expected answer comes from the rule, written once below, not from the code under test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mentorflow import Engine, NotFound
from mentorflow.clock import ManualClock
from mentorflow.plugins.goals import api as goals_api
from mentorflow.plugins.meetings import api as meetings_api
from mentorflow.plugins.reflections import api as reflections_api
from mentorflow.schemas import template_paths
from mentorflow.testing import Factory

# template, guide role, guided role, {label: role} of the members it starts with, then who leaves
FORMATS = {
    "pair": ("default", "mentor", "mentee", {"guide": "mentor", "guided": "mentee"}),
    "group": ("first-year-cohort", "mentor", "mentee",
              {"guide": "mentor", "guided": "mentee", "other": "mentee", "leaver": "mentee"}),
    "circle": ("professional-circle", "facilitator", "peer",
               {"guide": "facilitator", "guided": "peer", "other": "peer", "leaver": "peer"}),
    "co-mentoring": ("entrepreneur-co-mentoring", "mentor", "mentee",
                     {"guide": "mentor", "guided": "mentee", "other": "mentor"}),
}
VIEWERS = ("guide", "guided", "other", "leaver", "coordinator", "stranger")


def sees_shared_with_the_mentor(viewer: str, author: str, other_role_guides: bool) -> bool:
    """The rule: the author, the guides; and everyone on it when a guide wrote it. Never the left or strangers."""
    if viewer in ("leaver", "stranger", "coordinator"):
        return False
    if viewer == author or author == "guide" or viewer == "guide":
        return True
    return viewer == "other" and other_role_guides


def template(name: str) -> dict[str, Any]:
    return json.loads(template_paths()[name].read_text("utf-8"))


def example(schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "boolean":
        return True
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "array":
        return [example(schema["items"])] * schema.get("minItems", 0)
    if schema.get("pattern", "").startswith("^P"):
        return "P6M"
    return "An example"


def required(doc: dict[str, Any], form: str, **given: Any) -> dict[str, Any]:
    schema = doc["forms"][form]["schema"]
    return {**{f: example(schema["properties"][f]) for f in schema.get("required", ())}, **given}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_confidentiality_matrix_for_every_format(fmt: str, mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                 mentorflow_clock: ManualClock) -> None:
    name, guide_role, guided_role, cast = FORMATS[fmt]
    doc = template(name)
    mentorflow_factory.programme(name, doc)
    people = {label: mentorflow_factory.person(label, role=role, programme=name) for label, role in cast.items()}
    coordinator = mentorflow_factory.person("coordinator", role="coordinator", programme=name)
    people["coordinator"] = coordinator
    people["stranger"] = mentorflow_factory.person("stranger", role=guided_role, programme=name)
    members: dict[str, list[int]] = {}
    for label, role in cast.items():
        members.setdefault(role, []).append(people[label])
    rel = mentorflow_engine.start_relationship(name, members=members, actor=coordinator)

    def fire(transition: str, who: str, data: dict[str, Any] | None = None) -> None:
        nonlocal rel
        rel = mentorflow_engine.fire(rel, transition, people[who], data).relationship

    fire("propose_agreement", "guide", required(doc, "agreement"))
    for label in cast:
        fire("sign_agreement", label, {"accept": True, "version": 1})
    ratings = doc["programme"]["settings"]["goals"]
    for label, role in cast.items():
        if role == guided_role:
            fire("self_assess_start", label, {"ratings": {c["id"]: 3 for c in ratings["competences"]}})
    fire("agree", "guide")
    for author in ("guide", "guided"):
        fire("add_goal", author, required(doc, "goal", title=f"Goal of {author}"))
    for goal in goals_api.list_goals(mentorflow_engine, rel, people["guide"]).goals:
        if goal.agreed_at is None:
            confirmer = "guided" if goal.proposed_by == people["guide"] else "guide"
            fire("agree_goal", confirmer, {"goal_id": goal.id})
    fire("start_reflecting", "guide")
    today = mentorflow_clock.now().date().isoformat()
    for author in ("guide", "guided"):
        fire("submit_reflection", author, required(doc, "reflection", went_well=f"Reflection of {author}"))
        fire("log_meeting", author, {"date": today, "duration_minutes": 30, "format": "video",
                                     "shared_notes": f"Shared by {author}", "private_notes": f"Private of {author}"})
    if "leaver" in cast:
        fire("leave_group", "leaver", {"reason": "time"})

    other_guides = cast.get("other") == guide_role
    for viewer in VIEWERS:
        if viewer not in people:
            continue
        who = people[viewer]
        if viewer in ("leaver", "stranger"):
            for read in (reflections_api.reflections, meetings_api.meetings):
                with pytest.raises(NotFound):
                    read(mentorflow_engine, rel, who)
            continue
        reflections = {r.author_id: r for r in reflections_api.reflections(mentorflow_engine, rel, who)}
        meetings = meetings_api.meetings(mentorflow_engine, rel, who)
        goals = {g.title: g for g in goals_api.list_goals(mentorflow_engine, rel, who).goals}
        for author in ("guide", "guided"):
            expected = sees_shared_with_the_mentor(viewer, author, other_guides)
            seen = reflections.get(people[author])
            assert (seen is not None and seen.content is not None) == expected, (fmt, viewer, author, "reflection")
            goal = goals.get(f"Goal of {author}")
            assert (goal is not None and goal.title is not None) == expected or viewer == "coordinator", (
                fmt, viewer, author, "goal")
            # A meeting is the relationship's: its shared notes reach every member, not the coordinator.
            shared = {m.shared_notes for m in meetings}
            assert (f"Shared by {author}" in shared) == (viewer != "coordinator"), (fmt, viewer, author, "meeting")
            # Private notes stay with their author, whoever reads.
            private = {f.private_notes for m in meetings for f in m.feedback if f.private_notes}
            assert (f"Private of {author}" in private) == (viewer == author), (fmt, viewer, author, "private")
