"""Who is asking: API tokens (``Authorization: Bearer``) for integrations, browser sessions for people.

Every API view runs with a :class:`Principal` in ``flask.g.principal``. An
administrator token may act for a person with ``X-Mentorflow-Act-As``;
nobody else can change whom they act as.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request, session
from werkzeug.exceptions import Forbidden as HTTPForbidden
from werkzeug.exceptions import Unauthorized

from mentorflow.actors import SYSTEM, Actor
from mentorflow.errors import Forbidden
from mentorflow.i18n import _
from mentorflow.tokens import TokenInfo, authenticate

SESSION_PERSON = "person_id"


@dataclass(frozen=True)
class Principal:
    person_id: int | None
    is_admin: bool = False
    token: TokenInfo | None = None

    @property
    def actor(self) -> Actor:
        """The actor for engine calls: the person, or the system for a person-less admin token."""
        return Actor.person(self.person_id) if self.person_id is not None else SYSTEM

    def allows_programme(self, key: str) -> bool:
        return self.token is None or self.token.allows_programme(key)


def _from_token(header: str) -> Principal:
    token = authenticate(current_app.extensions["mentorflow"].engine, header.removeprefix("Bearer ").strip())
    if token is None:
        raise Unauthorized(_("The API token is not valid or has been revoked."))
    person = token.person_id
    act_as = request.headers.get("X-Mentorflow-Act-As")
    if act_as:
        if not token.is_admin:
            raise HTTPForbidden(_("Only administrator tokens may act as another person."))
        try:
            person = int(act_as)
        except ValueError:
            raise HTTPForbidden(_("X-Mentorflow-Act-As must be a person id.")) from None
    return Principal(person_id=person, is_admin=token.is_admin and not act_as, token=token)


def current_principal(required: bool = True) -> Principal | None:
    """The principal of this request (cached on ``g``); raises 401 when required and missing."""
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    principal: Principal | None = None
    if header.startswith("Bearer "):
        principal = _from_token(header)
    elif session.get(SESSION_PERSON) is not None:
        principal = Principal(person_id=int(session[SESSION_PERSON]))
    if principal is None and required:
        raise Unauthorized(_("Sign in through your learning platform, or send an API token."))
    g.principal = principal
    return principal


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden(_("This needs an administrator token."))


def sign_in(person_id: int) -> None:
    """Start a browser session for a person (after an LMS launch or a demo entry)."""
    session.clear()
    session[SESSION_PERSON] = person_id
    session.permanent = True


def sign_out() -> None:
    session.clear()
