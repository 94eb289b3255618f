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
from typing import Any

import pytest

from mentorflow import Engine
from mentorflow.clock import ManualClock
from mentorflow.i18n import set_locale
from mentorflow.panels import PageContext, Panel, page_panels
from mentorflow.plugins.goals import api as goals_api
from mentorflow.schemas import template_paths
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.testing import Factory

from .test_group_privacy import required

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


def build(fmt: str, engine: Engine, factory: Factory, clock: ManualClock, doc: dict[str, Any] | None = None
          ) -> World:
    name, cast = FORMATS[fmt]
    doc = doc if doc is not None else template(name)
    factory.programme(name, doc)
    people = {label: factory.person(label.capitalize(), role=role, programme=name) for label, role in cast.items()}
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
