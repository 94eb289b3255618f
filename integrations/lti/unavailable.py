"""The LTI endpoints on an install without the ``moodle`` extra: every one answers 503 naming the extra.

A platform (or an administrator's API call) that reaches mentorflow without
joserfc and httpx installed learns what to install, as problem+json on the
API and as an error page in the browser, instead of a 404 that hides why.
"""

from __future__ import annotations

from typing import NoReturn

from flask import Blueprint

from mentorflow.extras import MissingExtra, missing
from mentorflow.i18n import _

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _unavailable(**_ignored: object) -> NoReturn:
    raise MissingExtra("moodle", _("The LTI tool"), missing("moodle"))


def unavailable_blueprints() -> list[Blueprint]:
    """Stand-ins for the tool's ``/lti/...`` pages and its ``/api/v1/lti/...`` routes."""
    tool = Blueprint("lti", __name__, url_prefix="/lti")
    tool.add_url_rule("/", "unavailable", _unavailable, methods=METHODS)
    tool.add_url_rule("/<path:rest>", "unavailable_path", _unavailable, methods=METHODS)
    api = Blueprint("lti_api", __name__, url_prefix="/api/v1/lti")
    api.add_url_rule("/", "unavailable", _unavailable, methods=METHODS)
    api.add_url_rule("/<path:rest>", "unavailable_path", _unavailable, methods=METHODS)
    return [tool, api]
