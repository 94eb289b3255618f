"""Translations for every text mentorflow shows a person (English and Danish).

Messages are marked with :func:`_` (gettext) and live in Babel catalogues
under ``mentorflow/locale``. The active locale comes from
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
from functools import cache
from pathlib import Path

DOMAIN = "mentorflow"
SUPPORTED_LOCALES = ("en", "da")
DEFAULT_LOCALE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")

_current: ContextVar[str | None] = ContextVar("mentorflow_locale", default=None)


def normalise_locale(value: str | None) -> str:
    """Map ``da_DK.UTF-8``, ``da-DK`` or ``da`` onto a supported locale code."""
    if not value:
        return DEFAULT_LOCALE
    code = value.replace("-", "_").split(".")[0].split("_")[0].lower()
    return code if code in SUPPORTED_LOCALES else DEFAULT_LOCALE


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


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``locale`` (English is the source language)."""
    if locale == DEFAULT_LOCALE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[locale], fallback=True)


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
