"""REST API v1 for what plugins contribute to a programme as a whole: ``GET /programmes/{key}/health``.

The plugins' own routes (agreements, goals, reflections, meetings,
adjustments, closure, matching) come from each plugin through
``mentorflow_web_blueprints`` (see :mod:`.plugin_api`); this module knows
no plugin by name. A plugin that is not loaded has no routes (404).
"""

from __future__ import annotations

from typing import Any

from mentorflow.errors import Forbidden
from mentorflow.i18n import _

from .api_core import _principal, _programme_roles, api, engine
from .plugin_api import plain


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
