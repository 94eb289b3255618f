"""The feed route, ``GET /calendar/<token>.ics``, as a blueprint the web service mounts.

No login: calendar applications cannot log in, so the secret token in
the address is the credential (see :mod:`.feeds`). An unknown or revoked
token is a plain 404 that says nothing about which tokens exist.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, request

from mentorflow import Engine
from mentorflow.i18n import _

from .events import person_events
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

    return blueprint
