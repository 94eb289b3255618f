"""The lifecycle and programme-health endpoints over real HTTP: data flows through transitions, reads
follow the privacy policy."""

from __future__ import annotations

import itertools
from typing import Any

from mentorflow.testing import default_workflow
from mentorflow.tokens import create_token
from tests import workflows_agreements, workflows_goals, workflows_meetings, workflows_reflections
from tests.test_agreements_goals_lifecycle import TERMS

from .conftest import Server
from .test_api import is_problem

_keys = itertools.count()


def test_lifecycle_endpoints_follow_the_privacy_policy(server: Server) -> None:
    engine = server.engine()
    document = default_workflow()
    for fragment in (workflows_agreements, workflows_goals, workflows_reflections, workflows_meetings):
        document = fragment.extend(document)
    key = f"life{next(_keys)}"
    engine.publish_workflow(key, document)
    people = {role: engine.add_person(role.title()) for role in ("coordinator", "mentor", "mentee", "stranger")}
    engine.grant_role(key, people["coordinator"], "coordinator")
    rel = engine.start_relationship(key, mentee=people["mentee"], mentor=people["mentor"]).id
    tokens = {role: create_token(engine, role, person_id=pid)[0] for role, pid in people.items()}
    engine.db.dispose()
    clients = {role: server.client(token) for role, token in tokens.items()}

    def fire(role: str, transition: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        response = clients[role].post(f"/api/v1/relationships/{rel}/transitions/{transition}", json={"data": data})
        assert response.status_code == 200, response.text
        return response.json()

    try:
        fire("mentor", "propose_agreement", TERMS)
        fire("mentor", "sign_agreement", {"accept": True, "version": 1})
        fire("mentee", "sign_agreement", {"accept": True, "version": 1})
        fire("mentee", "agree")
        fire("mentee", "add_goal", {"title": "Choose a thesis topic", "category": "academic",
                                    "measure": "Approved by my supervisor"})
        goals = clients["mentor"].get(f"/api/v1/relationships/{rel}/goals").json()
        goal_id = goals["goals"]["goals"][0]["id"]
        fire("mentor", "agree_goal", {"goal_id": goal_id})
        fire("mentor", "start_reflecting")
        fire("mentee", "submit_reflection", {"went_well": "I asked for help", "health": 4})
        fire("mentee", "log_meeting", {"date": "2026-11-20", "duration_minutes": 45, "format": "video",
                                       "shared_notes": "Planned the next steps", "private_notes": "I felt nervous"})

        agreement = clients["mentee"].get(f"/api/v1/relationships/{rel}/agreement").json()
        assert agreement["current"]["version"] == 1 and len(agreement["current"]["signatures"]) == 2
        assert clients["mentor"].get(f"/api/v1/relationships/{rel}/reflections").json()["items"]
        mine = clients["mentee"].get(f"/api/v1/relationships/{rel}/meetings").json()["items"][0]
        theirs = clients["mentor"].get(f"/api/v1/relationships/{rel}/meetings").json()["items"][0]
        assert "I felt nervous" in str(mine) and "I felt nervous" not in str(theirs)
        assert "Planned the next steps" in str(theirs)
        as_coordinator = str(clients["coordinator"].get(f"/api/v1/relationships/{rel}/reflections").json())
        assert "I asked for help" not in as_coordinator
        assert "Planned the next steps" not in str(
            clients["coordinator"].get(f"/api/v1/relationships/{rel}/meetings").json())
        for path in ("agreement", "goals", "reflections", "meetings"):
            is_problem(clients["stranger"].get(f"/api/v1/relationships/{rel}/{path}"), 404)
        health = clients["coordinator"].get(f"/api/v1/programmes/{key}/health")
        assert health.status_code == 200, health.text
        assert set(health.json()) >= {"reflections", "meetings", "goals"}
        is_problem(clients["mentor"].get(f"/api/v1/programmes/{key}/health"), 403)
    finally:
        for client in clients.values():
            client.close()
