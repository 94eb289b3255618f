"""The goals plugin on SQLite and PostgreSQL: SMART goals, confirmation, progress, status, self-assessment, privacy."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from mentorflow import Engine, Forbidden, FormInvalid, GuardFailed, NotFound, TransitionError, WorkflowInvalid
from mentorflow.db.models import AuditEvent
from mentorflow.plugins.goals.api import (
    goal_attainment,
    list_goals,
    programme_goal_attainment,
    self_assessment_growth,
)
from mentorflow.plugins.goals.models import Goal, GoalUpdate, SelfAssessment
from mentorflow.policy import Access
from mentorflow.testing import Factory, default_workflow
from tests.workflows_goals import extend

SMART = {
    "title": "Give a conference talk",
    "category": "career",
    "description": "Speak about our migration project at a national conference.",
    "specific": "A 20-minute talk at PyCon DK",
    "measure": "The talk is accepted and given",
    "achievable": "I have given two internal talks already",
    "relevant": "Visibility helps me towards a lead role",
    "target_date": "2026-09-30",
}
SECOND = {"title": "Read two books on leadership", "category": "skills"}
SIGNED = [("sign_agreement", "mentor", {"accept": True}), ("sign_agreement", "mentee", {"accept": True}),
          ("agree", "mentee", None)]


def workflow(**privacy: bool) -> dict[str, Any]:
    document = extend(default_workflow())
    if privacy:
        document["programme"]["settings"]["privacy"] = privacy
    return document


class Pair:
    """A relationship in goal setting on a programme using the goals extension."""

    def __init__(self, factory: Factory, document: dict[str, Any] | None = None, key: str = "programme") -> None:
        self.factory = factory
        self.engine: Engine = factory.engine
        self.programme = factory.programme(key, document or workflow())
        self.coordinator = factory.person("Carla", role="coordinator", programme=self.programme)
        self.mentor = factory.person("Morten", role="mentor", programme=self.programme)
        self.mentee = factory.person("Mia", role="mentee", programme=self.programme)
        self.stranger = factory.person("Olga")
        self.rel = self.engine.start_relationship(self.programme, mentee=self.mentee, mentor=self.mentor)

    def who(self, role: str) -> int:
        return {"mentor": self.mentor, "mentee": self.mentee, "coordinator": self.coordinator}[role]

    def fire(self, transition: str, who: int | str, data: dict[str, Any] | None = None) -> Any:
        person = self.who(who) if isinstance(who, str) else who
        self.rel = self.engine.fire(self.rel, transition, person, data).relationship
        return self.rel

    def to_goal_setting(self) -> Any:
        for transition, role, data in SIGNED:
            self.fire(transition, role, data)
        return self.rel

    def add(self, who: str, data: dict[str, Any]) -> int:
        """Add a goal and return its id (the newest goal of the relationship)."""
        self.fire("add_goal", who, data)
        return list_goals(self.engine, self.rel, self.mentor).goals[-1].id


@pytest.fixture
def pair(mentorflow_factory: Factory) -> Pair:
    p = Pair(mentorflow_factory)
    p.to_goal_setting()
    return p


def written(engine: Engine) -> tuple[int, ...]:
    with engine.read() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (
            AuditEvent.__table__, Goal.__table__, GoalUpdate.__table__, SelfAssessment.__table__))


def test_goal_with_smart_fields_is_agreed_when_the_other_side_confirms(pair: Pair, mentorflow_clock: Any) -> None:
    goal_id = pair.add("mentee", SMART)
    goal = list_goals(pair.engine, pair.rel, pair.mentee).goals[0]
    assert (goal.title, goal.category, goal.description, goal.specific, goal.measure, goal.achievable,
            goal.relevant) == (SMART["title"], "career", SMART["description"], SMART["specific"], SMART["measure"],
                               SMART["achievable"], SMART["relevant"])
    assert goal.target_date == date(2026, 9, 30)
    assert (goal.status, goal.progress, goal.proposed_by, goal.proposed_role, goal.agreed) == (
        "active", 0, pair.mentee, "mentee", False)

    before = written(pair.engine)
    with pytest.raises(TransitionError, match="was proposed by the mentee; the mentor confirms it"):
        pair.engine.fire(pair.rel, "agree_goal", pair.mentee, {"goal_id": goal_id})
    assert written(pair.engine) == before
    mentorflow_clock.advance(hours=3)
    pair.fire("agree_goal", "mentor", {"goal_id": goal_id, "comment": "Good one"})
    goal = list_goals(pair.engine, pair.rel, pair.mentee).goals[0]
    assert goal.agreed and goal.agreed_by == pair.mentor
    assert goal.agreed_at == pair.rel.started_at + timedelta(hours=3)
    assert [(u.kind, u.author_id, u.note) for u in goal.updates] == [("agreed", pair.mentor, "Good one")]
    with pytest.raises(TransitionError, match="has already been agreed"):
        pair.engine.fire(pair.rel, "agree_goal", pair.mentor, {"goal_id": goal_id})

    other = pair.add("mentor", SECOND)
    with pytest.raises(TransitionError, match="proposed by the mentor; the mentee confirms it"):
        pair.engine.fire(pair.rel, "agree_goal", pair.mentor, {"goal_id": other})
    pair.fire("agree_goal", "mentee", {"goal_id": other})
    assert [g.agreed for g in list_goals(pair.engine, pair.rel, pair.mentor).goals] == [True, True]


def test_bad_goal_data_is_rejected_with_pointers_and_nothing_is_written(pair: Pair) -> None:
    goal_id = pair.add("mentee", SMART)
    before = written(pair.engine)
    with pytest.raises(FormInvalid) as caught:
        pair.engine.fire(pair.rel, "add_goal", pair.mentee, {**SMART, "category": "wealth", "title": "x",
                                                             "target_date": "someday", "specific": 7})
    assert {p.pointer for p in caught.value.problems} == {"/category", "/title", "/target_date", "/specific"}
    with pytest.raises(FormInvalid) as progress:
        pair.engine.fire(pair.rel, "update_goal_progress", pair.mentee, {"goal_id": goal_id, "progress": 150})
    assert [p.pointer for p in progress.value.problems] == ["/progress"]
    with pytest.raises(FormInvalid) as status:
        pair.engine.fire(pair.rel, "set_goal_status", pair.mentee, {"goal_id": goal_id, "status": "forgotten",
                                                                    "note": "?"})
    assert [p.pointer for p in status.value.problems] == ["/status"]
    with pytest.raises(FormInvalid) as closing_with_text:
        pair.engine.fire(pair.rel, "set_goal_status", pair.mentee, {"goal_id": goal_id, "status": "achieved",
                                                                    "note": "Done", "title": "Another title"})
    assert [p.pointer for p in closing_with_text.value.problems] == ["/title"]
    with pytest.raises(FormInvalid) as empty_revision:
        pair.engine.fire(pair.rel, "set_goal_status", pair.mentee, {"goal_id": goal_id, "status": "revised",
                                                                    "note": "Same", "title": SMART["title"]})
    assert [p.pointer for p in empty_revision.value.problems] == [""]
    with pytest.raises(Forbidden):
        pair.engine.fire(pair.rel, "add_goal", pair.coordinator, SMART)
    assert written(pair.engine) == before
    assert pair.engine.get(pair.rel.id).version == pair.rel.version


def test_a_goal_id_of_another_relationship_is_rejected_at_goal_id(pair: Pair) -> None:
    mine = pair.add("mentee", SMART)
    other = pair.factory.relationship("programme")
    other = pair.factory.drive(other, [(t, {"mentor": other.mentor_id, "mentee": other.mentee_id}[r], d)
                                       for t, r, d in SIGNED])
    pair.engine.fire(other, "add_goal", other.mentee_id, SECOND)
    theirs = list_goals(pair.engine, other, other.mentor_id).goals[0].id
    before = written(pair.engine)
    for transition, data in (("agree_goal", {}), ("update_goal_progress", {"progress": 10}),
                             ("set_goal_status", {"status": "dropped", "note": "Not mine"})):
        for foreign in (theirs, 999_999):
            with pytest.raises(FormInvalid) as caught:
                pair.engine.fire(pair.rel, transition, pair.mentor, {"goal_id": foreign, **data})
            assert [p.pointer for p in caught.value.problems] == ["/goal_id"]
            assert "is not one of this relationship's goals" in caught.value.problems[0].message
    assert written(pair.engine) == before
    assert [g.id for g in list_goals(pair.engine, pair.rel, pair.mentee).goals] == [mine]
    assert list_goals(pair.engine, other, other.mentee_id).goals[0].status == "active"


def test_min_agreed_guard_keeps_the_pair_in_goal_setting(pair: Pair) -> None:
    with pytest.raises(GuardFailed) as none:
        pair.engine.fire(pair.rel, "start_reflecting", pair.mentor)
    assert none.value.guard == "goals.min_agreed" and none.value.plugin == "goals"
    assert none.value.reason == "at least 1 goal must be agreed by both sides first (0 so far)"
    goal_id = pair.add("mentor", SMART)
    with pytest.raises(GuardFailed) as waiting:
        pair.engine.fire(pair.rel, "start_reflecting", pair.mentor)
    assert waiting.value.reason == ("at least 1 goal must be agreed by both sides first (0 so far); "
                                    "1 goal is waiting for the other side to confirm it")
    offered = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, pair.mentee)}
    assert offered["start_reflecting"].reasons == (waiting.value.reason,)
    pair.fire("agree_goal", "mentee", {"goal_id": goal_id})
    # A dropped goal no longer counts.
    pair.fire("set_goal_status", "mentee", {"goal_id": goal_id, "status": "dropped", "note": "Not now"})
    with pytest.raises(GuardFailed, match=r"\(0 so far\)"):
        pair.engine.fire(pair.rel, "start_reflecting", pair.mentor)
    second = pair.add("mentee", SECOND)
    pair.fire("agree_goal", "mentor", {"goal_id": second})
    assert pair.fire("start_reflecting", "coordinator").state == "reflecting"


def test_status_changes_and_progress_history(pair: Pair, mentorflow_clock: Any) -> None:
    talk = pair.add("mentee", SMART)
    books = pair.add("mentee", SECOND)
    pair.fire("agree_goal", "mentor", {"goal_id": talk})
    pair.fire("agree_goal", "mentor", {"goal_id": books})
    pair.fire("start_reflecting", "mentee")
    for percent, note in ((20, "Abstract drafted"), (60, "Abstract submitted")):
        mentorflow_clock.advance(days=7)
        pair.fire("update_goal_progress", "mentee", {"goal_id": talk, "progress": percent, "note": note})
    mentorflow_clock.advance(days=7)
    pair.fire("set_goal_status", "mentor", {"goal_id": talk, "status": "achieved", "note": "Talk given!"})
    before = written(pair.engine)
    with pytest.raises(TransitionError, match="Goal 'Give a conference talk' is achieved"):
        pair.engine.fire(pair.rel, "update_goal_progress", pair.mentee, {"goal_id": talk, "progress": 100})
    with pytest.raises(TransitionError, match="can no longer be changed"):
        pair.engine.fire(pair.rel, "set_goal_status", pair.mentee, {"goal_id": talk, "status": "dropped",
                                                                    "note": "Oops"})
    assert written(pair.engine) == before

    pair.fire("set_goal_status", "mentee", {"goal_id": books, "status": "revised", "note": "One book is enough",
                                            "title": "Read one book on leadership", "target_date": "2026-06-01"})
    goals = {g.id: g for g in list_goals(pair.engine, pair.rel, pair.mentor).goals}
    start = pair.rel.started_at
    assert [(u.kind, u.percent, u.status, u.note, u.at - start) for u in goals[talk].updates] == [
        ("agreed", None, None, None, timedelta(0)),
        ("progress", 20, None, "Abstract drafted", timedelta(days=7)),
        ("progress", 60, None, "Abstract submitted", timedelta(days=14)),
        ("status", None, "achieved", "Talk given!", timedelta(days=21)),
    ]
    assert (goals[talk].status, goals[talk].progress, goals[talk].closed_at) == (
        "achieved", 60, start + timedelta(days=21))
    revised = goals[books]
    assert (revised.status, revised.title, revised.target_date, revised.category) == (
        "revised", "Read one book on leadership", date(2026, 6, 1), "skills")
    assert not revised.agreed  # the other side confirms the new text
    assert revised.updates[-1].previous is not None
    assert revised.updates[-1].previous["title"] == "Read two books on leadership"
    assert revised.updates[-1].previous["target_date"] is None
    pair.fire("agree_goal", "mentor", {"goal_id": books})
    pair.fire("update_goal_progress", "mentee", {"goal_id": books, "progress": 50})
    third = pair.add("mentor", {"title": "Find a side project", "category": "personal_growth"})
    pair.fire("set_goal_status", "mentee", {"goal_id": third, "status": "dropped", "note": "No time"})

    listing = list_goals(pair.engine, pair.rel, pair.mentee)
    assert listing.counts == {"active": 0, "achieved": 1, "revised": 1, "dropped": 1}
    summary = goal_attainment(pair.engine, pair.rel, pair.coordinator)
    assert (summary.total, summary.achieved, summary.active, summary.dropped, summary.revised, summary.agreed) == (
        3, 1, 1, 1, 1, 2)
    assert summary.achieved_share == round(1 / 3, 4)


def test_self_assessment_at_start_and_closure_shows_growth(mentorflow_factory: Factory) -> None:
    pair = Pair(mentorflow_factory)
    growth = self_assessment_growth(pair.engine, pair.rel, pair.mentee)
    assert [(c.id, c.start, c.closure, c.delta) for c in growth.competences] == [
        ("communication", None, None, None), ("confidence", None, None, None), ("network", None, None, None)]
    before = written(pair.engine)
    bad = {"communication": 9, "confidence": 2, "leadership": 3}
    with pytest.raises(FormInvalid) as caught:
        pair.engine.fire(pair.rel, "self_assess_start", pair.mentee, {"ratings": bad})
    problems = {p.pointer: p.message for p in caught.value.problems}
    assert set(problems) == {"/ratings/communication", "/ratings/leadership", "/ratings/network"}
    assert problems["/ratings/communication"] == "9 is outside the scale 1 to 5"
    assert "not one of the programme's competences" in problems["/ratings/leadership"]
    assert problems["/ratings/network"] == "a rating for 'Professional network' is missing"
    with pytest.raises(Forbidden):
        pair.engine.fire(pair.rel, "self_assess_start", pair.mentor, {"ratings": {}})
    assert written(pair.engine) == before

    pair.fire("self_assess_start", "mentee", {"ratings": {"communication": 2, "confidence": 3, "network": 1}})
    with pytest.raises(TransitionError, match="start self-assessment has already been made"):
        pair.engine.fire(pair.rel, "self_assess_start", pair.mentee,
                         {"ratings": {"communication": 3, "confidence": 3, "network": 1}})
    pair.to_goal_setting()
    goal_id = pair.add("mentee", SMART)
    pair.fire("agree_goal", "mentor", {"goal_id": goal_id})
    pair.fire("start_reflecting", "mentor")
    pair.fire("begin_closure", "coordinator")
    pair.fire("self_assess_closure", "mentee", {"ratings": {"communication": 4, "confidence": 3, "network": 2},
                                                "note": "I speak up more now"})
    growth = self_assessment_growth(pair.engine, pair.rel, pair.mentor)
    assert growth.access is Access.FULL and (growth.scale_min, growth.scale_max) == (1, 5)
    assert [(c.id, c.start, c.closure, c.delta) for c in growth.competences] == [
        ("communication", 2, 4, 2), ("confidence", 3, 3, 0), ("network", 1, 2, 1)]
    assert growth.start_at is not None and growth.closure_at is not None
    assert growth.competences[0].label == {"en": "Communication", "da": "Kommunikation"}


def test_privacy_pair_sees_goals_coordinators_metadata_strangers_nothing(mentorflow_factory: Factory) -> None:
    closed = Pair(mentorflow_factory)
    closed.fire("self_assess_start", "mentee", {"ratings": {"communication": 2, "confidence": 3, "network": 1}})
    closed.to_goal_setting()
    goal_id = closed.add("mentee", SMART)
    closed.fire("update_goal_progress", "mentee", {"goal_id": goal_id, "progress": 30, "note": "Private-ish"})
    for person in (closed.mentor, closed.mentee):
        listing = list_goals(closed.engine, closed.rel, person)
        assert listing.access is Access.FULL and listing.goals[0].title == SMART["title"]
        assert listing.goals[0].updates[0].note == "Private-ish"
    meta = list_goals(closed.engine, closed.rel, closed.coordinator)
    assert meta.access is Access.METADATA and meta.counts["active"] == 1
    goal = meta.goals[0]
    assert goal.access is Access.METADATA and goal.status == "active"
    assert (goal.title, goal.category, goal.description, goal.progress, goal.target_date) == (None,) * 5
    assert [(u.kind, u.author_id, u.percent, u.note) for u in goal.updates] == [
        ("progress", closed.mentee, None, None)]
    growth = self_assessment_growth(closed.engine, closed.rel, closed.coordinator)
    assert growth.access is Access.METADATA and growth.start_at is not None
    assert all(c.start is None for c in growth.competences)
    assert goal_attainment(closed.engine, closed.rel, closed.coordinator).active == 1
    for query in (list_goals, goal_attainment, self_assessment_growth):
        with pytest.raises(NotFound, match="does not exist"):
            query(closed.engine, closed.rel, closed.stranger)

    open_programme = Pair(mentorflow_factory, workflow(coordinator_sees_content=True), key="open")
    open_programme.to_goal_setting()
    open_programme.add("mentor", SECOND)
    seen = list_goals(open_programme.engine, open_programme.rel, open_programme.coordinator)
    assert seen.access is Access.FULL and seen.goals[0].title == SECOND["title"]
    with pytest.raises(NotFound, match="does not exist"):
        list_goals(open_programme.engine, open_programme.rel, closed.coordinator)

    figures = programme_goal_attainment(closed.engine, "programme", closed.coordinator)
    assert (figures.total, figures.active) == (1, 1)
    with pytest.raises(Forbidden):
        programme_goal_attainment(closed.engine, "programme", closed.mentor)


def _problems(engine: Engine, document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(WorkflowInvalid) as caught:
        engine.load_workflow(document)
    return {p.pointer: p.message for p in caught.value.problems}


def _index(document: dict[str, Any], transition_id: str) -> int:
    return next(i for i, t in enumerate(document["transitions"]) if t["id"] == transition_id)


def test_settings_are_validated_with_pointers(mentorflow_engine: Engine) -> None:
    base = "/programme/settings/goals"
    document = workflow()
    settings = document["programme"]["settings"]["goals"]
    settings["competences"].append({"id": "communication", "label": {"en": "Again", "da": "Igen"}})
    settings["scale"] = {"min": 5, "max": 3}
    problems = _problems(mentorflow_engine, document)
    assert "listed twice" in problems[f"{base}/competences/3/id"]
    assert "greater than the scale's minimum (5)" in problems[f"{base}/scale/max"]

    document = workflow()
    document["programme"]["settings"]["goals"] = {
        "competences": [{"id": "Bad Id", "label": {"en": "Bad"}}], "colour": "blue", "scale": {"min": 1}}
    problems = _problems(mentorflow_engine, document)
    assert {f"{base}/competences/0/id", f"{base}/competences/0/label/da", f"{base}/colour",
            f"{base}/scale/max"} <= set(problems)

    document = workflow()
    del document["programme"]["settings"]["goals"]
    start = _index(document, "self_assess_start")
    assert "needs the competences to rate" in _problems(mentorflow_engine, document)[
        f"/transitions/{start}/effects/0"]


def test_workflow_checks_point_at_the_problem(mentorflow_engine: Engine) -> None:
    document = workflow()
    start, closure, reflect, add, confirm = (_index(document, t) for t in (
        "self_assess_start", "self_assess_closure", "start_reflecting", "add_goal", "agree_goal"))
    broken = copy.deepcopy(document)
    broken["transitions"][start]["roles"] = ["mentor", "mentee"]
    broken["transitions"][closure]["effects"][0]["params"] = {"phase": "middle"}
    broken["transitions"][reflect]["guards"][0]["params"] = {"count": 0}
    problems = _problems(mentorflow_engine, broken)
    assert f"/transitions/{closure}/effects/0/params/phase" in problems
    assert f"/transitions/{reflect}/guards/0/params/count" in problems

    broken["transitions"][closure]["effects"][0]["params"] = {"phase": "closure"}
    broken["transitions"][reflect]["guards"][0]["params"] = {"count": 1}
    broken["forms"]["goal"]["schema"]["properties"]["category"]["enum"].append("wealth")
    broken["forms"]["goal_progress"]["schema"]["required"] = ["goal_id"]
    broken["transitions"][confirm]["roles"] = ["mentor", "mentee", "coordinator"]
    problems = _problems(mentorflow_engine, broken)
    assert "roles must be" in problems[f"/transitions/{start}/roles"]
    assert "wealth is not a category" in problems["/forms/goal/schema/properties/category/enum/5"]
    assert "needs a required field 'progress'" in problems["/forms/goal_progress/schema/required"]
    assert "remove coordinator" in problems[f"/transitions/{confirm}/roles"]

    no_confirming = copy.deepcopy(document)
    del no_confirming["transitions"][confirm]
    reflect = _index(no_confirming, "start_reflecting")
    assert "goals.agree" in _problems(mentorflow_engine, no_confirming)[f"/transitions/{reflect}/guards/0"]
    no_form = copy.deepcopy(document)
    del no_form["transitions"][add]["form"]
    assert "give the transition a form" in _problems(mentorflow_engine, no_form)[f"/transitions/{add}/effects/0"]
