"""``mentorflow demo``: one relationship taken through its whole lifecycle on a fresh SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

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


def story(cast: Cast) -> list[tuple[int, str, int, dict[str, Any]]]:
    """The demo's steps: (days later, transition, actor, form data)."""
    mentor, mentee, coordinator = cast.mentor, cast.mentee, cast.coordinator
    return [
        (1, "sign_agreement", mentor, {"accept": True}),
        (1, "sign_agreement", mentee, {"accept": True, "comment": "Looking forward to it"}),
        (0, "agree", mentee, {}),
        (3, "add_goal", mentee, {"title": "Choose a thesis topic", "category": "academic",
                                 "measure": "Topic approved by supervisor", "target_date": "2026-03-01"}),
        (0, "add_goal", mentee, {"title": "Speak up in seminars", "category": "personal_growth"}),
        (1, "start_reflecting", mentor, {}),
        (14, "submit_reflection", mentee, {"went_well": "Shortlisted three topics", "health": 4}),
        (0, "submit_reflection", mentor, {"went_well": "Good preparation", "to_change": "Meet weekly",
                                          "health": 4}),
        (1, "propose_adjustment", mentor, {"proposal": "Meet weekly until the topic is approved"}),
        (1, "accept_adjustment", mentee, {}),
        (20, "pause", mentee, {"note": "Exam period"}),
        (14, "resume", coordinator, {}),
        (14, "submit_reflection", mentee, {"went_well": "Topic approved", "health": 5}),
        (30, "begin_closure", mentor, {}),
        (2, "close", mentee, {"learned": "How to plan a large piece of work", "satisfaction": 5}),
    ]


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
    for entry in engine.timeline(relationship):
        transition = workflow.transitions.get(entry.transition)
        what = transition.title() if transition else _("Relationship started")
        to_state = workflow.states[entry.to_state].title()
        role = workflow.role_label(entry.actor_role)
        echo(f"{entry.seq:>3}  {entry.at:%Y-%m-%d}  {names.get(entry.actor_id, '?'):<7} ({role:<11})  "
             f"{what:<48} → {to_state}")
    echo("")
    echo(_("Final state: {state}").format(state=workflow.states[relationship.state].title()))
    return relationship.id
