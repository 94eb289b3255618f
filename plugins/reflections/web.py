"""``GET /api/v1/relationships/{id}/reflections``: the reflections plugin's REST route, mounted by the web service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from mentorflow.engine import Engine
from mentorflow.integrations.web.plugin_api import api_blueprint, person_actor, plain, visible_relationship

from .api import reflection_status, reflections


def blueprint(engine: Engine) -> Blueprint:
    """The route, closing over ``engine``; what each reader sees is decided in :mod:`.api`."""
    bp, api = api_blueprint("reflections_api", __name__)

    @api.route("/relationships/<int:relationship_id>/reflections", "GET",
               summary="Reflections visible to me and when the next ones are due", tag="lifecycle")
    def get_reflections(relationship_id: int) -> Any:
        snap = visible_relationship(relationship_id)
        actor = person_actor()
        return {"items": plain(reflections(engine, snap, actor)),
                "status": plain(reflection_status(engine, snap, actor))}

    return bp
