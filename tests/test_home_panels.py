"""The relationship home's panels (issue #16, groups from issue #18): goals, meetings, reflections.

Each panel is asked for through the real ``mentorflow_page_panels`` hook of a real engine on SQLite and
PostgreSQL, for a pair (``default``) and a group (``first-year-cohort``), after the members have set goals,
logged meetings and reflected through ``Engine.fire``. What each viewer reads is asserted from the rule
(core/policy.py), never from the panel's code: a fellow mentee does not see my goals, my private notes or
my private fields; a coordinator sees statuses and dates, never content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from mentorflow import Engine, FormInvalid
from mentorflow.clock import ManualClock
from mentorflow.gdpr import erase_person, export_person
from mentorflow.i18n import set_locale
from mentorflow.panels import PageContext, Panel, page_panels
from mentorflow.plugins.goals import api as goals_api
from mentorflow.plugins.meetings import api as meetings_api
from mentorflow.plugins.meetings.models import Meeting, MeetingAttendance
from mentorflow.schemas import template_paths
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.testing import Factory

from .test_group_privacy import required

MA, ML = MeetingAttendance.__table__, Meeting.__table__
# template, the members it starts with ({label: role})
FORMATS = {
    "pair": ("default", {"mentor": "mentor", "ann": "mentee"}),
    "group": ("first-year-cohort", {"mentor": "mentor", "ann": "mentee", "bo": "mentee", "cy": "mentee"}),
}


def template(name: str) -> dict[str, Any]:
    doc = json.loads(template_paths()[name].read_text("utf-8"))
    # A reflection field kept by its author alone, as a programme may mark one.
    doc["forms"]["reflection"]["fields"].setdefault("to_change", {})["private"] = True
    return doc


@dataclass
class World:
    engine: Engine
    fmt: str
    doc: dict[str, Any]
    people: dict[str, int]
    rel: RelationshipSnapshot

    def fire(self, transition: str, who: str, data: dict[str, Any] | None = None) -> None:
        self.rel = self.engine.fire(self.rel, transition, self.people[who], data).relationship

    def panel(self, panel_id: str, viewer: str, locale: str = "en") -> Panel | None:
        set_locale(locale)
        try:
            page = PageContext(page="relationship", viewer=self.people[viewer], locale=locale,
                               relationship=self.rel)
            return next((p for p in page_panels(self.engine, page) if p.id == panel_id), None)
        finally:
            set_locale("en")


def build(fmt: str, engine: Engine, factory: Factory, clock: ManualClock | None, doc: dict[str, Any] | None = None,
          prefix: str = "") -> World:
    """The programme, its members (named ``prefix`` + Mentor, Ann, Bo, Cy) and a relationship past its agreement."""
    name, cast = FORMATS[fmt]
    doc = doc if doc is not None else template(name)
    factory.programme(name, doc)
    people = {label: factory.person(prefix + label.capitalize(), role=role, programme=name)
              for label, role in cast.items()}
    people["coordinator"] = factory.person("Coordinator", role="coordinator", programme=name)
    members: dict[str, list[int]] = {}
    for label, role in cast.items():
        members.setdefault(role, []).append(people[label])
    world = World(engine, fmt, doc, people,
                  engine.start_relationship(name, members=members, actor=people["coordinator"]))
    world.fire("propose_agreement", "mentor", required(doc, "agreement"))
    for label in cast:
        world.fire("sign_agreement", label, {"accept": True, "version": 1})
    for label, role in cast.items():
        if role == "mentee":
            competences = doc["programme"]["settings"]["goals"]["competences"]
            world.fire("self_assess_start", label, {"ratings": {c["id"]: 3 for c in competences}})
    world.fire("agree", "mentor")
    return world


@pytest.fixture(params=sorted(FORMATS))
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def goal(world: World, who: str, title: str) -> int:
    world.fire("add_goal", who, required(world.doc, "goal", title=title))
    return max(g.id for g in goals_api.list_goals(world.engine, world.rel, world.people[who]).goals)


def test_goals_panel_shows_status_progress_confirmation_history_and_a_pending_revision(
        fmt: str, mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: ManualClock) -> None:
    world = build(fmt, mentorflow_engine, mentorflow_factory, mentorflow_clock)
    mine = goal(world, "ann", "Plan my study weeks")
    world.fire("agree_goal", "mentor", {"goal_id": mine})
    world.fire("update_goal_progress", "ann", {"goal_id": mine, "progress": 40, "note": "Two weeks planned"})
    theirs = goal(world, "mentor", "Meet every fortnight")
    world.fire("agree_goal", "ann", {"goal_id": theirs})
    world.fire("set_goal_status", "ann", {"goal_id": mine, "status": "revised", "note": "Broader",
                                          "title": "Plan my whole semester"})
    if fmt == "group":
        goal(world, "bo", "Bo's secret goal")

    panel = world.panel("goals", "ann")
    assert panel is not None and panel.slot == "overview"
    html = str(panel.html)
    assert "Plan my whole semester" in html and "Meet every fortnight" in html
    assert 'value="40"' in html and "40 %" in html  # the bar from the latest progress record
    assert "Confirmed by Ann" in html or "Confirmed by Mentor" in html
    assert "<details" in html and "History of this goal" in html and "Two weeks planned" in html
    # The revision waits for the mentor: old → new is shown before they confirm.
    assert "<del>Plan my study weeks</del> → <ins>Plan my whole semester</ins>" in html
    mentor_html = str(world.panel("goals", "mentor").html)  # type: ignore[union-attr]
    assert "<del>Plan my study weeks</del>" in mentor_html
    world.fire("agree_goal", "mentor", {"goal_id": mine})
    assert "<del>" not in str(world.panel("goals", "ann").html)  # type: ignore[union-attr]

    if fmt == "group":
        # Per member, as each viewer may see them: the mentor sees Bo's goal, Ann (Bo's fellow) does not.
        assert "Your goals" in html and "Goals of Mentor" in html
        assert "Bo&#39;s secret goal" not in html and "Goals of Bo" not in html
        assert "Bo&#39;s secret goal" in mentor_html and "Goals of Bo" in mentor_html
        cy = str(world.panel("goals", "cy").html)  # type: ignore[union-attr]
        assert "Plan my whole semester" not in cy and "Meet every fortnight" in cy
    coordinator = str(world.panel("goals", "coordinator").html)  # type: ignore[union-attr]
    assert "Plan my" not in coordinator and "Meet every" not in coordinator and "Two weeks" not in coordinator
    assert f"Goal {mine}" in coordinator and "shared with the members only" in coordinator

    danish = str(world.panel("goals", "ann", "da").html)  # type: ignore[union-attr]
    assert "Fremskridt" in danish and "Historik for målet" in danish


def log(world: World, who: str, day: str, **more: Any) -> None:
    world.fire("log_meeting", who, {"date": day, "duration_minutes": 45, "format": "video", **more})


def test_meetings_panel_shows_shared_notes_my_private_notes_rating_attendance_and_calendar(
        fmt: str, mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: ManualClock) -> None:
    world = build(fmt, mentorflow_engine, mentorflow_factory, mentorflow_clock)
    today = mentorflow_clock.now().date()
    earlier = (today - timedelta(days=7)).isoformat()
    present = [{"person_id": world.people[p], "present": True} for p in ("mentor", "ann", "bo")] \
        if fmt == "group" else None
    log(world, "ann", earlier, agenda="Exam plan", shared_notes="Shared by Ann", private_notes="Ann's own worry",
        rating=3, **({"attended": present} if present else {}))
    log(world, "mentor", today.isoformat(), shared_notes="Today's notes", private_notes="Mentor's own note")

    ann = world.panel("meetings", "ann")
    assert ann is not None and ann.slot == "overview"
    html = str(ann.html)
    assert "Upcoming" in html and "Past meetings" in html and html.index("Today&#39;s notes") < html.index("Exam plan")
    assert "Shared by Ann" in html and "Ann&#39;s own worry" in html and "Private: only you see these" in html
    assert "Mentor&#39;s own note" not in html  # the mentor's private notes stay with the mentor
    assert "Your rating: 3 of 4" in html and "You have not rated this meeting." in html
    mentor = str(world.panel("meetings", "mentor").html)  # type: ignore[union-attr]
    assert "Shared by Ann" in mentor and "Ann&#39;s own worry" not in mentor and "Mentor&#39;s own note" in mentor
    assert "Your rating: 3" not in mentor
    if fmt == "group":
        assert "Attended: Mentor, Ann, Bo" in html and "Attendance was not recorded." in html
        cy = str(world.panel("meetings", "cy").html)  # type: ignore[union-attr]
        assert "Shared by Ann" in cy and "Attended: Mentor, Ann, Bo" in cy  # a meeting is the group's
        assert "Ann&#39;s own worry" not in cy and "Mentor&#39;s own note" not in cy
    else:
        assert "Attended" not in html  # a pair's meetings record no attendance
    coordinator = world.panel("meetings", "coordinator")
    assert coordinator is not None
    text = str(coordinator.html)
    assert "45 minutes" in text and "Shared by Ann" not in text and "Exam plan" not in text
    assert "own worry" not in text and "own note" not in text and "Add to calendar" not in text
    if fmt == "group":
        assert "3 members attended" in text and "Attended: " not in text
    # "Add to calendar": the calendar plugin is loaded, so each member gets the meeting's file address.
    assert f"/calendar/relationships/{world.rel.id}/meetings/" in html


def test_only_current_members_may_be_marked_as_attending(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                         mentorflow_clock: ManualClock) -> None:
    world = build("group", mentorflow_engine, mentorflow_factory, mentorflow_clock)
    outsider = mentorflow_factory.person("Outsider", role="mentee", programme="first-year-cohort")
    day = mentorflow_clock.now().date().isoformat()
    for marked, pointer in ((outsider, "/attended/1/person_id"), (world.people["coordinator"], "/attended/1/person_id"),
                            (999_999, "/attended/1/person_id"), (world.people["ann"], "/attended/1/person_id")):
        with pytest.raises(FormInvalid) as error:
            log(world, "ann", day, attended=[{"person_id": world.people["ann"], "present": True},
                                             {"person_id": marked, "present": True}])
        assert pointer in [p.pointer for p in error.value.problems], (marked, error.value.problems)
    assert meetings_api.meetings(mentorflow_engine, world.rel, world.people["ann"]) == []  # nothing partial
    log(world, "ann", day, attended=[{"person_id": world.people["bo"], "present": True}])
    [meeting] = meetings_api.meetings(mentorflow_engine, world.rel, world.people["ann"])
    assert meeting.attended == (world.people["bo"],)
    # Audited with the transition: the log's audit row is the attendance's.
    with mentorflow_engine.read() as conn:
        rows = conn.execute(select(MA.c.audit_id, MA.c.role, ML.c.audit_id.label("logged"))
                            .join(ML, ML.c.id == MA.c.meeting_id)).all()
    assert [(r.audit_id == r.logged, r.role) for r in rows] == [(True, "mentee")]


def test_attendance_is_exported_and_erased_with_the_person(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                           mentorflow_clock: ManualClock) -> None:
    world = build("group", mentorflow_engine, mentorflow_factory, mentorflow_clock)
    day = mentorflow_clock.now().date().isoformat()
    log(world, "mentor", day, attended=[{"person_id": world.people[p], "present": True} for p in ("bo", "cy")])
    bo = world.people["bo"]
    exported = export_person(mentorflow_engine, bo)
    attended = exported["plugins"]["meetings"]["meetings_attended"]
    assert [row["role"] for row in attended] == ["mentee"] and attended[0]["held_on"] == day
    erase_person(mentorflow_engine, bo)
    [meeting] = meetings_api.meetings(mentorflow_engine, world.rel, world.people["mentor"])
    assert meeting.attended == (world.people["cy"],)


def reflecting(world: World) -> None:
    """Every mentee sets a goal the mentor confirms; then the reflections start."""
    for label, role in FORMATS[world.fmt][1].items():
        if role == "mentee":
            world.fire("agree_goal", "mentor", {"goal_id": goal(world, label, f"Goal of {label}")})
    world.fire("start_reflecting", "mentor")


def reflect(world: World, who: str, went_well: str, to_change: str) -> None:
    world.fire("submit_reflection", who, required(world.doc, "reflection", went_well=went_well, to_change=to_change))


@pytest.mark.parametrize("shared_with", ["mentor", "group"])
def test_reflections_panel_shows_cadence_next_due_mine_and_what_others_shared(
        fmt: str, shared_with: str, mentorflow_engine: Engine, mentorflow_factory: Factory,
        mentorflow_clock: ManualClock) -> None:
    if fmt == "pair" and shared_with == "group":
        pytest.skip("a pair has no group to share with")
    doc = template(FORMATS[fmt][0])
    doc["forms"]["reflection"]["shared_with"] = shared_with
    world = build(fmt, mentorflow_engine, mentorflow_factory, mentorflow_clock, doc)
    reflecting(world)
    mentorflow_clock.advance(timedelta(days=3))
    reflect(world, "ann", "Ann: planning works", "Ann's private worry")
    reflect(world, "mentor", "Mentor: good group", "Mentor's private doubt")
    if fmt == "group":
        reflect(world, "bo", "Bo: settling in", "Bo's private fear")

    ann = world.panel("reflections", "ann")
    assert ann is not None and ann.slot == "overview"
    html = str(ann.html)
    assert "A reflection every 2 weeks." in html and "Your next one: Due in 14 days" in html
    assert "Ann: planning works" in html and "Ann&#39;s private worry" in html  # my own, private field too
    assert "Mentor: good group" in html and "Mentor&#39;s private doubt" not in html  # a private field stays
    mentor = str(world.panel("reflections", "mentor").html)  # type: ignore[union-attr]
    assert "Ann: planning works" in mentor and "Ann&#39;s private worry" not in mentor
    if fmt == "group":
        # "Shared with the mentor" does not reach a fellow mentee; "shared with the group" does.
        assert ("Bo: settling in" in html) == (shared_with == "group")
        assert "Bo&#39;s private fear" not in html and "Bo: settling in" in mentor
        assert ("Shared with the group" in html) == (shared_with == "group")
    coordinator = str(world.panel("reflections", "coordinator").html)  # type: ignore[union-attr]
    assert "Ann: planning" not in coordinator and "private" not in coordinator.replace("class=", "")
    assert "Its content is shared with the members only." in coordinator and "Your next one" not in coordinator
    mentorflow_clock.advance(timedelta(days=16))
    assert "Overdue by 2 days" in str(world.panel("reflections", "ann").html)  # type: ignore[union-attr]
