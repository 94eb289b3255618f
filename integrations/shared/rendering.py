"""Jinja2 rendering of the shared templates, outside Flask (the XBlock) and inside it (the web pages).

Templates are translated with mentorflow's own catalogue: ``_`` and
``ngettext`` read the locale in force (:func:`mentorflow.i18n.set_locale`),
so a caller sets the person's language before rendering.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mentorflow.i18n import _, format_date, format_datetime, format_time, get_locale, localized, ngettext
from mentorflow.text import is_text, printable


def shared_loader() -> BaseLoader:
    """Finds the shared templates (``_relationship_panel.html``, ``_stages.html``, ``_field.html``)."""
    return PackageLoader("mentorflow.integrations.shared", "templates")


def safe_output(value: Any) -> Any:
    """Every ``{{ ... }}`` output: text that cannot be encoded (stored before the boundaries refused it) is
    shown with its unpaired surrogates written out, so one bad note never turns a page into a 500."""
    if isinstance(value, str) and not is_text(value):
        return Markup(printable(value)) if isinstance(value, Markup) else printable(value)
    return value


def template_globals() -> dict[str, Any]:
    """The names every shared template uses."""
    return {"_": _, "ngettext": ngettext, "get_locale": get_locale, "localized": localized,
            "format_date": format_date, "format_datetime": format_datetime, "format_time": format_time}


@cache
def environment(*packages: str) -> Environment:
    """An autoescaping environment over the shared templates and each package's own ``templates/``.

    A package listed first wins a name clash, so an integration may
    override a shared template.
    """
    loaders = [PackageLoader(package, "templates") for package in packages] + [shared_loader()]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=False, lstrip_blocks=False, finalize=safe_output)
    env.globals.update(template_globals())
    return env


def render(template: str, context: dict[str, Any], *packages: str) -> str:
    """Render ``template`` (found in ``packages``' templates or the shared ones) with ``context``."""
    return environment(*packages).get_template(template).render(**context)
