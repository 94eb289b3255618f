"""``GET /api/v1/relationships/{id}/goals``: the goals plugin's REST route, mounted by the web service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from mentorflow.engine import Engine
from mentorflow.integrations.web.plugin_api import api_blueprint, person_actor, plain, visible_relationship

from .api import goal_attainment, list_goals, self_assessment_growth


def blueprint(engine: Engine) -> Blueprint:
    """The route, closing over ``engine``; what each reader sees is decided in :mod:`.api`."""
    bp, api = api_blueprint("goals_api", __name__)

    @api.route("/relationships/<int:relationship_id>/goals", "GET",
               summary="Goals with their progress and status, and attainment", tag="lifecycle")
    def get_goals(relationship_id: int) -> Any:
        snap = visible_relationship(relationship_id)
        actor = person_actor()
        return {"goals": plain(list_goals(engine, snap, actor)),
                "attainment": plain(goal_attainment(engine, snap, actor)),
                "self_assessment": plain(self_assessment_growth(engine, snap, actor))}

    return bp
