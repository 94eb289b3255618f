"""``GET /api/v1/relationships/{id}/agreement``: the agreements plugin's REST route, mounted by the web service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from mentorflow.engine import Engine
from mentorflow.integrations.web.plugin_api import api_blueprint, person_actor, plain, visible_relationship

from .api import agreement_history, current_agreement


def blueprint(engine: Engine) -> Blueprint:
    """The route, closing over ``engine``; what each reader sees is decided in :mod:`.api`."""
    bp, api = api_blueprint("agreements_api", __name__)

    @api.route("/relationships/<int:relationship_id>/agreement", "GET",
               summary="The current agreement with its signatures, and every earlier version", tag="lifecycle")
    def get_agreement(relationship_id: int) -> Any:
        snap = visible_relationship(relationship_id)
        actor = person_actor()
        return {"current": plain(current_agreement(engine, snap, actor)),
                "history": plain(agreement_history(engine, snap, actor))}

    return bp
