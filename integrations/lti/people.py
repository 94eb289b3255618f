"""People from a platform: find by (issuer, sub), create, keep name, e-mail and locale in step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from mentorflow.db.models import Person
from mentorflow.errors import UserError
from mentorflow.i18n import _, normalise_locale
from mentorflow.text import sanitise_display_name, sanitise_email

if TYPE_CHECKING:
    from mentorflow.engine import Engine

T = Person.__table__


def identity_source(issuer: str) -> str:
    """The external-id source of a platform's users: ``lti:<issuer>``."""
    return f"lti:{issuer}"


def display_name(member: dict[str, Any], sub: str) -> str | None:
    """The name the platform sent, made storable (:func:`mentorflow.text.sanitise_display_name`): the platform
    accepted it, so it is cleaned (bidi and other controls dropped, cut to length), never refused."""
    name = sanitise_display_name(str(member.get("name") or ""))
    if not name:
        name = sanitise_display_name(" ".join(str(member.get(k) or "") for k in ("given_name", "family_name")))
    return name


def upsert_person(engine: Engine, issuer: str, sub: str, member: dict[str, Any], locale: str | None = None,
                  extra_ids: dict[str, str] | None = None) -> tuple[int, bool]:
    """The person with this platform user id, created or updated; returns ``(person_id, created)``.

    ``member`` holds what the platform sent (``name``, ``given_name``, ``family_name``, ``email``);
    a field it did not send (a privacy setting) leaves the stored one alone.
    """
    source = identity_source(issuer)
    name = display_name(member, sub)
    email = sanitise_email(member.get("email"))  # not an address: none is stored
    person_id = engine.find_person(source, sub)
    if person_id is None:
        fallback = sanitise_display_name(_("Participant {id}").format(id=sub[:40])) or _("Participant")
        try:
            ids = {**(extra_ids or {}), source: sub}
            return engine.add_person(name or fallback, email=email, locale=normalise_locale(locale),
                                     external_ids=ids), True
        except UserError:  # a concurrent launch of the same person created them first
            person_id = engine.find_person(source, sub)
            if person_id is None:
                raise
    changes: dict[str, Any] = {}
    if name:
        changes["display_name"] = name
    if email:
        changes["email"] = email
    if locale:
        changes["locale"] = normalise_locale(locale)
    if changes:
        with engine.write() as conn:
            conn.execute(update(T).where(T.c.id == person_id).values(**changes))
    return person_id, False
