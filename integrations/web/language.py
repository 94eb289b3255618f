"""Which language a page is in: the browser's explicit choice, else the person's stored locale, else the browser's.

Order, first that applies: ``?lang=`` on the request; the language chosen in this browser (the start page's
links, an LMS launch's locale), kept in the session across sign-in; the signed-in person's stored locale
(``mf_people.locale``, read once at sign-in); the browser's ``Accept-Language``. Choosing a language while
signed in also stores it on the person, so e-mails and the next sign-in elsewhere follow it.
"""

from __future__ import annotations

from flask import request, session
from sqlalchemy import update

from mentorflow.db.models import Person
from mentorflow.engine import Engine
from mentorflow.i18n import DEFAULT_LOCALE, normalise_locale, supported_locales

CHOSEN = "locale"
"""Session key: the language chosen in this browser (survives sign-in)."""
STORED = "person_locale"
"""Session key: the signed-in person's stored locale, copied at sign-in (no query per request)."""


def request_locale() -> str:
    """The language of the current request (see the module's order)."""
    for candidate in (request.args.get("lang"), session.get(CHOSEN), session.get(STORED)):
        if isinstance(candidate, str) and candidate in supported_locales():
            return candidate
    return request.accept_languages.best_match(supported_locales(), default=DEFAULT_LOCALE) or DEFAULT_LOCALE


def carried_over() -> dict[str, str]:
    """What of the session's language survives a new sign-in (the browser's explicit choice)."""
    chosen = session.get(CHOSEN)
    return {CHOSEN: chosen} if isinstance(chosen, str) and chosen in supported_locales() else {}


def remember_stored(engine: Engine, person_id: int) -> None:
    """At sign-in: keep the person's stored locale in the session."""
    session[STORED] = normalise_locale(engine.person(person_id).get("locale"))


def choose(engine: Engine, person_id: int | None, code: str) -> None:
    """The browser chose ``code`` (a supported locale); a signed-in person keeps it as their stored locale too."""
    session[CHOSEN] = code
    if person_id is not None:
        T = Person.__table__
        with engine.write() as conn:
            conn.execute(update(T).where(T.c.id == person_id).values(locale=code))
        session[STORED] = code
