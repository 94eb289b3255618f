"""The institution's look: its name, logo and colours on every page (settings ``institution_name``,
``institution_logo``, ``brand_colour``, ``brand_ink``).

The logo is a file on the server (PNG, JPEG, WebP or SVG, at most :data:`LOGO_MAX_BYTES`), served from
``/brand/logo``: the pages' Content-Security-Policy loads images from the service only. The colours become
custom properties in ``/brand.css``, linked after the one stylesheet (no inline styles). A colour that
links and buttons could not be read in (contrast below 4.5:1 against white) stops the start with a message
naming the setting, as any bad setting does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app

from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
              ".svg": "image/svg+xml"}
LOGO_MAX_BYTES = 512 * 1024
MIN_CONTRAST = 4.5
"""WCAG 2.1 AA for normal text: the brand colour is the colour of links on white and of button faces."""


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def check_branding(settings: Any) -> None:
    """Refuse branding settings the pages could not show well; each message names the setting and the value."""
    for name in ("brand_colour", "brand_ink"):
        value = getattr(settings, name)
        if value and not COLOUR.match(value):
            raise ConfigurationError(_("Setting {name} must be a colour written #rrggbb, not {value!r}.").format(
                name=name, value=value))
    if settings.brand_colour and contrast(settings.brand_colour, "#ffffff") < MIN_CONTRAST:
        raise ConfigurationError(_("Setting brand_colour {value} is too light: links in it on white have a contrast "
                                   "of {ratio:.1f}:1, and need at least 4.5:1.").format(
            value=settings.brand_colour, ratio=contrast(settings.brand_colour, "#ffffff")))
    if settings.brand_colour and settings.brand_ink and \
            contrast(settings.brand_colour, settings.brand_ink) < MIN_CONTRAST:
        raise ConfigurationError(_("Setting brand_ink {ink} on brand_colour {value} has a contrast of {ratio:.1f}:1; "
                                   "button text needs at least 4.5:1.").format(
            ink=settings.brand_ink, value=settings.brand_colour,
            ratio=contrast(settings.brand_colour, settings.brand_ink)))
    if settings.institution_logo:
        path = Path(settings.institution_logo)
        if path.suffix.lower() not in LOGO_TYPES:
            raise ConfigurationError(_("Setting institution_logo must be a PNG, JPEG, WebP or SVG file, not "
                                       "{path}.").format(path=path))
        if not path.is_file():
            raise ConfigurationError(_("Setting institution_logo names {path}, which is not a file.").format(path=path))
        if path.stat().st_size > LOGO_MAX_BYTES:
            raise ConfigurationError(_("Setting institution_logo: {path} is larger than 512 KB.").format(path=path))


def ink_for(colour: str) -> str:
    """White or black text on ``colour``, whichever reads better."""
    return "#ffffff" if contrast(colour, "#ffffff") >= contrast(colour, "#000000") else "#000000"


def brand(settings: Any) -> dict[str, Any]:
    """What the templates show: the institution's name, whether there is a logo and whether colours are set."""
    return {"name": settings.institution_name, "logo": bool(settings.institution_logo),
            "colours": bool(settings.brand_colour)}


def install_branding(app: Flask) -> None:
    """The routes of the logo and the colours, and ``brand`` in every template."""

    def settings() -> Any:
        return current_app.extensions["mentorflow"].settings

    @app.context_processor
    def branding() -> dict[str, Any]:
        return {"brand": brand(settings())}

    @app.get("/brand.css")
    def brand_css() -> Response:
        s = settings()
        if not s.brand_colour:
            abort(404)
        ink = s.brand_ink or ink_for(s.brand_colour)
        css = f":root {{ --accent: {s.brand_colour}; --accent-ink: {ink}; }}\n"  # both checked against COLOUR
        response = Response(css, mimetype="text/css")
        response.cache_control.max_age = 3600
        return response

    @app.get("/brand/logo")
    def brand_logo() -> Response:
        s = settings()
        if not s.institution_logo:
            abort(404)
        path = Path(s.institution_logo)
        response = Response(path.read_bytes(), mimetype=LOGO_TYPES[path.suffix.lower()])
        response.cache_control.max_age = 3600
        return response
