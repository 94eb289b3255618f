"""``GET /api/v1/relationships/{id}/meetings``: the meetings plugin's REST route, mounted by the web service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from mentorflow.engine import Engine
from mentorflow.integrations.web.plugin_api import api_blueprint, person_actor, plain, visible_relationship

from .api import meetings


def blueprint(engine: Engine) -> Blueprint:
    """The route, closing over ``engine``; what each reader sees is decided in :mod:`.api`."""
    bp, api = api_blueprint("meetings_api", __name__)

    @api.route("/relationships/<int:relationship_id>/meetings", "GET",
               summary="Logged meetings (private notes only to their author)", tag="lifecycle")
    def get_meetings(relationship_id: int) -> Any:
        snap = visible_relationship(relationship_id)
        return {"items": plain(meetings(engine, snap, person_actor()))}

    return bp
