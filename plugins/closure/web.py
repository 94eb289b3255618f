"""``GET /api/v1/relationships/{id}/closure``: the closure plugin's REST route, mounted by the web service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from mentorflow.engine import Engine
from mentorflow.integrations.web.plugin_api import api_blueprint, person_actor, plain, visible_relationship

from .api import closing_summary, closure_forms, closure_info, planned_end


def blueprint(engine: Engine) -> Blueprint:
    """The route, closing over ``engine``; what each reader sees is decided in :mod:`.api`."""
    bp, api = api_blueprint("closure_api", __name__)

    @api.route("/relationships/<int:relationship_id>/closure", "GET",
               summary="Planned end, closure forms, the rule on contact after closure, and the closing summary",
               tag="lifecycle")
    def get_closure(relationship_id: int) -> Any:
        snap = visible_relationship(relationship_id)
        actor = person_actor()
        body = {"planned_end": plain(planned_end(engine, snap, actor)),
                "info": plain(closure_info(engine, snap, actor)),
                "forms": plain(closure_forms(engine, snap, actor))}
        if engine.workflow_by_version(snap.workflow_version_id).states[engine.get(snap.id).state].is_terminal:
            body["summary"] = plain(closing_summary(engine, snap, actor))
        return body

    return bp
