"""``mentorflow demo``: one relationship taken through its whole lifecycle on a fresh SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from mentorflow.actors import SYSTEM
from mentorflow.clock import ManualClock
from mentorflow.engine import Engine
from mentorflow.i18n import _
from mentorflow.schemas import template_paths

PROGRAMME = "demo"


@dataclass(frozen=True)
class Cast:
    coordinator: int
    mentor: int
    mentee: int


AGREEMENT = {
    "mentor_expectations": "Honest feedback and an hour every other week",
    "mentee_expectations": "Come prepared and say what I need",
    "meeting_frequency": "fortnightly", "meeting_format": "in_person", "meeting_length_minutes": 60,
    "confidentiality": "What we discuss stays between us", "duration": "P6M",
    "ending": "Either of us can end it after a conversation, no blame",
}
SKILLS = ("communication", "confidence", "network")  # the default programme's competences


def story(cast: Cast) -> list[tuple[int, str, Any, dict[str, Any]]]:
    """The demo's steps: (days later, transition, actor, form data).

    The full default lifecycle: the agreement proposed and signed by both (then amended), goals agreed by
    both, reflections and a pulse survey, an adjustment (weekly meetings, goal 2 revised, goal 3 added), a
    pause, and the planned closure the system begins when the programme ends, with both closure forms. The
    demo database is fresh, so the goals are 1, 2 and (added by the adjustment) 3.
    """
    mentor, mentee, coordinator = cast.mentor, cast.mentee, cast.coordinator
    return [
        (1, "propose_agreement", mentor, AGREEMENT),
        (1, "sign_agreement", mentor, {"accept": True, "version": 1}),
        (1, "sign_agreement", mentee, {"accept": True, "version": 1, "comment": "Looking forward to it"}),
        (0, "self_assess_start", mentee, {"ratings": dict(zip(SKILLS, (2, 2, 1), strict=True))}),
        (0, "agree", mentee, {}),
        (3, "add_goal", mentee, {"title": "Choose a thesis topic", "category": "academic",
                                 "measure": "Topic approved by supervisor", "target_date": "2026-03-01"}),
        (0, "add_goal", mentee, {"title": "Speak up in seminars", "category": "personal_growth"}),
        (1, "agree_goal", mentor, {"goal_id": 1}),
        (0, "agree_goal", mentor, {"goal_id": 2, "comment": "A good one to practise"}),
        (0, "start_reflecting", mentor, {}),
        (14, "submit_reflection", mentee, {"went_well": "Shortlisted three topics", "health": 4,
                                           "progress": [{"goal_id": 1, "percent": 40}]}),
        (0, "submit_reflection", mentor, {"went_well": "Good preparation", "to_change": "Meet weekly",
                                          "health": 4}),
        (10, "answer_pulse", mentee, {"satisfaction": 4}),
        (1, "propose_adjustment", mentor, {"items": [
            {"kind": "change_cadence", "period": "P7D"},
            {"kind": "revise_goal", "goal_id": 2, "text": "Speak up at least once in every seminar"},
            {"kind": "add_goal", "title": "Present the thesis plan to the research group", "category": "academic"},
        ], "rationale": "Meet weekly until the topic is approved, and make the seminar goal measurable"}),
        (1, "accept_adjustment", mentee, {}),
        # Goal 3 exists only because the acceptance added it: progress on it proves the change was applied.
        (1, "update_goal_progress", mentee, {"goal_id": 3, "progress": 20, "note": "Outline drafted"}),
        (2, "amend_agreement", mentee, {**AGREEMENT, "meeting_frequency": "weekly"}),
        (0, "sign_agreement", mentee, {"accept": True, "version": 2}),
        (1, "sign_agreement", mentor, {"accept": True, "version": 2}),
        (20, "pause", mentee, {"note": "Exam period"}),
        (14, "resume", coordinator, {}),
        (14, "set_goal_status", mentee, {"goal_id": 1, "status": "achieved", "note": "Topic approved"}),
        (0, "submit_reflection", mentee, {"went_well": "Topic approved", "health": 5}),
        (96, "begin_closure", SYSTEM, {}),  # the programme_end timer, six months after the start
        (1, "self_assess_closure", mentee, {"ratings": dict(zip(SKILLS, (4, 4, 3), strict=True))}),
        (0, "submit_closure_form", mentor, {"goals": [{"goal_id": 1, "attained": "fully"},
                                                      {"goal_id": 2, "attained": "partly"},
                                                      {"goal_id": 3, "attained": "fully"}],
                                            "learned": "To ask before advising", "satisfaction": 5}),
        (1, "submit_closure_form", mentee, {"goals": [{"goal_id": 1, "attained": "fully"},
                                                      {"goal_id": 2, "attained": "partly"},
                                                      {"goal_id": 3, "attained": "fully"}],
                                            "learned": "How to plan a large piece of work", "satisfaction": 5}),
        (0, "close", mentee, {}),
    ]


class GoalNotes:
    """Detail lines for the timeline: the goals and the adjustment, followed from the story's form data.

    The core shows no plugin's tables; the demo knows its own story. Goals are numbered in the order they
    are added (the demo database is fresh), and an accepted adjustment's items are applied here as the
    goals plugin applied them in the acceptance's transaction (all of them, or the step would have failed).
    """

    def __init__(self) -> None:
        self.titles: dict[int, str] = {}
        self.proposed: list[dict[str, Any]] = []

    def _add(self, title: str) -> str:
        number = len(self.titles) + 1
        self.titles[number] = title
        return _("goal {n}: {title}").format(n=number, title=title)

    def _item(self, item: dict[str, Any]) -> str:
        kind, goal = item.get("kind"), item.get("goal_id")
        if kind == "revise_goal":
            return _("revise goal {n}: {title}").format(n=goal, title=item["text"])
        if kind == "drop_goal":
            return _("drop goal {n}: {reason}").format(n=goal, reason=item["reason"])
        if kind == "add_goal":
            return _("add a goal: {title}").format(title=item["title"])
        if kind == "change_cadence":
            return _("meet every {period}").format(period=item["period"])
        if kind == "change_meeting_format":
            return _("meet {format}").format(format=item["format"])
        return _("amend the agreement: {text}").format(text=item.get("text", ""))

    def _applied(self, item: dict[str, Any]) -> str:
        kind, goal = item.get("kind"), int(item.get("goal_id", 0))
        if kind == "revise_goal":
            old, self.titles[goal] = self.titles.get(goal, "?"), item["text"]
            return _("goal {n} revised: {old} → {new}").format(n=goal, old=old, new=item["text"])
        if kind == "drop_goal":
            return _("goal {n} dropped: {title}").format(n=goal, title=self.titles.get(goal, "?"))
        if kind == "add_goal":
            return _("added {goal}").format(goal=self._add(item["title"]))
        return _("applied: {change}").format(change=self._item(item))

    def notes(self, transition: str, data: dict[str, Any]) -> list[str]:
        """The detail lines for one timeline entry (none for most)."""
        if transition == "add_goal" and "title" in data:
            return [self._add(data["title"])]
        if transition == "propose_adjustment":
            self.proposed = list(data.get("items") or ())
            return [self._item(item) for item in self.proposed]
        if transition == "accept_adjustment":
            applied, self.proposed = [self._applied(item) for item in self.proposed], []
            return applied
        if transition in ("set_goal_status", "update_goal_progress") and data.get("goal_id") in self.titles:
            goal = data["goal_id"]
            state = data.get("status") or f"{data.get('progress')} %"
            return [_("goal {n} ({title}): {state}").format(n=goal, title=self.titles[goal], state=state)]
        return []


def run_demo(database_url: str, echo: Callable[[str], None] = print) -> int:
    """Seed a programme, run the story and print the timeline; returns the relationship id."""
    clock = ManualClock()
    engine = Engine(database_url, clock=clock)
    engine.upgrade_database()
    document = json.loads(template_paths()["default"].read_text("utf-8"))
    engine.publish_workflow(PROGRAMME, document)
    cast = Cast(
        coordinator=engine.add_person("Carla Coordinator", email="carla@example.org"),
        mentor=engine.add_person("Morten Mentor", email="morten@example.org", locale="da"),
        mentee=engine.add_person("Mia Mentee", email="mia@example.org"),
    )
    engine.grant_role(PROGRAMME, cast.coordinator, "coordinator")
    engine.grant_role(PROGRAMME, cast.mentor, "mentor")  # a coordinator pairs only people of the programme
    engine.grant_role(PROGRAMME, cast.mentee, "mentee")
    names = {cast.coordinator: "Carla", cast.mentor: "Morten", cast.mentee: "Mia", None: _("system")}
    relationship = engine.start_relationship(PROGRAMME, mentee=cast.mentee, mentor=cast.mentor,
                                             actor=cast.coordinator)
    for days, transition, actor, data in story(cast):
        clock.advance(timedelta(days=days))
        relationship = engine.fire(relationship, transition, actor, data).relationship
    workflow = engine.workflow_by_version(relationship.workflow_version_id)
    echo(_("Relationship {id} in programme '{name}': {mentee} mentored by {mentor}").format(
        id=relationship.id, name=workflow.name(), mentee="Mia", mentor="Morten"))
    echo("")
    goals = GoalNotes()
    for entry in engine.timeline(relationship):
        fired = None if entry.engine_event else workflow.transitions.get(entry.transition)
        what = fired.title() if fired else _("Relationship started")
        to_state = workflow.states[entry.to_state].title()
        role = workflow.role_label(entry.actor_role)
        echo(f"{entry.seq:>3}  {entry.at:%Y-%m-%d}  {names.get(entry.actor_id, '?'):<7} ({role:<11})  "
             f"{what:<48} → {to_state}")
        for line in goals.notes(entry.transition, entry.data or {}):
            echo(f"{'':>17}· {line}")
    echo("")
    echo(_("Final state: {state}").format(state=workflow.states[relationship.state].title()))
    return relationship.id
