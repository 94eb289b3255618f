"""A small client for Moodle's Web Services REST protocol.

``POST {site}/webservice/rest/server.php`` form-encoded with ``wstoken``,
``wsfunction`` and ``moodlewsrestformat=json``; arrays and objects use PHP's
bracket keys (``users[0][id]=5``). Moodle reports errors with HTTP 200 and
a JSON body carrying ``exception``, ``errorcode`` and ``message``: they
become typed :class:`MoodleError` subclasses. Transport failures and 5xx
answers are retried with backoff; Moodle's own errors are not (they would
only repeat).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mentorflow import __version__, extras
from mentorflow.errors import UserError
from mentorflow.i18n import _

if TYPE_CHECKING:
    import httpx  # the moodle extra; imported where a client is made, so the plugin loads without it

log = logging.getLogger("mentorflow.moodle")
ENDPOINT = "/webservice/rest/server.php"
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class MoodleError(UserError):
    """Moodle answered a Web Services call with an error (or could not be reached)."""

    status = 502
    kind = "moodle-error"

    def __init__(self, message: str, *, function: str = "", errorcode: str = "", exception: str = "",
                 debuginfo: str | None = None) -> None:
        super().__init__(message)
        self.function, self.errorcode, self.exception, self.debuginfo = function, errorcode, exception, debuginfo

    def title(self) -> str:
        return _("Moodle refused the request")


class MoodleInvalidToken(MoodleError):
    """The token is unknown, expired, or not allowed from this address."""


class MoodleAccessDenied(MoodleError):
    """The token's user lacks a capability, or the function is not in the token's service."""


class MoodleInvalidParameter(MoodleError):
    """Moodle rejected the parameters (a missing or wrongly typed value)."""


class MoodleUnavailable(MoodleError):
    """Moodle could not be reached, or answered with a server error, after the retries."""


_ERRORS: dict[str, type[MoodleError]] = {
    "invalidtoken": MoodleInvalidToken, "invalidtokensession": MoodleInvalidToken,
    "invalidtimedtoken": MoodleInvalidToken, "invalidiptoken": MoodleInvalidToken,
    "accessexception": MoodleAccessDenied, "nopermissions": MoodleAccessDenied,
    "servicerequireslogin": MoodleAccessDenied, "servicenotavailable": MoodleAccessDenied,
    "invalidparameter": MoodleInvalidParameter,
}
_EXCEPTIONS: dict[str, type[MoodleError]] = {
    "required_capability_exception": MoodleAccessDenied, "webservice_access_exception": MoodleAccessDenied,
    "require_login_exception": MoodleAccessDenied, "invalid_parameter_exception": MoodleInvalidParameter,
}


def php_encode(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten nested dicts and lists into PHP bracket keys: ``{"users": [{"id": 5}]}`` → ``users[0][id]=5``.

    Booleans become ``1``/``0`` (what PHP's ``PARAM_BOOL`` takes); ``None`` values are left out.
    """
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        pairs.extend(_encode_value(name, value))
    return pairs


def _encode_value(name: str, value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return php_encode(value, name)
    if isinstance(value, list | tuple):
        return [pair for i, item in enumerate(value) for pair in _encode_value(f"{name}[{i}]", item)]
    if isinstance(value, bool):
        return [(name, "1" if value else "0")]
    return [(name, str(value))]


def error_from(body: Mapping[str, Any], function: str) -> MoodleError:
    """The typed error for Moodle's ``{"exception", "errorcode", "message", "debuginfo"}`` answer."""
    errorcode = str(body.get("errorcode") or "")
    exception = str(body.get("exception") or "")
    kind = _ERRORS.get(errorcode) or _EXCEPTIONS.get(exception.rsplit("\\", 1)[-1]) or MoodleError
    message = _("Moodle refused {function}: {message} ({errorcode})").format(
        function=function, message=body.get("message") or exception, errorcode=errorcode or exception)
    return kind(message, function=function, errorcode=errorcode, exception=exception,
                debuginfo=body.get("debuginfo"))


class MoodleClient:
    """Calls Web Services functions on one Moodle site with one token."""

    def __init__(self, url: str, token: str, *, timeout: float = 15.0, retries: int = 2, backoff: float = 0.5,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.retries = retries
        self.backoff = backoff
        self._httpx = extras.load("moodle", "httpx", _("Moodle Web Services"))
        self._http = self._httpx.Client(timeout=timeout, transport=transport, follow_redirects=False,
                                  headers={"User-Agent": f"mentorflow/{__version__}", "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MoodleClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, function: str, **params: Any) -> Any:
        """Call ``function`` with ``params`` (nested dicts and lists are bracket-encoded); returns the JSON."""
        form = [("wstoken", self.token), ("wsfunction", function), ("moodlewsrestformat", "json"),
                *php_encode(params)]
        response = self._post(function, form)
        try:
            body = response.json()
        except ValueError:
            raise MoodleError(_("Moodle answered {function} with something that is not JSON (is the REST protocol "
                                "enabled?): {start}").format(function=function, start=response.text[:120]),
                              function=function) from None
        if isinstance(body, dict) and "exception" in body:
            raise error_from(body, function)
        return body

    def _post(self, function: str, form: list[tuple[str, str]]) -> httpx.Response:
        last: str = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self._http.post(self.url + ENDPOINT, data=dict(form))
            except self._httpx.TransportError as error:
                last = str(error) or type(error).__name__
                log.warning("moodle %s: attempt %d failed: %s", function, attempt + 1, last)
                continue
            if response.status_code in RETRY_STATUSES or response.status_code >= 500:
                last = f"HTTP {response.status_code}"
                log.warning("moodle %s: attempt %d answered %s", function, attempt + 1, response.status_code)
                continue
            if response.status_code != 200:
                raise MoodleError(_("Moodle answered {function} with HTTP {status}.").format(
                    function=function, status=response.status_code), function=function)
            return response
        raise MoodleUnavailable(_("Moodle at {url} did not answer {function}: {error}").format(
            url=self.url, function=function, error=last), function=function)

    # -- the functions mentorflow uses ---------------------------------------------------------------
    def site_info(self) -> dict[str, Any]:
        """``core_webservice_get_site_info``: who the token belongs to and which functions it may call."""
        return self.call("core_webservice_get_site_info")

    def users_by_field(self, field: str, values: list[str | int]) -> list[dict[str, Any]]:
        """``core_user_get_users_by_field`` (field: id, idnumber, username, email)."""
        return list(self.call("core_user_get_users_by_field", field=field, values=list(values)))

    def cohorts(self, ids: list[int] | None = None) -> list[dict[str, Any]]:
        """``core_cohort_get_cohorts`` (every cohort the token may see when ``ids`` is empty)."""
        return list(self.call("core_cohort_get_cohorts", cohortids=list(ids or [])))

    def cohort_members(self, ids: list[int]) -> dict[int, list[int]]:
        """``core_cohort_get_cohort_members``: cohort id → member user ids."""
        return {int(c["cohortid"]): [int(u) for u in c.get("userids", [])]
                for c in self.call("core_cohort_get_cohort_members", cohortids=list(ids))}

    def course_groups(self, course_id: int) -> list[dict[str, Any]]:
        """``core_group_get_course_groups``: a course's groups (id, name, ...)."""
        return list(self.call("core_group_get_course_groups", courseid=int(course_id)))

    def group_members(self, ids: list[int]) -> dict[int, list[int]]:
        """``core_group_get_group_members``: group id → member user ids."""
        return {int(g["groupid"]): [int(u) for u in g.get("userids", [])]
                for g in self.call("core_group_get_group_members", groupids=list(ids))}

    def assign_roles(self, assignments: list[dict[str, Any]]) -> None:
        """``core_role_assign_roles`` (roleid, userid, contextlevel or contextid, instanceid)."""
        self.call("core_role_assign_roles", assignments=assignments)

    def unassign_roles(self, unassignments: list[dict[str, Any]]) -> None:
        """``core_role_unassign_roles``."""
        self.call("core_role_unassign_roles", unassignments=unassignments)

    def send_instant_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``core_message_send_instant_messages`` (touserid, text, textformat, clientmsgid)."""
        return list(self.call("core_message_send_instant_messages", messages=messages))
