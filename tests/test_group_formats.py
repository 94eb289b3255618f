"""Group mentoring and co-mentoring, lived from start to closure through ``Engine.fire`` on both databases.

The shipped templates ``first-year-cohort`` (one student mentor, 3-8 first-year students) and
``entrepreneur-co-mentoring`` (one entrepreneur, two mentors) run the same lifecycle as a pair, with every
member signing the agreement, goals and reflections per member, group meetings, members joining and leaving
through audited transitions, and the privacy rules restated for groups.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from mentorflow import SYSTEM, Engine, Forbidden, GuardFailed, UserError
from mentorflow.clock import ManualClock
from mentorflow.plugins.closure import api as closure_api
from mentorflow.plugins.closure import figures as closure_figures
from mentorflow.plugins.goals import api as goals_api
from mentorflow.plugins.reflections import api as reflections_api
from mentorflow.schemas import template_paths
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.testing import Factory
from mentorflow.timers import duties

COHORT, CO = "first-year-cohort", "entrepreneur-co-mentoring"


def template(name: str) -> dict[str, Any]:
    return json.loads(template_paths()[name].read_text("utf-8"))


class Group:
    """A relationship of a template's programme and its people, fired by name."""

    def __init__(self, engine: Engine, factory: Factory, name: str, **people: int) -> None:
        self.engine, self.name = engine, name
        factory.programme(name, template(name))
        self.coordinator = factory.person(f"Coordinator of {name}", role="coordinator", programme=name)
        self.people: dict[str, int] = {}
        for label, count in people.items():
            role = label.rstrip("s") if label != "mentees" else "mentee"
            for n in range(count):
                self.people[f"{role}{n + 1}"] = factory.person(f"{role.title()} {n + 1}", role=role, programme=name)
        self.rel: RelationshipSnapshot | None = None

    def start(self, **roles: list[str]) -> RelationshipSnapshot:
        members = {role: [self.people[p] for p in names] for role, names in roles.items()}
        self.rel = self.engine.start_relationship(self.name, members=members, actor=self.coordinator)
        return self.rel

    def who(self, person: str) -> Any:
        return {"coordinator": self.coordinator, "system": SYSTEM}.get(person) or self.people[person]

    def fire(self, transition: str, person: str, data: dict[str, Any] | None = None) -> RelationshipSnapshot:
        assert self.rel is not None
        self.rel = self.engine.fire(self.rel, transition, self.who(person), data).relationship
        return self.rel

    def allowed(self, transition: str, person: str) -> tuple[bool, list[str]]:
        assert self.rel is not None
        found = {a.transition.id: a for a in self.engine.available_transitions(self.rel, self.who(person))}
        move = found[transition]
        return move.allowed, list(move.reasons)


def test_a_group_starts_only_within_its_formats_bounds(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    g = Group(mentorflow_engine, mentorflow_factory, COHORT, mentors=2, mentees=9)
    with pytest.raises(UserError, match="3 to 8 in the role 'mentee'; 2 were named"):
        g.start(mentor=["mentor1"], mentee=["mentee1", "mentee2"])
    with pytest.raises(UserError, match="3 to 8 in the role 'mentee'; 9 were named"):
        g.start(mentor=["mentor1"], mentee=[f"mentee{n}" for n in range(1, 10)])
    with pytest.raises(UserError, match="1 to 1 in the role 'mentor'; 2 were named"):
        g.start(mentor=["mentor1", "mentor2"], mentee=["mentee1", "mentee2", "mentee3"])
    with pytest.raises(UserError, match="named twice"):
        g.start(mentor=["mentor1"], mentee=["mentee1", "mentee1", "mentee2"])
    assert mentorflow_engine.list_relationships(programme=COHORT)[1] == 0, "nothing partial was written"
    rel = g.start(mentor=["mentor1"], mentee=["mentee1", "mentee2", "mentee3"])
    assert rel.people("mentee") == (g.people["mentee1"], g.people["mentee2"], g.people["mentee3"])
    assert rel.mentor_id == g.people["mentor1"] and rel.mentee_id is None  # several mentees: no single one
    # The 1:1 way of starting is refused too: a cohort is not a pair.
    with pytest.raises(UserError, match="3 to 8"):
        mentorflow_engine.start_relationship(COHORT, mentee=g.people["mentee4"], mentor=g.people["mentor2"])


def test_a_cohort_lives_from_start_to_closure(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                              mentorflow_clock: ManualClock) -> None:
    g = Group(mentorflow_engine, mentorflow_factory, COHORT, mentors=1, mentees=5)
    g.start(mentor=["mentor1"], mentee=["mentee1", "mentee2", "mentee3"])
    stranger = mentorflow_factory.person("Not in the group", role="mentee", programme=COHORT)

    # The agreement: proposed once, signed by every member; one student missing keeps the group waiting.
    g.fire("propose_agreement", "mentor1", template_agreement(COHORT))
    for person in ("mentor1", "mentee1", "mentee2"):
        g.fire("sign_agreement", person, {"accept": True, "version": 1})
    allowed, reasons = g.allowed("agree", "mentor1")
    assert not allowed and any("waiting for" in r and "First-year student" in r for r in reasons), reasons
    with pytest.raises(Forbidden):
        mentorflow_engine.fire(g.rel, "sign_agreement", stranger, {"accept": True, "version": 1})
    g.fire("sign_agreement", "mentee3", {"accept": True, "version": 1})
    g.fire("agree", "mentor1")
    assert g.rel.state == "goal_setting"

    # A student who arrives late joins through an audited transition; the group's bounds hold.
    g.fire("add_member", "coordinator", {"person_id": g.people["mentee4"], "role": "mentee"})
    assert g.people["mentee4"] in g.rel.people("mentee")
    with pytest.raises(UserError, match="not enrolled in this programme as"):
        g.fire("add_member", "coordinator", {"person_id": g.people["mentor1"] + 999, "role": "mentee"})

    # Goals belong to the member who set them; the mentor confirms each.
    for person in ("mentee1", "mentee2", "mentee3", "mentee4"):
        g.fire("add_goal", person, {"title": f"Settle in ({person})", "category": "academic", "area": "settling_in"})
    goals = goals_api.list_goals(mentorflow_engine, g.rel, g.people["mentor1"]).goals
    assert len(goals) == 4
    for goal in goals:
        g.fire("agree_goal", "mentor1", {"goal_id": goal.id, "comment": "Agreed"})
    g.fire("start_reflecting", "mentor1")

    # A group meeting, then a reflection from every member: each owes their own.
    g.fire("log_meeting", "mentor1", {"date": mentorflow_clock.now().date().isoformat(), "duration_minutes": 60,
                                      "format": "in_person",
                                      "shared_notes": "We talked about the first exams",
                                      "private_notes": "mentee2 seems worried"})
    mentorflow_clock.advance(timedelta(days=15))
    workflow = mentorflow_engine.workflow_by_version(g.rel.workflow_version_id)
    timer = next(t for t in workflow.timers if t.id == "reflection_due")
    with mentorflow_engine.read() as conn:
        owed = sorted((d.role, d.person_id) for d in duties(conn, g.rel.workflow_version_id, workflow, timer,
                                                             mentorflow_clock.now()))
    assert owed == sorted([("mentor", g.people["mentor1"])] + [("mentee", g.people[f"mentee{n}"]) for n in range(1, 5)])
    g.fire("submit_reflection", "mentee1", {"went_well": "I found a study group", "notes": "For my mentor"})
    with mentorflow_engine.read() as conn:
        owed_after = {d.person_id for d in duties(conn, g.rel.workflow_version_id, workflow, timer,
                                                  mentorflow_clock.now())}
    assert g.people["mentee1"] not in owed_after and g.people["mentee2"] in owed_after

    # What a student shares "with the mentor" reaches the mentor, not the other students.
    mine = reflections_api.reflections(mentorflow_engine, g.rel, g.people["mentor1"])
    assert [r.content.get("went_well") for r in mine if r.content] == ["I found a study group"]
    others = reflections_api.reflections(mentorflow_engine, g.rel, g.people["mentee2"])
    assert all(r.author_id != g.people["mentee1"] for r in others), "another mentee must not read mentee1's"

    # A student leaves with a no-fault reason; the group goes on; they can act no more.
    allowed, _reasons = g.allowed("last_member_leaves", "mentee2")
    assert not allowed
    g.fire("leave_group", "mentee2", {"reason": "time"})
    assert g.people["mentee2"] not in g.rel.member_ids and g.rel.state == "reflecting"
    with pytest.raises(Forbidden):
        g.fire("submit_reflection", "mentee2", {"went_well": "still here?"})
    history = mentorflow_engine.members_history(g.rel, g.coordinator)
    left = next(m for m in history if m["person_id"] == g.people["mentee2"])
    assert left["left_reason"] == "time" and left["left_at"] is not None
    # A mentee may only take themselves off; the group's only mentor cannot leave it.
    with pytest.raises(UserError, match="only take themselves off"):
        g.fire("leave_group", "mentee1", {"reason": "time", "person_id": g.people["mentee3"]})
    allowed, reasons = g.allowed("leave_group", "mentor1")
    assert not allowed and any("only" in r for r in reasons), reasons

    # Closure at the planned end: every remaining member hands in a closure form.
    end = g.rel.started_at + workflow.duration
    mentorflow_clock.set(max(mentorflow_clock.now(), end) + timedelta(hours=1))
    g.fire("begin_closure", "system")
    members = ["mentor1", "mentee1", "mentee3", "mentee4"]
    for person in members[:-1]:
        g.fire("submit_closure_form", person, {"goals": [], "learned": "A lot", "satisfaction": 4})
    allowed, reasons = g.allowed("close", "mentor1")
    assert not allowed and reasons, "the last student's closure form is missing"
    g.fire("submit_closure_form", members[-1], {"goals": [{"goal_id": goals[0].id, "attained": "partly"}],
                                                 "learned": "Where the library is", "satisfaction": 5})
    g.fire("close", "mentor1")
    assert g.rel.state == "closed" and g.rel.closed_at is not None

    # The closing summary reads per member: each one's reflections and form, as far as the viewer may read it.
    summary = closure_api.closing_summary(mentorflow_engine, g.rel, g.people["mentor1"])
    ids = {p: g.people[p] for p in ("mentor1", "mentee1", "mentee2", "mentee3", "mentee4")}
    assert [(m.person_id, m.role) for m in summary.members] == [
        (ids["mentor1"], "mentor"), (ids["mentee1"], "mentee"), (ids["mentee3"], "mentee"),
        (ids["mentee4"], "mentee"), (ids["mentee2"], "mentee")]  # the one who left comes last, still counted
    by_id = {m.person_id: m for m in summary.members}
    assert by_id[ids["mentee1"]].reflections.count == 1 and by_id[ids["mentee2"]].reflections.count == 0
    assert by_id[ids["mentee4"]].learned == "Where the library is" and by_id[ids["mentee4"]].satisfaction == 5
    assert by_id[ids["mentee2"]].submitted_at is None and by_id[ids["mentee2"]].left_at is not None
    assert by_id[ids["mentee1"]].left_at is None
    assert [dict(o.ratings) for o in summary.goal_outcomes] == [{ids["mentee4"]: "partly"}]
    # A fellow student reads their own form and the mentor's, not the other students'.
    fellow = closure_api.closing_summary(mentorflow_engine, g.rel, g.people["mentee1"])
    hidden = {m.person_id for m in fellow.members if m.hidden}
    assert hidden == {ids["mentee3"], ids["mentee4"]}
    assert fellow.goal_outcomes == ()  # mentee4's rating is theirs and the mentor's to read
    assert [f.author_id for f in closure_api.closure_forms(mentorflow_engine, g.rel, g.people["mentor1"])] == [
        ids["mentor1"], ids["mentee1"], ids["mentee3"], ids["mentee4"]]
    # Every member's form counts in the programme's figures, not one per role.
    with mentorflow_engine.read() as conn:
        figures = closure_figures.relationship_figures(conn, g.rel)
    assert figures.values["closure.forms"] == 4 and figures.values["closure.satisfaction_n"] == 4
    assert figures.values["closure.satisfaction_sum"] == 4 + 4 + 4 + 5
    timeline = mentorflow_engine.timeline(g.rel)
    assert [e.seq for e in timeline] == list(range(1, g.rel.version + 1))
    assert timeline[0].data == {"members": [{"person_id": g.people[p], "role": r} for p, r in (
        ("mentor1", "mentor"), ("mentee1", "mentee"), ("mentee2", "mentee"), ("mentee3", "mentee"))]}


def test_the_last_student_leaving_closes_the_group(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    g = Group(mentorflow_engine, mentorflow_factory, COHORT, mentors=1, mentees=3)
    g.start(mentor=["mentor1"], mentee=["mentee1", "mentee2", "mentee3"])
    g.rel = mentorflow_engine.fire(g.rel, "pause", g.coordinator, {"note": "Semester break"}).relationship
    g.fire("leave_group", "mentee1", {"reason": "moved_on"})
    g.fire("leave_group", "coordinator", {"reason": "other", "person_id": g.people["mentee2"]})
    with pytest.raises(GuardFailed, match="last"):
        g.fire("leave_group", "mentee3", {"reason": "needs_met"})
    g.fire("last_member_leaves", "mentee3", {"reason": "needs_met"})
    assert g.rel.state == "closed" and g.rel.people("mentee") == ()
    assert [m["left_reason"] for m in mentorflow_engine.members_history(g.rel, g.coordinator)
            if m["role"] == "mentee"] == ["moved_on", "other", "needs_met"]


def test_co_mentoring_two_mentors_one_steps_back(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    g = Group(mentorflow_engine, mentorflow_factory, CO, mentors=3, mentees=1)
    with pytest.raises(UserError, match="2 to 2 in the role 'mentor'; 1 were named"):
        g.start(mentor=["mentor1"], mentee=["mentee1"])
    g.start(mentor=["mentor1", "mentor2"], mentee=["mentee1"])
    assert g.rel.mentee_id == g.people["mentee1"] and g.rel.mentor_id is None
    g.fire("propose_agreement", "mentee1", template_agreement(CO))
    for person in ("mentee1", "mentor1"):
        g.fire("sign_agreement", person, {"accept": True, "version": 1})
    assert not g.allowed("agree", "mentee1")[0]
    g.fire("sign_agreement", "mentor2", {"accept": True, "version": 1})
    g.fire("agree", "mentee1")
    g.fire("add_goal", "mentee1", {"title": "First paying customer", "category": "business"} | goal_extra(CO))
    goal = goals_api.list_goals(mentorflow_engine, g.rel, g.people["mentee1"]).goals[0]
    g.fire("agree_goal", "mentor2", {"goal_id": goal.id})
    # Either mentor may step back while the other goes on; a third cannot join beyond the two.
    g.fire("leave_group", "mentor2", {"reason": "time"})
    assert g.rel.people("mentor") == (g.people["mentor1"],)
    allowed, reasons = g.allowed("leave_group", "mentor1")
    assert not allowed, reasons
    g.fire("add_member", "coordinator", {"person_id": g.people["mentor3"], "role": "mentor"})
    with pytest.raises(UserError, match="as many as its format allows"):
        g.fire("add_member", "coordinator", {"person_id": g.people["mentor2"], "role": "mentor"})
    assert set(g.rel.people("mentor")) == {g.people["mentor1"], g.people["mentor3"]}
    # The one who left reads nothing more of it.
    with pytest.raises(Exception, match="does not exist"):
        goals_api.list_goals(mentorflow_engine, g.rel, g.people["mentor2"])

    # The entrepreneur and both current mentors go on to the end: check-ins, closure forms, the closing talk.
    g.fire("add_goal", "mentee1", {"title": "A second product line", "category": "business"} | goal_extra(CO))
    for goal in goals_api.list_goals(mentorflow_engine, g.rel, g.people["mentee1"]).goals:
        if goal.agreed_at is None:
            g.fire("agree_goal", "mentor3", {"goal_id": goal.id})
    g.fire("start_reflecting", "mentee1")
    for person in ("mentee1", "mentor1", "mentor3"):
        g.fire("submit_reflection", person, {"went_well": f"Progress seen by {person}"})
    g.fire("begin_closure", "mentee1")
    for person in ("mentee1", "mentor1", "mentor3"):
        g.fire("submit_closure_form", person, {"goals": [{"goal_id": goal.id, "attained": "fully"}],
                                              "learned": f"{person} learned", "satisfaction": 4})
    allowed, reasons = g.allowed("close", "mentee1")
    assert not allowed and reasons == ["'Record the closure conversation' comes first"], reasons
    g.fire("record_closure_conversation", "mentor1", {"held_on": g.rel.state_entered_at.date().isoformat(),
                                                          "notes": "What comes next"})
    g.fire("close", "mentee1")
    assert g.rel.state == "closed"
    summary = closure_api.closing_summary(mentorflow_engine, g.rel, g.people["mentee1"])
    assert [(m.role, m.learned) for m in summary.members if m.left_at is None] == [
        ("mentor", "mentor1 learned"), ("mentor", "mentor3 learned"), ("mentee", "mentee1 learned")]
    assert [m.person_id for m in summary.members if m.left_at is not None] == [g.people["mentor2"]]


def template_agreement(name: str) -> dict[str, Any]:
    """An example of the template's agreement form (its required fields)."""
    schema = template(name)["forms"]["agreement"]["schema"]
    return {field: _example(schema["properties"][field]) for field in schema.get("required", ())}


def goal_extra(name: str) -> dict[str, Any]:
    schema = template(name)["forms"]["goal"]["schema"]
    return {field: _example(schema["properties"][field]) for field in schema.get("required", ())
            if field not in ("title", "category")}


def _example(schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("type") == "boolean":
        return True
    if schema.get("type") == "integer":
        return schema.get("minimum", 1)
    if schema.get("type") == "array":
        return [_example(schema["items"])] * schema.get("minItems", 0)
    if schema.get("pattern", "").startswith("^P"):
        return "P6M"
    if schema.get("format") == "date":
        return "2026-09-01"
    return "An example"


CIRCLE = "professional-circle"


def test_a_peer_circle_lives_and_ends_when_the_last_peer_leaves(mentorflow_engine: Engine,
                                                                mentorflow_factory: Factory,
                                                                mentorflow_clock: ManualClock) -> None:
    g = Group(mentorflow_engine, mentorflow_factory, CIRCLE, facilitators=1, peers=4)
    with pytest.raises(UserError, match="3 to 10 in the role 'peer'; 2 were named"):
        g.start(facilitator=["facilitator1"], peer=["peer1", "peer2"])
    with pytest.raises(UserError, match="circle has no mentor"):
        g.start(mentor=["facilitator1"], peer=["peer1", "peer2", "peer3"])
    g.start(facilitator=["facilitator1"], peer=["peer1", "peer2", "peer3"])
    assert g.rel.mentor_id is None and g.rel.mentee_id is None
    g.fire("propose_agreement", "facilitator1", template_agreement(CIRCLE))
    for person in ("facilitator1", "peer1", "peer2", "peer3"):
        g.fire("sign_agreement", person, {"accept": True, "version": 1})
    goals_settings = template(CIRCLE)["programme"]["settings"]["goals"]
    g.fire("self_assess_start", "peer1", {"ratings": {c["id"]: goals_settings["scale"]["max"]
                                                      for c in goals_settings["competences"]}})
    g.fire("agree", "peer1")
    for person in ("peer1", "peer2", "peer3"):
        g.fire("add_goal", person, {"title": f"Grow ({person})", "category": "skills"} | goal_extra(CIRCLE))
    for goal in goals_api.list_goals(mentorflow_engine, g.rel, g.people["facilitator1"]).goals:
        g.fire("agree_goal", "facilitator1", {"goal_id": goal.id})
    needed = [dict(c.params) for c in mentorflow_engine.workflow_by_version(g.rel.workflow_version_id)
              .transitions["start_reflecting"].guards if c.name == "goals.min_agreed"]
    assert not needed or needed[0].get("count", 1) <= 3
    g.fire("start_reflecting", "facilitator1")
    g.fire("log_meeting", "peer2", {"date": mentorflow_clock.now().date().isoformat(), "duration_minutes": 90,
                                    "format": "video", "shared_notes": "Case: a difficult client",
                                    "private_notes": "Ask peer3 about it"})
    g.fire("submit_reflection", "peer1", {"went_well": "The case discussion helped"})
    # The circle's meeting notes reach every member; a peer's reflection reaches the facilitator only;
    # private notes stay with their author.
    from mentorflow.plugins.meetings import api as meetings_api

    for person in ("peer1", "peer3", "facilitator1"):
        seen = meetings_api.meetings(mentorflow_engine, g.rel, g.people[person])
        assert [m.shared_notes for m in seen] == ["Case: a difficult client"]
        assert all(f.private_notes is None for m in seen for f in m.feedback)
    by_facilitator = reflections_api.reflections(mentorflow_engine, g.rel, g.people["facilitator1"])
    assert [r.content.get("went_well") for r in by_facilitator if r.content] == ["The case discussion helped"]
    assert not [r for r in reflections_api.reflections(mentorflow_engine, g.rel, g.people["peer2"])
                if r.author_id == g.people["peer1"]]
    # The facilitator cannot leave their circle; peers leave one by one, the last one ends it.
    assert not g.allowed("leave_group", "facilitator1")[0]
    g.fire("leave_group", "peer1", {"reason": "moved_on"})
    g.fire("leave_group", "peer2", {"reason": "time"})
    g.fire("last_member_leaves", "peer3", {"reason": "needs_met"})
    assert g.rel.state == "closed" and g.rel.people("peer") == () and g.rel.people("facilitator")


@pytest.mark.parametrize(("change", "pointer", "message"), [
    (lambda d: d["programme"]["settings"].__setitem__("members", {"leave_reasons": {"Bad Id": {"en": "x", "da": "y"}}}),
     "/programme/settings/members/leave_reasons/Bad Id", "lower-case letters"),
    (lambda d: d["programme"]["settings"].__setitem__("members", {"leave_reasons": {"time": {"en": "Time"}}}),
     "/programme/settings/members/leave_reasons/time", "English and Danish"),
    (lambda d: d["programme"]["settings"].__setitem__("members", {"reasons": {}}),
     "/programme/settings/members/reasons", "not allowed here"),
    (lambda d: d["programme"].__setitem__("format", {"kind": "group", "roles": {"mentee": {"min": 9, "max": 4}}}),
     "/programme/format/roles/mentee", "minimum is above the maximum"),
    (lambda d: d["programme"].pop("format"), "/transitions/31/effects", "format is a pair"),
])
def test_a_bad_group_document_is_refused_at_its_pointer(change: Any, pointer: str, message: str,
                                                        mentorflow_engine: Engine) -> None:
    from mentorflow import WorkflowInvalid

    document = template(COHORT)
    change(document)
    with pytest.raises(WorkflowInvalid) as refused:
        mentorflow_engine.load_workflow(document, "cohort.json")
    assert any(p.pointer == pointer and message in p.message for p in refused.value.problems), refused.value.problems


def test_a_circles_transitions_name_only_its_roles(mentorflow_engine: Engine) -> None:
    from mentorflow import WorkflowInvalid

    document = template(CIRCLE)
    document["transitions"][0]["roles"] = ["mentor", "peer"]
    with pytest.raises(WorkflowInvalid) as refused:
        mentorflow_engine.load_workflow(document, "circle.json")
    assert any(p.pointer == "/transitions/0/roles/0" and "(circle) has no member in the role 'mentor'" in p.message
               for p in refused.value.problems), refused.value.problems
