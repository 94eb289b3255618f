"""The language a person sees the block in: their LMS preference, else the i18n service's, else English."""

from __future__ import annotations

from typing import Any

from mentorflow.i18n import DEFAULT_LOCALE, normalise_locale, supported_locales


def _service_language(i18n_service: Any) -> str | None:
    # edx-platform's and the workbench's services pass unknown names on to django.utils.translation.
    getter = getattr(i18n_service, "get_language", None) if i18n_service is not None else None
    if callable(getter):
        try:
            return getter()
        except Exception:  # a service without an active translation: fall through
            return None
    try:
        from django.conf import settings
        from django.utils import translation

        return translation.get_language() if settings.configured else None
    except ImportError:
        return None


def resolve_locale(preference: str | None, i18n_service: Any) -> str:
    """One of :func:`~mentorflow.i18n.supported_locales`: the ``pref-lang`` preference when mentorflow speaks it,
    else the request's language, else English."""
    for candidate in (preference, _service_language(i18n_service)):
        if candidate:
            locale = normalise_locale(str(candidate))
            # normalise_locale answers English for a language it does not speak: only a real "en..." counts.
            if locale in supported_locales() and (locale != DEFAULT_LOCALE
                                                   or str(candidate).lower().startswith(DEFAULT_LOCALE)):
                return locale
    return DEFAULT_LOCALE
