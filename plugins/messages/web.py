"""The messages plugin on the web service: the thread's REST routes and the page form's post.

- ``GET /api/v1/relationships/{id}/messages?limit=&before=``: one page of messages, newest first (members);
  a coordinator gets the summary only (how many, the last when) with ``items`` empty.
- ``POST /api/v1/relationships/{id}/messages`` ``{"body": "..."}``: write a message (members, 201).
- ``POST /api/v1/relationships/{id}/messages/read`` ``{"up_to": id}`` (optional): mark read.
- ``POST /relationships/{id}/messages``: the relationship page's form; back to the thread with a notice.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request

from mentorflow.engine import Engine
from mentorflow.errors import FormInvalid, Problem, ProblemsError, UserError
from mentorflow.i18n import _
from mentorflow.integrations.web.plugin_api import (
    api_blueprint,
    check_csrf,
    flash_for_panel,
    int_field,
    json_body,
    person_actor,
    plain,
    require_person,
    script_root,
    visible_relationship,
)
from mentorflow.policy import Access, conversation_access

from .api import MAX_LENGTH, MAX_PER_PAGE, Thread, mark_read, post, summary, thread

MESSAGE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "relationship_id": {"type": "integer"}, "author_id": {"type": "integer"},
    "author_name": {"type": "string"}, "author_role": {"type": "string"},
    "posted_at": {"type": "string", "format": "date-time"}, "body": {"type": "string"}, "mine": {"type": "boolean"}}}
SUMMARY = {"type": "object", "properties": {
    "relationship_id": {"type": "integer"}, "count": {"type": "integer"},
    "last_posted_at": {"type": ["string", "null"], "format": "date-time"}, "unread": {"type": ["integer", "null"]}}}
THREAD = {"type": "object", "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
    "summary": {"$ref": "#/components/schemas/MessagesSummary"}, "next_before": {"type": ["integer", "null"]}}}


def _query_int(name: str, default: int | None) -> int | None:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdigit() or len(value) > 12:
        raise FormInvalid("request", [Problem(f"/{name}", _("must be a whole number"))])
    return int(value)


def _unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise FormInvalid("request", [Problem(f"/{name}", _("'{name}' is not allowed here (misspelt?)").format(
            name=name)) for name in unknown])


def blueprints(engine: Engine) -> list[Blueprint]:
    """The REST routes and the page form's route, closing over ``engine``; who reads what is in :mod:`.api`."""
    bp, api = api_blueprint("messages_api", __name__)
    api.schemas.update({"Message": MESSAGE, "MessagesSummary": SUMMARY})

    @api.route("/relationships/<int:relationship_id>/messages", "GET", tag="lifecycle",
               summary="The conversation, newest first (members); coordinators get how many and when only",
               response=THREAD, query=[
                   {"name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
                   {"name": "before", "schema": {"type": "integer"},
                    "description": "Only messages older than this message id (the previous page's next_before)"}])
    def get_messages(relationship_id: int) -> Any:
        snap = visible_relationship(relationship_id)
        actor = person_actor()
        limit, before = _query_int("limit", 20), _query_int("before", None)
        if conversation_access(engine.viewer(snap, actor)) is not Access.FULL:
            return plain(Thread((), summary(engine, snap, actor), None))
        return plain(thread(engine, snap, actor, limit=limit or 0, before=before))

    @api.route("/relationships/<int:relationship_id>/messages", "POST", tag="lifecycle", status=201,
               summary="Write a message to the other members (members of an open relationship)",
               body={"type": "object", "required": ["body"], "additionalProperties": False,
                     "properties": {"body": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH}}},
               response={"$ref": "#/components/schemas/Message"})
    def post_message(relationship_id: int) -> Any:
        snap = visible_relationship(relationship_id)
        body = json_body(("body",))
        _unknown(body, {"body"})
        return plain(post(engine, snap, person_actor(), body["body"])), 201

    @api.route("/relationships/<int:relationship_id>/messages/read", "POST", tag="lifecycle",
               summary="Mark the conversation read up to a message (default: the newest)",
               body={"type": "object", "additionalProperties": False,
                     "properties": {"up_to": {"type": "integer"}}},
               response={"$ref": "#/components/schemas/MessagesSummary"})
    def post_messages_read(relationship_id: int) -> Any:
        snap = visible_relationship(relationship_id)
        body = json_body()
        _unknown(body, {"up_to"})
        return plain(mark_read(engine, snap, person_actor(), int_field(body, "up_to", optional=True)))

    pages = Blueprint("messages_pages", __name__)

    @pages.post("/relationships/<int:relationship_id>/messages")
    def post_message_page(relationship_id: int) -> Any:
        pid = require_person()
        check_csrf()
        back = f"{script_root()}/relationships/{relationship_id}#messages"
        try:
            post(engine, relationship_id, pid, request.form.get("body", ""))
        except ProblemsError as error:
            flash_for_panel("messages", " ".join(_("Message: {problem}").format(problem=p.message)
                                                  for p in error.problems), "error")
        except UserError as error:
            if error.status == 404:
                raise
            flash_for_panel("messages", error.message, "error")
        else:
            flash_for_panel("messages", _("Your message was sent."))
        return redirect(back)

    return [bp, pages]
