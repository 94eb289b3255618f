"""Errors as RFC 9457 ``application/problem+json``: user mistakes are 4xx with a title and detail, never 500."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from mentorflow.db.database import is_outage
from mentorflow.errors import MentorflowError, UserError
from mentorflow.i18n import _

log = logging.getLogger("mentorflow.web")
PROBLEM_JSON = "application/problem+json"


def problem_response(status: int, title: str, detail: str, kind: str = "about:blank", **extra: Any) -> Response:
    body = {"type": kind if kind.startswith(("http", "about")) else f"https://mentorflow.dev/problems/{kind}",
            "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def database_unavailable() -> Response:
    """503 problem+json with Retry-After: the database cannot be reached (nothing was written)."""
    response = problem_response(503, _("Service unavailable"),
                                _("The database is not reachable right now; please try again shortly."),
                                "database-unavailable")
    response.headers["Retry-After"] = "5"
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def install(app: Flask) -> None:
    """Register handlers that turn every error into problem+json (API) or an error page (browser)."""

    @app.errorhandler(UserError)
    def user_error(error: UserError) -> Any:
        doc = error.as_problem()
        if not wants_json():
            from flask import render_template

            return render_template("error.html", problem=doc), error.status
        return Response(json.dumps(doc), status=error.status, mimetype=PROBLEM_JSON)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        titles = {400: _("Bad request"), 401: _("Not signed in"), 403: _("Forbidden"), 404: _("Not found"),
                  405: _("Method not allowed"), 413: _("Request too large"), 415: _("Unsupported media type")}
        title = titles.get(status, error.name)
        detail = error.description or title
        if not wants_json():
            from flask import render_template

            return render_template("error.html", problem={"title": title, "detail": detail, "status": status}), status
        return problem_response(status, title, detail)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_down(error: DBAPIError) -> Any:
        # Also when a guard, effect or hook met it: the engine passes outages through unattributed.
        log.error("database unavailable: %s", str(error).splitlines()[0])
        return database_unavailable()

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> Any:
        if is_outage(error):  # a lost connection reported as another DBAPI error class
            log.error("database unavailable: %s", str(error).splitlines()[0])
            return database_unavailable()
        log.exception("database error")
        return problem_response(500, _("Internal error"), _("Something went wrong on our side; it has been logged."))

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def value_out_of_range(error: Exception) -> Any:
        # An id beyond the database's integer range, a text too long for its column or holding a NUL byte:
        # the request's fault, found by the database (or the SQLite driver) rather than by a check of ours.
        log.info("value refused by the database: %s", str(error).splitlines()[0][:300])
        return problem_response(400, _("Bad request"), _("A value in the request is out of range or not allowed "
                                                         "(too large, too long, or holding a NUL character)."),
                                "value-out-of-range")

    @app.errorhandler(MentorflowError)
    def internal_error(error: MentorflowError) -> Any:
        log.exception("internal error: %s", error)
        return problem_response(500, _("Internal error"), _("Something went wrong on our side; it has been logged."))

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        log.exception("unhandled error")
        return problem_response(500, _("Internal error"), _("Something went wrong on our side; it has been logged."))
