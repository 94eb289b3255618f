"""``GET /api/v1/relationships/{id}/kudos``, through the web service's public plugin API."""

from flask import Blueprint

from mentorflow.integrations.web.plugin_api import api_blueprint, plain, visible_relationship

from . import store

KUDOS_SCHEMA = {"type": "object", "properties": {"items": {"type": "array", "items": {
    "type": "object", "properties": {"id": {"type": "integer"}, "sender_id": {"type": "integer"},
                                     "message": {"type": "string"},
                                     "sent_at": {"type": "string", "format": "date-time"}}}}}}


def blueprint(engine) -> Blueprint:
    bp, api = api_blueprint("kudos_api", __name__)

    @api.route("/relationships/<int:relationship_id>/kudos", "GET", summary="Kudos sent on a relationship",
               tag="kudos", response=KUDOS_SCHEMA)
    def list_kudos(relationship_id):
        snap = visible_relationship(relationship_id)  # 404, as for an unknown id, to anyone who may not see it
        with engine.read() as conn:
            return {"items": plain(store.of_relationship(conn, snap.id))}

    return bp
