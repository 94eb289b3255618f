"""The reminders plugin on the web service: "Send a reminder" on the dashboard's selection of relationships.

A page route (the confirmation's post) and ``POST /api/v1/programmes/{key}/relationships/remind``; both take the
selection through :func:`~mentorflow.integrations.web.plugin_api.selected_relationships` (a coordinator of the
programme, every id one of its relationships) and queue one ``nudge`` per person (:mod:`.nudges`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request

from mentorflow.engine import Engine
from mentorflow.errors import FormInvalid, Problem, ProblemsError
from mentorflow.i18n import _, ngettext
from mentorflow.integrations.web.plugin_api import (
    api_blueprint,
    check_csrf,
    dashboard_url,
    json_body,
    principal,
    programme_roles,
    register_bulk_action,
    require_person,
    selected_relationships,
)

from .nudges import remind


def blueprints(engine: Engine) -> list[Blueprint]:
    """The REST route and the dashboard's page route, closing over ``engine``."""
    bp, api = api_blueprint("reminders_api", __name__)

    @api.route("/programmes/<key>/relationships/remind", "POST", tag="console",
               summary="Send the people of the selected relationships a reminder (coordinators; once a day each)",
               body={"type": "object", "required": ["ids"], "additionalProperties": False,
                     "properties": {"ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1}}},
               response={"type": "object", "properties": {"queued": {"type": "integer"}}})
    def post_bulk_remind(key: str) -> Any:
        who = principal()
        body = json_body(("ids",))
        unknown = sorted(set(body) - {"ids"})
        if unknown:
            raise FormInvalid("request", [Problem(f"/{name}", _("'{name}' is not allowed here (misspelt?)").format(
                name=name)) for name in unknown])
        programme_roles(key)  # 403 outside a limited token's programmes
        snaps = selected_relationships(engine, key, who.actor, body["ids"])
        return {"queued": remind(engine, snaps, who.actor.person_id)}

    pages = Blueprint("reminders_pages", __name__)

    @pages.post("/coordinator/<key>/bulk/remind")
    def bulk_remind(key: str) -> Any:
        pid = require_person()
        check_csrf()
        try:
            sent = remind(engine, selected_relationships(engine, key, pid, request.form.getlist("ids")), pid)
        except ProblemsError as error:
            flash(" ".join([error.message.splitlines()[0], *(p.message for p in error.problems)]), "error")
        else:
            flash(ngettext("{n} reminder is on its way.", "{n} reminders are on their way.", sent).format(n=sent),
                  "success")
        return redirect(dashboard_url(key) + "#table-heading")

    register_bulk_action(pages, "remind", "reminders_pages.bulk_remind", lambda: _("Send a reminder"),
                         lambda: _("The mentor and the mentee of each open relationship below get a reminder to look "
                                   "at their mentoring (once a day at most)."))
    return [bp, pages]
