"""Who is asking: API tokens (``Authorization: Bearer``) for integrations, browser sessions for people.

Every API view runs with a :class:`Principal` in ``flask.g.principal``. An
administrator token may act for a person with ``X-Mentorflow-Act-As``;
nobody else can change whom they act as.

A browser session is only as good as its row on the server (see
:mod:`.sessions`): :func:`check_session` runs before every request and
clears a cookie whose session was ended, expired or idled out, so every
reader of the Flask session sees a signed-out visitor. Failed token
attempts are counted per client and per token (see :mod:`.ratelimit`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session
from werkzeug.exceptions import Forbidden as HTTPForbidden
from werkzeug.exceptions import Unauthorized
from werkzeug.urls import iri_to_uri

from mentorflow.actors import SYSTEM, Actor
from mentorflow.engine import Engine
from mentorflow.i18n import _, set_locale
from mentorflow.tokens import TokenInfo, authenticate

from . import language, ratelimit
from .sessions import end_session, session_person, start_session
from .settings import Settings

SESSION_PERSON = "person_id"
SESSION_SECRET = "sid"


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
    secret = header.removeprefix("Bearer ").strip()
    buckets = ratelimit.token_buckets(secret)
    ratelimit.refuse_if_exhausted(buckets)  # before checking: an exhausted client or token gets no answer
    token = authenticate(current_app.extensions["mentorflow"].engine, secret)
    if token is None:
        ratelimit.count_failure(buckets)
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


def _web() -> tuple[Engine, Settings]:
    state = current_app.extensions["mentorflow"]
    return state.engine, state.settings


def sign_in(person_id: int) -> None:
    """Start a browser session for a person (after an LMS launch or a demo entry)."""
    engine, settings = _web()
    end_session(engine, session.get(SESSION_SECRET, ""))  # a new sign-in replaces the browser's old session
    keep = language.carried_over()  # the language chosen on the start page is the browser's, not the session's
    session.clear()
    session.update(keep)
    language.remember_stored(engine, person_id)
    session[SESSION_SECRET] = start_session(engine, person_id, timedelta(hours=settings.session_hours))
    session[SESSION_PERSON] = person_id
    session.permanent = True
    g.session_checked = True


def sign_out() -> None:
    """End the browser's session on the server too: the old cookie, replayed, is signed out."""
    engine, _settings = _web()
    end_session(engine, session.get(SESSION_SECRET, ""))
    keep = language.carried_over()
    session.clear()
    session.update(keep)


def check_session() -> None:
    """Before each request: forget a session the server no longer holds (ended, expired, idle, erased)."""
    if g.get("session_checked") or SESSION_PERSON not in session:
        return
    g.session_checked = True
    engine, settings = _web()
    person = session_person(engine, str(session.get(SESSION_SECRET, "")),
                            timedelta(minutes=settings.session_idle_minutes))
    try:
        claimed = int(session[SESSION_PERSON])
    except (TypeError, ValueError):
        claimed = None
    if person is None or person != claimed:
        session.clear()  # the response deletes the cookie; this request goes on signed out
        set_locale(language.request_locale())  # no longer in the signed-out person's stored language


def install(app: Flask) -> None:
    """Check the browser session before every request (after the locale is chosen)."""
    app.before_request(check_session)


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, else ``default``: the one check for every redirect that takes
    its destination from the request (``?next=``).

    Browsers are lenient where servers are strict: they drop tabs and line breaks inside a URL, read ``\\`` as
    ``/`` and ``//host`` or ``/\\host`` as another site, and accept ``https:host``. So a target with any control,
    format or space character or a backslash is refused outright rather than cleaned (what a browser would make of
    a cleaned one is not ours to guess); what is left must start with one ``/`` and have no scheme or host.
    Non-ASCII characters are percent-encoded first, so a lookalike dot or slash stays part of a path.
    """
    if not target or len(target) > 2048:
        return default
    if "\\" in target or any(unicodedata.category(c)[0] in "CZ" for c in target):
        return default  # Cc/Cf/Cs/Co/Cn (tab, CR, LF, NUL, bidi marks, ...) and Zs/Zl/Zp (spaces)
    encoded = iri_to_uri(target)
    if not target.startswith("/") or target.startswith("//") or not encoded.startswith("/") or encoded.startswith("//"):
        return default
    parts = urlsplit(encoded)
    if parts.scheme or parts.netloc:
        return default
    return encoded
