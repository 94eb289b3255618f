"""Text sanity at every boundary: Unicode that is text, names people can read, e-mail addresses that are addresses.

Every way in (the REST API, the pages, the XBlock, the command line, the
engine's own API, the LMS identity syncs) asks this module, so the rules
are the same everywhere:

- a string must be Unicode text: Python's JSON reader accepts ``"\\ud800"``
  (an unpaired surrogate), which no database driver, page or log can encode,
  so it is refused at its JSON pointer (:func:`text_problems`);
- a person's display name is at most :data:`MAX_DISPLAY_NAME` characters, NFC
  normalised, holds no control characters or line breaks and no bidi controls
  (U+202E and friends reorder what others see around the name), and has at
  least one visible character (:func:`check_display_name`);
- an e-mail address has one ``@``, a local part and a domain with a dot (IDNA
  for non-ASCII domains), within the RFC 5321 lengths (:func:`check_email`).

Names and addresses a person typed are refused with a located problem; those
synced from an LMS are cleaned instead (:func:`sanitise_display_name`,
:func:`sanitise_email`): the platform already accepted them, and refusing
would lock the person out of their programme.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from mentorflow.errors import FormInvalid, Problem
from mentorflow.i18n import _

MAX_DISPLAY_NAME = 200
"""Characters in a person's display name (after normalisation)."""
MAX_EMAIL = 254
"""Characters in an e-mail address (RFC 5321: a path is at most 256 octets with its angle brackets)."""
MAX_EMAIL_LOCAL = 64
MAX_PROBLEMS = 20
"""Bad strings reported per document (a hostile document may hold thousands; the first ones say enough)."""

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that change the display order of the text around them (Trojan Source, CVE-2021-42574)."""
_BLANK_LOOKING = frozenset("\u115f\u1160\u2800\u3164\uffa0")
"""Letters and symbols that draw nothing (Hangul fillers, the blank Braille pattern)."""
_LINE_BREAKS = frozenset("\u2028\u2029\u0085")
_UNSEEN = frozenset({"Cc", "Cf", "Mn", "Me", "Zs"})
"""Unicode categories that draw nothing on their own (controls, format characters, combining marks, spaces)."""


def is_text(value: str) -> bool:
    """Whether ``value`` can be written as UTF-8 (it holds no unpaired surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(value: str) -> str:
    """``value`` with every unpaired surrogate written as ``\\udXXX``, safe to print, log or render."""
    return value if is_text(value) else value.encode("utf-8", "backslashreplace").decode("utf-8")


def _first_surrogate(value: str) -> str:
    return next(f"U+{ord(c):04X}" for c in value if 0xD800 <= ord(c) <= 0xDFFF)


def _escape(token: str) -> str:
    return printable(token).replace("~", "~0").replace("/", "~1")


def text_problems(value: Any, at: str = "", source: str = "") -> list[Problem]:
    """A located problem for every string (keys included) in a JSON value that is not Unicode text.

    Iterative, so a deep document cannot exhaust the stack; at most
    :data:`MAX_PROBLEMS` are reported. ``at`` is the pointer of ``value`` itself.
    """
    problems: list[Problem] = []
    stack: list[tuple[Any, str]] = [(value, at)]
    while stack and len(problems) < MAX_PROBLEMS:
        item, where = stack.pop()
        if isinstance(item, str):
            if not is_text(item):
                problems.append(Problem(where, _("contains {code}, which is not a character (an unpaired "
                                                 "surrogate); send the text as valid UTF-8").format(
                    code=_first_surrogate(item)), source))
        elif isinstance(item, dict):
            for key, child in item.items():
                inner = f"{where}/{_escape(str(key))}"
                if isinstance(key, str) and not is_text(key):
                    problems.append(Problem(inner, _("the name {name} contains {code}, which is not a character "
                                                     "(an unpaired surrogate)").format(
                        name=printable(key), code=_first_surrogate(key)), source))
                stack.append((child, inner))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{where}/{i}") for i, child in enumerate(item))
    return sorted(problems)


def _bad_character(value: str) -> str | None:
    """A sentence about the first character a name must not hold, or None."""
    for char in value:
        code = f"U+{ord(char):04X}"
        if 0xD800 <= ord(char) <= 0xDFFF:
            return _("contains {code}, which is not a character (an unpaired surrogate)").format(code=code)
        if char in BIDI_CONTROLS:
            return _("must not contain {code}, a control that changes the direction of the text around "
                     "it").format(code=code)
        if char in _LINE_BREAKS or unicodedata.category(char) == "Cc":
            return _("must be one line without control characters (found {code})").format(code=code)
    return None


def _visible(value: str) -> bool:
    """Whether anything in ``value`` draws a mark (not only spaces, zero-width or filler characters)."""
    return any(not char.isspace() and char not in _BLANK_LOOKING and unicodedata.category(char) not in _UNSEEN
               for char in value)


def display_name_problems(name: Any, at: str = "/display_name") -> tuple[str | None, list[Problem]]:
    """The normalised display name and the problems with it (none when it may be stored)."""
    if not isinstance(name, str):
        return None, [Problem(at, _("must be a text (the person's name)"))]
    bad = _bad_character(name)
    if bad is not None:
        return None, [Problem(at, bad)]
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned:
        return None, [Problem(at, _("must not be empty"))]
    if not _visible(cleaned):
        return None, [Problem(at, _("must have at least one visible character"))]
    if len(cleaned) > MAX_DISPLAY_NAME:
        return None, [Problem(at, _("is longer than {n} characters").format(n=MAX_DISPLAY_NAME))]
    return cleaned, []


_LOCAL_PART = re.compile(r"^[^\s\"(),:;<>@\[\\\]]+$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _ascii_domain(domain: str) -> str | None:
    """The domain in ASCII (IDNA for non-ASCII labels), or None when it is not a domain with a dot."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(ascii_domain) > 253 or len(labels) < 2 or labels[-1].isdigit():
        return None
    return ascii_domain if all(_DOMAIN_LABEL.match(label) for label in labels) else None


def email_problems(email: Any, at: str = "/email") -> tuple[str | None, list[Problem]]:
    """The e-mail address as stored (trimmed, domain in lower case) and the problems with it."""
    if not isinstance(email, str):
        return None, [Problem(at, _("must be a text (an e-mail address)"))]
    address = unicodedata.normalize("NFC", email.strip())
    if len(address) > MAX_EMAIL:
        return None, [Problem(at, _("is longer than {n} characters").format(n=MAX_EMAIL))]
    local, sep, domain = address.rpartition("@")
    if (not sep or not is_text(address) or "@" in local or not local or len(local) > MAX_EMAIL_LOCAL
            or not _LOCAL_PART.match(local) or local.startswith(".") or local.endswith(".") or ".." in local
            or any(unicodedata.category(c) in ("Cc", "Cf") for c in address) or _ascii_domain(domain) is None):
        return None, [Problem(at, _("is not an e-mail address (one @, with a name before it and a domain such as "
                                    "example.org after it)"))]
    return f"{local}@{domain.lower()}", []


def check_person(display_name: Any, email: Any = None, *, form: str = "person",
                 at: str = "") -> tuple[str, str | None]:
    """The display name and e-mail address to store; :class:`FormInvalid` naming each field that is wrong."""
    name, problems = display_name_problems(display_name, f"{at}/display_name")
    address: str | None = None
    if email is not None and email != "":
        address, more = email_problems(email, f"{at}/email")
        problems += more
    if problems:
        raise FormInvalid(form, problems)
    assert name is not None
    return name, address


def sanitise_display_name(name: Any) -> str | None:
    """A name synced from an LMS, made storable: controls, bidi controls and surrogates dropped, line breaks
    turned into spaces, NFC, at most :data:`MAX_DISPLAY_NAME` characters. None when nothing visible is left."""
    if not isinstance(name, str):
        return None
    kept = []
    for char in name:
        if 0xD800 <= ord(char) <= 0xDFFF or char in BIDI_CONTROLS:
            continue
        if char in _LINE_BREAKS or unicodedata.category(char) == "Cc":
            kept.append(" ")
            continue
        kept.append(char)
    cleaned = " ".join(unicodedata.normalize("NFC", "".join(kept)).split())[:MAX_DISPLAY_NAME].strip()
    return cleaned if cleaned and _visible(cleaned) else None


def sanitise_email(email: Any) -> str | None:
    """An address synced from an LMS when it is an address; None (no address stored) otherwise."""
    if email is None or email == "":
        return None
    address, problems = email_problems(email)
    return None if problems else address
