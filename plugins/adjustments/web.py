"""``GET /api/v1/relationships/{id}/adjustments``: the adjustments plugin's REST route, mounted by the web service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from mentorflow.engine import Engine
from mentorflow.integrations.web.plugin_api import api_blueprint, person_actor, plain, visible_relationship

from .api import effective_settings, proposals


def blueprint(engine: Engine) -> Blueprint:
    """The route, closing over ``engine``; what each reader sees is decided in :mod:`.api`."""
    bp, api = api_blueprint("adjustments_api", __name__)

    @api.route("/relationships/<int:relationship_id>/adjustments", "GET",
               summary="Adjustment proposals and what they changed", tag="lifecycle")
    def get_adjustments(relationship_id: int) -> Any:
        snap = visible_relationship(relationship_id)
        actor = person_actor()
        return {"items": plain(proposals(engine, snap, actor)),
                "effective_settings": plain(effective_settings(engine, snap, actor))}

    return bp
