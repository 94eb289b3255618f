"""Reading request bodies and query parameters with problem+json errors that say what is wrong."""

from __future__ import annotations

from typing import Any, overload

from flask import request

from mentorflow.errors import FormInvalid, Problem, ProblemsError, UserError
from mentorflow.i18n import _
from mentorflow.text import text_problems
from mentorflow.validation import MAX_DEPTH, depth

MAX_PER_PAGE = 200


def json_body(required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON object sent with the request; 400/422 problems for anything else."""
    if not request.data:
        body: Any = {}
    else:
        if not request.is_json:
            raise UserError(_("Send the request body as application/json."))
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # thousands of nested brackets: the parser gives up before any limit of ours
            raise FormInvalid("request", [Problem("", _("is nested more than {n} levels deep").format(
                n=MAX_DEPTH))]) from None
        if body is None:
            raise UserError(_("The request body is not valid JSON."))
    if not isinstance(body, dict):
        raise FormInvalid("request", [Problem("", _("must be a JSON object"))])
    if depth(body, MAX_DEPTH) > MAX_DEPTH:
        # Form data and workflow documents are never this deep; refuse before validators recurse into it.
        raise FormInvalid("request", [Problem("", _("is nested more than {n} levels deep").format(n=MAX_DEPTH))])
    broken = text_problems(body)
    if broken:
        # Python's JSON reader lets "\ud800" through; no database, page or log could write it back out.
        raise ProblemsError(_("The request holds text that is not valid Unicode:"), broken)
    missing = [Problem(f"/{name}", _("'{name}' is required here but missing").format(name=name))
               for name in required if name not in body]
    if missing:
        raise FormInvalid("request", missing)
    return body


@overload
def int_field(body: dict[str, Any], name: str) -> int: ...
@overload
def int_field(body: dict[str, Any], name: str, *, optional: bool) -> int | None: ...
def int_field(body: dict[str, Any], name: str, *, optional: bool = False) -> int | None:
    """The whole number at ``name`` of a JSON body; a clear problem at ``/name`` otherwise (``None`` if optional)."""
    value = body.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormInvalid("request", [Problem(f"/{name}", _("must be a whole number"))])
    return value


def page_args(default_per_page: int = 50) -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1 to 200) from the query string."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", default_per_page))
    except ValueError:
        raise UserError(_("page and per_page must be whole numbers.")) from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise UserError(_("page must be at least 1 and per_page between 1 and {max}.").format(max=MAX_PER_PAGE))
    return page, per_page


def paginated(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page}
