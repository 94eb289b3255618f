"""Page panels: what plugins add to the pages people see, through the ``mentorflow_page_panels`` hook.

A host (the web service's pages today; the XBlock and the LTI launch can use
the same calls) builds a :class:`PageContext` for the page it renders and
asks :func:`page_panels`; each plugin answers with :class:`Panel` objects.
The host draws each panel's frame and heading (so headings nest properly in
every host) and places the body in the panel's slot. Panels are rendered per
request in the viewer's language; nothing is translated at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _, get_locale, localized, ngettext
from mentorflow.text import is_text, printable

if TYPE_CHECKING:
    from mentorflow.engine import Engine
    from mentorflow.snapshots import RelationshipSnapshot

PAGES = ("dashboard", "relationship", "me")
"""The pages that ask for panels: a programme's coordinator dashboard, one relationship's page and a person's
"My mentoring" (their own relationships; ``programme`` and ``relationship`` are None there)."""

SLOTS = {"dashboard": ("figures", "main"), "relationship": ("overview", "main"), "me": ("main",)}
"""Where on each page a panel may go: the dashboard's ``figures`` grid (beside each other, after the
stage and activity charts) or its ``main`` column (after the relationships table); the relationship
page's ``overview`` (the relationship's own content, above the history: goals, meetings, reflections)
or its ``main`` column (after the history); "My mentoring"'s ``main`` column (before the relationships)."""


def _compute(_name: str, compute: Callable[[], Any]) -> Any:
    return compute()


@dataclass(frozen=True)
class PageContext:
    """Which page is rendered, for whom and where: the argument of ``mentorflow_page_panels``."""

    page: str
    """One of :data:`PAGES`."""
    viewer: int
    """The person the page is for (the host checked they may see the page)."""
    locale: str
    """The page's language (also in force through :func:`mentorflow.i18n.get_locale` while panels render)."""
    programme: str | None = None
    """The programme's key, on the ``dashboard`` (a relationship names its programme by ``programme_id``)."""
    relationship: RelationshipSnapshot | None = None
    """The relationship, on the ``relationship`` page."""
    host: str = "web"
    """Who renders: ``"web"`` (the web service's pages); other hosts name themselves (``"xblock"``, ``"lti"``)."""
    heading_level: int = 2
    """The level of the panels' headings on this page (a panel's own sub-headings go one level deeper)."""
    base_url: str = ""
    """The prefix of the host's own addresses (where a panel's form posts to a plugin's route)."""
    hidden_fields: tuple[tuple[str, str], ...] = ()
    """``(name, value)`` pairs every form on the page must carry (the host's CSRF token)."""
    notices: tuple[tuple[str, str, str], ...] = ()
    """``(panel id, category, message)``: what a panel's last form post did (the host's flash messages meant for
    that panel), for the panel to show next to its buttons, where the host's redirect to the panel's anchor
    leaves the person. ``category`` is ``"success"`` or ``"error"``; messages are already localized."""
    cached: Callable[[str, Callable[[], Any]], Any] = field(default=_compute, compare=False, repr=False)
    """``cached(name, compute)``: a value computed once per view and shared by the page's panels (the dashboard
    holds the answer of ``mentorflow_programme_figures`` under ``"programme_figures"``); by default computed
    every time. Keep only what every viewer of the page may see in it."""

    def notices_for(self, panel: str) -> list[tuple[str, str]]:
        """The ``(category, message)`` notices meant for ``panel`` (see :attr:`notices`)."""
        return [(category, message) for target, category, message in self.notices if target == panel]


@dataclass(frozen=True)
class Panel:
    """One panel of a page: the host draws ``title`` as its heading and ``html`` as its body."""

    id: str
    """Unique on the page; the host derives element ids from it (``"{id}-heading"``)."""
    title: str
    """The heading, already localized."""
    html: Markup
    """The body: safe HTML (from :func:`render_template`, or :class:`markupsafe.Markup` you escaped)."""
    order: int = 100
    """Panels are shown by ``(order, id)``; built-in panels use 10 to 90."""
    slot: str = "main"
    """Where on the page (:data:`SLOTS`)."""
    data: Any = None
    """The figures the panel shows, JSON-ready (for hosts that draw their own, and for the REST API)."""


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    """Every plugin's panels for ``page``, sorted by ``(order, id)``.

    A panel that is not a :class:`Panel`, names a slot the page does not have, or shares its id with
    another is a :class:`ConfigurationError` naming it: a plugin mistake, found on the first render.
    """
    found: list[Panel] = []
    for answer in engine.pm.hook.mentorflow_page_panels(engine=engine, page=page):
        for panel in answer or ():
            if not isinstance(panel, Panel):
                raise ConfigurationError(_("A plugin returned {value!r} from mentorflow_page_panels, not a "
                                           "mentorflow.panels.Panel.").format(value=panel))
            if panel.slot not in SLOTS.get(page.page, ("main",)):
                raise ConfigurationError(_("Panel '{id}' names the slot '{slot}', which the {page} page does not "
                                           "have.").format(id=panel.id, slot=panel.slot, page=page.page))
            if any(other.id == panel.id for other in found):
                raise ConfigurationError(_("Two panels on the {page} page are called '{id}'.").format(
                    page=page.page, id=panel.id))
            found.append(panel)
    return sorted(found, key=lambda p: (p.order, p.id))


def _safe_output(value: Any) -> Any:
    # Text stored before the boundaries refused it is shown with its surrogates written out, never a 500.
    if isinstance(value, str) and not is_text(value):
        return Markup(printable(value)) if isinstance(value, Markup) else printable(value)
    return value


@cache
def _environment(package: str) -> Environment:
    env = Environment(loader=PackageLoader(package, "templates"), autoescape=select_autoescape(default=True),
                      finalize=_safe_output)
    env.globals.update({"_": _, "ngettext": ngettext, "get_locale": get_locale, "localized": localized})
    return env


def render_template(package: str, name: str, **context: Any) -> Markup:
    """Render ``name`` from ``package``'s ``templates/`` folder, autoescaped, with ``_``/``ngettext``/``localized``.

    For a panel's body: the template reads the locale in force, so call it from the hook.
    """
    return Markup(_environment(package).get_template(name).render(**context))
