"""The feed route, ``GET /calendar/<token>.ics``, as a blueprint the web service mounts, and "add to calendar".

No login for the feed: calendar applications cannot log in, so the secret token in
the address is the credential (see :mod:`.feeds`). An unknown or revoked
token is a plain 404 that says nothing about which tokens exist.

``GET /calendar/relationships/<id>/meetings/<meeting>.ics`` is one meeting as a calendar file, for the signed-in
member who clicks "Add to calendar" on the relationship page: the same event the feed holds (never private notes);
404 for a relationship or meeting they may not see, as for one that does not exist.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, request

from mentorflow import Engine
from mentorflow.i18n import _

from .events import meeting_events, person_events
from .feeds import person_for_token, uid_domain
from .ics import MEDIA_TYPE, render


def feed_blueprint(engine: Engine) -> Blueprint:
    """A blueprint serving every person's feed from ``engine``."""
    blueprint = Blueprint("calendar", __name__)

    @blueprint.get("/calendar/<token>.ics")
    def feed(token: str) -> Any:
        person_id = person_for_token(engine, token)
        if person_id is None:
            abort(404)
        person = engine.person(person_id)
        body = render(person_events(engine, person_id, domain=uid_domain()),
                      name=_("Mentoring: {name}").format(name=person["display_name"]))
        response = Response(body, content_type=MEDIA_TYPE)
        response.headers["Content-Disposition"] = 'inline; filename="mentoring.ics"'
        # The address is a secret: keep it out of shared caches and referrers.
        response.headers["Cache-Control"] = "private, max-age=300"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.add_etag()
        return response.make_conditional(request)

    @blueprint.get("/calendar/relationships/<int:relationship_id>/meetings/<int:meeting_id>.ics")
    def meeting(relationship_id: int, meeting_id: int) -> Any:
        from mentorflow.integrations.web.plugin_api import require_person, visible_relationship

        person_id = require_person()
        snap = visible_relationship(relationship_id)
        workflow = engine.workflow_by_version(snap.workflow_version_id)
        names = engine.display_names(list(snap.member_ids))
        events = [e for e in meeting_events(engine, snap, person_id, workflow, names, uid_domain())
                  if e.uid.startswith(f"meeting-{meeting_id}@")]
        if not events:
            abort(404)
        response = Response(render(events, name=workflow.name()), content_type=MEDIA_TYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="meeting-{meeting_id}.ics"'
        response.headers["Cache-Control"] = "private, no-store"
        return response

    return blueprint
