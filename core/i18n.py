"""Translations for every text mentorflow shows a person (English, Danish, and any language with a catalogue).

Messages are marked with :func:`_` (gettext) and live in Babel catalogues
under ``mentorflow/locale``. The languages mentorflow speaks are the source
language (English) plus every compiled catalogue found there
(:func:`supported_locales`); everything that offers or checks a language (the
JSON Schemas' label objects, the web language switcher, the XBlock, the LTI
launch, the CLI's ``--locale``) asks that one function, so a new language is a
catalogue and one line in ``scripts/i18n.py`` (see ``docs/i18n.md``).
The active locale comes from
:func:`set_locale`, else ``MENTORFLOW_LOCALE``, else ``LANGUAGE``/``LC_ALL``/``LANG``.

Text defined when a module is imported (click help texts, XBlock field labels)
is marked with :func:`_lazy` instead: it is translated each time it is shown,
so the language is not frozen at import time.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "mentorflow"
#: The source language: every message id is English, and English is the fallback of every label.
DEFAULT_LOCALE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
#: The languages every label in a workflow must carry: the ones the built-in programmes are written in. A label
#: may carry any other supported locale as well; where it lacks one, people reading that language see the English.
LABEL_LOCALES = (DEFAULT_LOCALE, "da")

_current: ContextVar[str | None] = ContextVar("mentorflow_locale", default=None)


@cache
def _discover(folder: Path) -> tuple[str, ...]:
    found = sorted(mo.parent.parent.name for mo in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return (DEFAULT_LOCALE, *(code for code in found if code != DEFAULT_LOCALE))


def supported_locales() -> tuple[str, ...]:
    """The languages mentorflow speaks: English first, then every compiled catalogue in :data:`LOCALE_DIR`."""
    return _discover(LOCALE_DIR)


def __getattr__(name: str) -> Any:
    # ``SUPPORTED_LOCALES`` is kept for callers that read it as a constant; it is worked out when read.
    if name == "SUPPORTED_LOCALES":
        return supported_locales()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def locale_name(code: str) -> str:
    """A language's name in that language, as a language switcher shows it (``Dansk``, ``English``)."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        name = code
    return name[:1].upper() + name[1:]


def normalise_locale(value: str | None) -> str:
    """Map ``da_DK.UTF-8``, ``da-DK`` or ``da`` onto a supported locale code (else English)."""
    if not value:
        return DEFAULT_LOCALE
    code = value.replace("-", "_").split(".")[0].split("_")[0].lower()
    return code if code in supported_locales() else DEFAULT_LOCALE


def same_in_every_language(text: str) -> dict[str, str]:
    """A label object with one text for every supported locale (a name, an id: nothing to translate)."""
    return dict.fromkeys(dict.fromkeys((*LABEL_LOCALES, *supported_locales())), text)


def labels_schema(max_length: int = 2000) -> dict[str, Any]:
    """The JSON Schema of a label object such as ``{"en": .., "da": ..}``, made from the supported locales.

    Each of :data:`LABEL_LOCALES` is required; any other supported locale is allowed; any other key is refused
    (the validator names it and the keys it could have been).
    """
    text = {"type": "string", "minLength": 1, "maxLength": max_length}
    codes = list(dict.fromkeys((*LABEL_LOCALES, *supported_locales())))
    return {"type": "object", "description": f"A text in {' and '.join(LABEL_LOCALES)}, and optionally in any "
                                          f"other language mentorflow speaks ({', '.join(codes)}).",
            "required": list(LABEL_LOCALES), "properties": {code: dict(text) for code in codes},
            # mentorflow.validation.LANGUAGE_KEYS: an unknown key is reported as a language it does not speak.
            "additionalProperties": False, "x-language-keys": True}


def _environment_locale() -> str:
    for name in ("MENTORFLOW_LOCALE", "LANGUAGE", "LC_ALL", "LANG"):
        value = os.environ.get(name)
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return normalise_locale(value.split(":")[0])
    return DEFAULT_LOCALE


def get_locale() -> str:
    """The locale in force for this context."""
    return _current.get() or _environment_locale()


def set_locale(locale: str | None) -> None:
    """Choose the locale for this context (thread or task); ``None`` resets to the environment."""
    _current.set(normalise_locale(locale) if locale else None)


def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``locale`` (English is the source language)."""
    return _translations(locale, LOCALE_DIR)


@cache
def _translations(locale: str, folder: Path) -> gettext.NullTranslations:
    if locale == DEFAULT_LOCALE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(folder), languages=[locale], fallback=True)


def _(message: str) -> str:
    """Translate ``message`` into the current locale."""
    return translations(get_locale()).gettext(message)


class LazyString(str):
    """A message id that is translated into the current locale each time it is shown.

    It is a ``str`` (its value is the English message id), so code that only
    stores it or compares it works unchanged; ``str()`` and ``format()`` give
    the translation in the locale in force at that moment. Other string
    operations (concatenation, ``split``) see the English message id, so
    callers that render it must go through ``str()`` — as the XBlock runtime
    and :mod:`mentorflow.cli_help` do.
    """

    __slots__ = ()

    @property
    def msgid(self) -> str:
        """The untranslated (English) message id."""
        return str.__str__(self)

    def __str__(self) -> str:
        return translations(get_locale()).gettext(self.msgid)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"_lazy({self.msgid!r})"


def _lazy(message: str) -> LazyString:
    """Mark ``message`` for translation at the time it is shown, not now (for module-level text)."""
    return LazyString(message)


def gettext_at_render(message: str) -> str:
    """Translate a message id that was marked with :func:`_lazy` and reached the renderer as a plain ``str``."""
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a plural form."""
    return translations(get_locale()).ngettext(singular, plural, n)


def localized(labels: Mapping[str, str] | str | None, locale: str | None = None) -> str:
    """Pick the text for ``locale`` from a workflow label object such as ``{"en": .., "da": ..}``."""
    if labels is None:
        return ""
    if isinstance(labels, str):
        return labels
    loc = normalise_locale(locale) if locale else get_locale()
    return labels.get(loc) or labels.get(DEFAULT_LOCALE) or next(iter(labels.values()), "")


# -- dates and times -----------------------------------------------------------------------------
# Shown to people through Babel, in the reader's locale: "3. december 2026" in Danish, "December 3, 2026" in
# English. Times are stored in UTC and no reader's time zone is recorded, so they are shown in UTC unless the
# caller knows better (``tz``).


def _moment(value: date | datetime | str) -> date | datetime:
    if isinstance(value, str):
        text = value.replace("Z", "+00:00")
        return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    return value


def _aware(moment: datetime) -> datetime:
    # A naive time from the database is UTC (the engine stores every time in UTC).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def format_date(value: date | datetime | str, fmt: str = "medium", locale: str | None = None,
                tz: tzinfo | None = None) -> str:
    """A day as the reader writes it (``fmt``: ``short``, ``medium``, ``long``, ``full`` or a Babel pattern).

    ``value`` may be a :class:`date`, a :class:`datetime` (taken in ``tz``, default UTC) or ISO 8601 text.
    """
    from babel.dates import format_date as babel_format_date

    moment = _moment(value)
    if isinstance(moment, datetime):
        moment = _aware(moment).astimezone(tz or UTC).date()
    return babel_format_date(moment, format=fmt, locale=normalise_locale(locale) if locale else get_locale())


def format_day_month(value: date | datetime | str, locale: str | None = None, tz: tzinfo | None = None) -> str:
    """A day without its year, short, as the reader writes it (``3 Dec`` in English, ``3. dec.`` in Danish)."""
    from babel.dates import format_skeleton

    moment = _moment(value)
    if isinstance(moment, datetime):
        moment = _aware(moment).astimezone(tz or UTC).date()
    return format_skeleton("MMMd", moment, locale=normalise_locale(locale) if locale else get_locale())


def format_datetime(value: datetime | str, fmt: str = "medium", locale: str | None = None,
                    tz: tzinfo | None = None) -> str:
    """A moment as the reader writes it, in ``tz`` (default UTC)."""
    from babel.dates import format_datetime as babel_format_datetime

    moment = _moment(value)
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return babel_format_datetime(_aware(moment), format=fmt, tzinfo=tz or UTC,
                                 locale=normalise_locale(locale) if locale else get_locale())


def format_time(value: datetime | str, fmt: str = "short", locale: str | None = None,
                tz: tzinfo | None = None) -> str:
    """A time of day as the reader writes it (``14:05`` in Danish, ``2:05 PM`` in English), in ``tz`` (UTC)."""
    from babel.dates import format_time as babel_format_time

    moment = _moment(value)
    if not isinstance(moment, datetime):
        raise TypeError(f"format_time needs a time of day, not the day {moment!r}")
    return babel_format_time(_aware(moment), format=fmt, tzinfo=tz or UTC,
                             locale=normalise_locale(locale) if locale else get_locale())
