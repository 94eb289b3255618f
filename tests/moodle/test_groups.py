"""Moodle course groups seed circles (issue #18), against the fake Moodle Web Services, on both databases.

Course 7 has "Circle North" (a facilitator and four peers), "Circle Tiny" (a facilitator and two peers) and
"Circle East" with a user mentorflow does not know. North starts a circle; Tiny is too small and reported by
name; running again starts nothing new; the CLI says the same.
"""

from __future__ import annotations

import json

from mentorflow.engine import Engine
from mentorflow.integrations.moodle.groups import form_circles
from mentorflow.integrations.moodle.sites import add_site
from mentorflow.schemas import template_paths
from mentorflow.testing import Factory
from tests.lti.conftest import run_cli

from .fake_moodle import FakeMoodle

CIRCLE = "professional-circle"


def test_moodle_groups_seed_circles_idempotently(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                 moodle: FakeMoodle) -> None:
    mentorflow_factory.programme(CIRCLE, json.loads(template_paths()[CIRCLE].read_text("utf-8")))
    site = add_site(mentorflow_engine, moodle.url + "/", FakeMoodle.TOKEN, None)
    people = {}
    for uid in range(21, 30):
        moodle.user(uid, f"User{uid}", "Moodle")
        role = "facilitator" if uid in (21, 26) else "peer"
        people[uid] = mentorflow_factory.person(f"User{uid}", role=role, programme=CIRCLE)
        with mentorflow_engine.write() as conn:
            from sqlalchemy import insert

            from mentorflow.db.models import ExternalIdentity

            conn.execute(insert(ExternalIdentity.__table__).values(
                person_id=people[uid], source=f"moodle:{moodle.url}", external_id=str(uid)))
    moodle.groups = {1: {"id": 1, "courseid": 7, "name": "Circle North"},
                     2: {"id": 2, "courseid": 7, "name": "Circle Tiny"},
                     3: {"id": 3, "courseid": 8, "name": "Other course"}}
    moodle.group_members = {1: [21, 22, 23, 24, 25, 99], 2: [26, 27, 28], 3: [29]}
    outcomes, unknown = form_circles(mentorflow_engine, site, CIRCLE, 7, _system())
    by_name = {o.name: o for o in outcomes}
    assert set(by_name) == {"Circle North", "Circle Tiny"} and unknown == 1
    assert by_name["Circle North"].outcome == "started"
    rel = mentorflow_engine.get(by_name["Circle North"].relationship)  # type: ignore[arg-type]
    assert rel.people("facilitator") == (people[21],) and len(rel.people("peer")) == 4
    assert by_name["Circle Tiny"].outcome == "refused" and "Circle Tiny" in (by_name["Circle Tiny"].reason or "")

    again, _unknown = form_circles(mentorflow_engine, site, CIRCLE, 7, _system())
    assert [o.outcome for o in again] == ["unchanged", "refused"]
    assert len(mentorflow_engine.list_relationships(programme=CIRCLE, limit=10, offset=0)[0]) == 1

    run = run_cli("moodle", "form-groups", "--programme", CIRCLE, "--course", "7",
                  env={"MENTORFLOW_DATABASE_URL": str(mentorflow_engine.db.url.render_as_string(False))})
    assert run.exit_code == 0, run.output
    assert "Circle Tiny" in run.output and "1 group members are not known" in run.output
    assert len(mentorflow_engine.list_relationships(programme=CIRCLE, limit=10, offset=0)[0]) == 1


def _system() -> object:
    from mentorflow.actors import SYSTEM

    return SYSTEM
