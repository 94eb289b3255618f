"""Who is asking: the ``user`` service's current user, mapped onto a mentorflow person.

Open edX fills ``XBlockUser.opt_attrs`` with ``edx-platform.*`` keys; the
xblock-sdk workbench only with ``xblock-workbench.user_id``; any key may be
missing. The deprecated ``runtime.user_id`` is never read, and no id sent by
the browser is ever trusted for who the person is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mentorflow.engine import Engine
from mentorflow.errors import UserError
from mentorflow.text import sanitise_display_name, sanitise_email

from .config import Config

USER_ID = "edx-platform.user_id"
USERNAME = "edx-platform.username"
ANONYMOUS_ID = "edx-platform.anonymous_user_id"
IS_STAFF = "edx-platform.user_is_staff"
ROLE = "edx-platform.user_role"
PREFERENCES = "edx-platform.user_preferences"
WORKBENCH_ID = "xblock-workbench.user_id"
STAFF_ROLES = frozenset({"staff", "instructor", "administrator"})


@dataclass(frozen=True)
class Identity:
    """The person asking, as the LMS describes them (no mentorflow ids yet)."""

    source: str
    """The external-id source, ``openedx:<site>`` (``openedx:workbench`` in the xblock-sdk workbench)."""
    external_id: str
    display_name: str
    email: str | None
    language: str | None
    """The person's ``pref-lang`` preference, when the LMS shares it."""
    is_staff: bool
    """Course staff (or instructors): they coordinate the course's mentoring programme."""


def _django_site() -> str | None:
    try:
        from django.conf import settings
    except ImportError:
        return None
    try:
        return getattr(settings, "SITE_NAME", None) or getattr(settings, "LMS_BASE", None)
    except Exception:  # settings not configured: not inside a Django process
        return None


def identify(user: Any, config: Config) -> Identity | None:
    """The identity of the ``user`` service's current user; None for someone not signed in."""
    attrs: Mapping[str, Any] = (getattr(user, "opt_attrs", None) or {}) if user is not None else {}
    workbench_id = attrs.get(WORKBENCH_ID)
    if attrs.get(USER_ID) is not None:
        external_id, site = str(attrs[USER_ID]), config.site or _django_site() or "openedx"
        source = f"openedx:{site}"
    elif attrs.get(ANONYMOUS_ID):
        # Some runtimes only give the course-specific anonymous id: a person per course, never mixed with real ids.
        external_id, site = str(attrs[ANONYMOUS_ID]), config.site or _django_site() or "openedx"
        source = f"openedx:{site}:anonymous"
    elif workbench_id not in (None, ""):
        external_id, source = str(workbench_id), "openedx:workbench"
    else:
        return None
    preferences = attrs.get(PREFERENCES) or {}
    language = preferences.get("pref-lang") if isinstance(preferences, Mapping) else None
    role = str(attrs.get(ROLE) or "").lower()
    is_staff = bool(attrs.get(IS_STAFF)) or role in STAFF_ROLES or (
        workbench_id is not None and USER_ID not in attrs and str(workbench_id) in config.workbench_staff)
    emails = list(getattr(user, "emails", None) or ())
    # What Open edX accepted is cleaned (controls dropped, cut to length), not refused; a bad address is dropped.
    name = sanitise_display_name(getattr(user, "full_name", None) or "") or sanitise_display_name(
        str(attrs.get(USERNAME) or ""))
    return Identity(source=source, external_id=external_id, display_name=name or f"User {external_id[:40]}",
                    email=sanitise_email(emails[0]) if emails else None, language=language, is_staff=is_staff)


def find_person(engine: Engine, identity: Identity) -> int | None:
    """The mentorflow person linked to this LMS user, if there is one."""
    return engine.find_person(identity.source, identity.external_id)


def ensure_person(engine: Engine, identity: Identity, locale: str) -> int:
    """The linked person, created (with the LMS's name and email) on first need.

    Two first requests of the same person at once may race: the loser finds
    the winner's person instead of failing.
    """
    person = find_person(engine, identity)
    if person is not None:
        return person
    try:
        return engine.add_person(identity.display_name, email=identity.email, locale=locale,
                                 external_ids={identity.source: identity.external_id})
    except UserError:
        person = find_person(engine, identity)
        if person is None:
            raise
        return person
