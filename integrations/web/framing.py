"""Who may put the service's pages in a frame: ``Content-Security-Policy: frame-ancestors`` and ``X-Frame-Options``.

Inside an LMS the pages run in an iframe with ``SameSite=None`` cookies, so
a page that any site may frame can be clickjacked (a hostile page overlays
the mentoring forms and makes the signed-in person click). Only the sites
that really embed mentorflow may frame it: the origins plugins report
through ``mentorflow_frame_ancestors`` (registered LTI platforms, Moodle
sites) and the ``frame_ancestors`` setting. With none of those a page may
only be framed by mentorflow itself. Answers that are never embedded (the
API, JSON, images, downloads) say ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _

if TYPE_CHECKING:
    from flask import Request, Response

    from mentorflow.engine import Engine

BASE_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
NEVER_FRAMED_PREFIXES = ("/api/", "/health")


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL (lower case), or None when it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    # Letters, digits, dots and hyphens only (or an IPv6 address): nothing that widens or breaks the policy
    # (a wildcard, a quote, a space or a semicolon) ever reaches the header, whatever a platform registered.
    if re.fullmatch(r"[a-z0-9.-]+", host) is None:
        if re.fullmatch(r"[0-9a-f:.]+", host) is None or ":" not in host:
            return None
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port else "")


def parse_origins(value: str, setting: str = "frame_ancestors") -> tuple[str, ...]:
    """The origins in a setting (separated by spaces or commas); a ConfigurationError names a bad one."""
    origins = []
    for item in value.replace(",", " ").split():
        origin = origin_of(item)
        if origin is None or origin != item.rstrip("/").lower():
            raise ConfigurationError(_("Setting {name}: '{value}' is not an origin such as "
                                       "https://moodle.example.edu (scheme, host and port only).").format(
                name=setting, value=item))
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


def frame_origins(engine: Engine, configured: Iterable[str]) -> list[str]:
    """Every origin that may frame the pages: the plugins' (registered platforms) and the configured ones."""
    found = list(configured)
    for reported in engine.pm.hook.mentorflow_frame_ancestors(engine=engine):
        for url in reported or ():
            origin = origin_of(str(url))
            if origin is not None:
                found.append(origin)
    return sorted(dict.fromkeys(found))


def frame_policy(origins: Iterable[str]) -> str:
    """The content security policy of a page that ``origins`` (and the service itself) may frame."""
    allowed = [origin for origin in (origin_of(o) for o in origins) if origin]
    return BASE_POLICY + "; frame-ancestors " + " ".join(["'self'", *sorted(dict.fromkeys(allowed))])


def embeddable(request: Request, response: Response) -> bool:
    """Whether the answer is a page an LMS may show in a frame (HTML outside the API)."""
    return response.mimetype == "text/html" and not request.path.startswith(NEVER_FRAMED_PREFIXES)


def apply(request: Request, response: Response, engine: Engine, configured: Iterable[str]) -> None:
    """Set the frame headers (and the rest of the content security policy) unless the view set its own."""
    if "Content-Security-Policy" in response.headers:
        return
    if not embeddable(request, response):
        response.headers["Content-Security-Policy"] = BASE_POLICY + "; frame-ancestors 'none'"
        response.headers.setdefault("X-Frame-Options", "DENY")
        return
    origins = frame_origins(engine, configured)
    response.headers["Content-Security-Policy"] = frame_policy(origins)
    if not origins:
        # Browsers without frame-ancestors support: X-Frame-Options cannot list origins, so only when there are none.
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
