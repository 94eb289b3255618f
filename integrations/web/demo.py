"""Demo mode: a seeded programme with relationships in different stages, entered without an LMS.

Only ever on SQLite, and only when ``demo`` is switched on: demo entry lets
anyone act as anyone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mentorflow.engine import Engine
from mentorflow.schemas import template_paths
from mentorflow.snapshots import RelationshipSnapshot

PROGRAMME = "demo"
SIGN = {"accept": True}
AGREEMENT = {
    "mentor_expectations": "Honest feedback and an hour every other week",
    "mentee_expectations": "Come prepared and say what I need",
    "meeting_frequency": "fortnightly", "meeting_format": "in_person", "meeting_length_minutes": 60,
    "confidentiality": "What we discuss stays between us", "duration": "P6M",
    "ending": "Either of us can end it after a conversation, no blame",
}
Data = dict[str, Any] | Callable[[Engine, RelationshipSnapshot], dict[str, Any]]
"""Form data, or a function making it from the relationship as it is by then."""
Step = tuple[str, int, Data]


def _newest_goal(engine: Engine, rel: RelationshipSnapshot) -> dict[str, Any]:
    """Form data naming the relationship's newest goal, for the mentor to confirm it.

    Read from the ``agree_goal`` form's own choices (the public :meth:`Engine.form_choices`), so the demo
    knows no plugin: what the mentor may choose is what the page would offer them.
    """
    workflow = engine.workflow_by_version(rel.workflow_version_id)
    form = workflow.transitions["agree_goal"].form
    assert form is not None and rel.mentor_id is not None
    offered = engine.form_choices(rel, rel.mentor_id, form, role="mentor")
    return {"goal_id": max(value for options in offered.values() for value, _label in options)}


def seed_demo(engine: Engine) -> dict[str, Any]:
    """Fill an empty database with the demo programme; returns who can be entered as."""
    engine.upgrade_database()
    if any(p["key"] == PROGRAMME for p in engine.programmes()):
        return demo_people(engine)
    engine.publish_workflow(PROGRAMME, json.loads(template_paths()["default"].read_text("utf-8")))
    coordinator = engine.add_person("Carla Jensen", email="carla@example.org")
    engine.grant_role(PROGRAMME, coordinator, "coordinator")
    mentors = [engine.add_person(n, email=e, locale=loc) for n, e, loc in (
        ("Morten Holm", "morten@example.org", "da"), ("Grace Okafor", "grace@example.org", "en"))]
    mentees = [engine.add_person(n, email=e, locale=loc) for n, e, loc in (
        ("Mia Larsen", "mia@example.org", "da"), ("Noah Berg", "noah@example.org", "en"),
        ("Sofie Dahl", "sofie@example.org", "da"), ("Liam Chen", "liam@example.org", "en"))]
    for person in mentors:
        engine.grant_role(PROGRAMME, person, "mentor")
    for person in mentees:
        engine.grant_role(PROGRAMME, person, "mentee")
    goal = {"title": "Choose a thesis topic", "category": "academic"}
    # Who fires: 0 the mentor, 1 the mentee, 2 the coordinator.
    signed: list[Step] = [("propose_agreement", 2, AGREEMENT), ("sign_agreement", 0, SIGN), ("sign_agreement", 1, SIGN)]
    stages: list[list[Step]] = [
        [("propose_agreement", 2, AGREEMENT)],  # Mia with Morten: just matched, the agreement waits for signatures
        [*signed, ("agree", 1, {})],
        [*signed, ("agree", 1, {}), ("add_goal", 1, goal), ("agree_goal", 0, _newest_goal),
         ("start_reflecting", 0, {}),
         ("submit_reflection", 1, {"went_well": "We met twice and I feel more confident", "health": 4})],
        [*signed, ("end_early", 1, {"reason": "changed_needs"}),
         ("submit_closure_form", 0, {"goals": [], "learned": "To set clearer goals early", "satisfaction": 4}),
         ("submit_closure_form", 1, {"goals": [], "learned": "To ask for help sooner", "satisfaction": 4}),
         ("close", 0, {})],
    ]
    for index, (mentee, steps) in enumerate(zip(mentees, stages, strict=True)):
        mentor = mentors[index % 2]
        rel = engine.start_relationship(PROGRAMME, mentee=mentee, mentor=mentor, actor=coordinator)
        for transition, who, data in steps:
            payload = data(engine, rel) if callable(data) else data
            rel = engine.fire(rel, transition, (mentor, mentee, coordinator)[who], payload).relationship
    return demo_people(engine)


def demo_people(engine: Engine) -> dict[str, Any]:
    """Everyone in the demo programme grouped by role, for the start page."""
    people: dict[str, list[dict[str, Any]]] = {"coordinator": [], "mentor": [], "mentee": []}
    from sqlalchemy import select

    from mentorflow.db.models import ProgrammeRole

    T = ProgrammeRole.__table__
    pid = engine.programme_id(PROGRAMME)
    with engine.read() as conn:
        rows = conn.execute(select(T.c.person_id, T.c.role).where(T.c.programme_id == pid).order_by(T.c.person_id))
        pairs = rows.all()
    names = engine.display_names([p for p, _ in pairs])
    for person_id, role in pairs:
        people[role].append({"id": person_id, "display_name": names[person_id]})
    return people


