"""REST API v1 for what plugins contribute: ``GET /programmes/{key}/health`` and a relationship's next step
(``GET /relationships/{id}/next-step``, which the plugins' ``mentorflow_next_step`` hints shape).

The plugins' own routes (agreements, goals, reflections, meetings,
adjustments, closure, matching) come from each plugin through
``mentorflow_web_blueprints`` (see :mod:`.plugin_api`); this module knows
no plugin by name. A plugin that is not loaded has no routes (404).
"""

from __future__ import annotations

from typing import Any

from mentorflow.errors import Forbidden
from mentorflow.i18n import _

from . import serializers as ser
from .api_core import _principal, _programme_roles, _visible_relationship, api, engine
from .plugin_api import plain


@api.route("/relationships/<int:relationship_id>/next-step", "GET",
           summary="My next step on a relationship: what matters now, one primary action, the others grouped",
           tag="relationships", response=ser.NEXT_STEP_SCHEMA)
def get_next_step(relationship_id: int) -> Any:
    """The same next step as the relationship's page, the XBlock and the LTI launch (``Engine.next_step``).

    Actions with nothing to act on (no meeting to rate, no goal to confirm) are listed disabled with their
    reasons. 404 for a relationship the caller may not see.
    """
    principal = _principal()
    snap, _viewer = _visible_relationship(principal, relationship_id)
    return ser.next_step(engine().next_step(snap, principal.actor))


@api.route("/programmes/<key>/health", "GET",
           summary="Programme health for coordinators: reflection regularity, scores, meetings, goal attainment",
           tag="programmes")
def get_health(key: str) -> Any:
    principal = _principal()
    if "coordinator" not in _programme_roles(principal, key):
        raise Forbidden(_("Only a coordinator of programme '{key}' may do this.").format(key=key))
    body: dict[str, Any] = {}
    # Each plugin answers with its own sections ("reflections", "meetings", "goals", ...).
    for sections in engine().pm.hook.mentorflow_programme_health(engine=engine(), programme=key,
                                                                 actor=principal.actor):
        body.update({name: plain(value) for name, value in (sections or {}).items()})
    return body
