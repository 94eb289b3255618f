"""Web service configuration: environment variables, optionally a TOML file, then command-line overrides."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _

ENV_PREFIX = "MENTORFLOW_"


@dataclass(frozen=True)
class Settings:
    """Everything ``mentorflow serve`` needs. Each field ``x`` is read from ``MENTORFLOW_X`` or the TOML key ``x``."""

    database_url: str = "sqlite:///mentorflow.db"
    secret_key: str = ""
    """Signs session cookies; generated per start when empty (sessions then end with the process)."""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    demo: bool = False
    worker: bool = True
    """Run the Celery worker and beat as child processes (embedded default)."""
    broker_url: str = ""
    base_url: str = ""
    """The public URL (for links in e-mails and LTI registration); defaults to http://host:port."""
    secure_cookies: bool = False
    """Set Secure and SameSite=None on the session cookie (needed inside an LMS iframe over HTTPS)."""
    frame_ancestors: str = ""
    """Origins, besides the registered LMS platforms, that may show the pages in a frame (space-separated)."""
    log_level: str = "info"
    session_hours: int = 8
    """A browser session ends this long after sign-in, however active (checked on the server)."""
    session_idle_minutes: int = 120
    """A browser session ends after this long without a request (checked on the server)."""
    rate_limit_window: int = 60
    """Seconds in one rate-limit window; the limits below count attempts per window."""
    rate_limit_sign_in: int = 60
    """Sign-in attempts (LTI login and launch, tool registration, demo entry) per client address; 0: no limit."""
    rate_limit_token_failures: int = 30
    """Requests with an invalid API token per client address; 0: no limit."""
    rate_limit_token_prefix: int = 10
    """Failed attempts on one API token (by its prefix) from anywhere; 0: no limit."""
    proxy_hops: int = 0
    """Reverse proxies (load balancers) in front that append to ``X-Forwarded-For``; 0 trusts no such header."""
    institution_name: str = ""
    """The institution's name, shown in every page's header and title (and e-mails: ``MENTORFLOW_INSTITUTION_NAME``)."""
    institution_logo: str = ""
    """A logo file on the server (PNG, JPEG, WebP or SVG, at most 512 KB), shown in every page's header."""
    brand_colour: str = ""
    """The institution's colour (``#rrggbb``) for links, buttons and the current stage; at least 4.5:1 on white."""
    brand_ink: str = ""
    """The text colour on ``brand_colour`` (``#rrggbb``); white or black by contrast when empty."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def public_url(self) -> str:
        return self.base_url.rstrip("/") or f"http://{self.host}:{self.port}"


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    if kind in (bool, "bool"):
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("1", "true", "yes", "on"):
            return True
        if str(raw).lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigurationError(_("Setting {name} must be true or false, not {value!r}.").format(name=name, value=raw))
    if kind in (int, "int"):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigurationError(_("Setting {name} must be a whole number, not {value!r}.").format(
                name=name, value=raw)) from None
    return str(raw)


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from ``MENTORFLOW_*`` variables, the TOML file (``MENTORFLOW_CONFIG``), then ``overrides``."""
    values: dict[str, Any] = {}
    path = config_file or os.environ.get(ENV_PREFIX + "CONFIG")
    known = {f.name: f.type for f in fields(Settings) if f.name != "extra"}
    if path:
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
        except OSError as error:
            raise ConfigurationError(_("Cannot read configuration file {path}: {error}").format(
                path=path, error=error.strerror)) from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigurationError(_("Configuration file {path} is not valid TOML: {error}").format(
                path=path, error=error)) from None
        section = data.get("mentorflow", data)
        for key, value in section.items():
            if key not in known:
                raise ConfigurationError(_("Unknown setting '{key}' in {path}.").format(key=key, path=path))
            values[key] = value
    for name in known:
        env = os.environ.get(ENV_PREFIX + name.upper())
        if env is not None:
            values[name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    typed = {name: _coerce(name, value, {"bool": bool, "int": int}.get(str(known[name]), str(known[name])))
             for name, value in values.items()}
    settings = Settings(**typed)
    from .framing import parse_origins

    parse_origins(settings.frame_ancestors)  # a bad origin stops the start with a message naming it
    if not settings.secret_key:
        settings = replace(settings, secret_key=secrets.token_urlsafe(32))
    for name in ("session_hours", "session_idle_minutes", "rate_limit_window"):
        if getattr(settings, name) < 1:
            raise ConfigurationError(_("Setting {name} must be at least 1, not {value}.").format(
                name=name, value=getattr(settings, name)))
    for name in ("rate_limit_sign_in", "rate_limit_token_failures", "rate_limit_token_prefix", "proxy_hops"):
        if getattr(settings, name) < 0:
            raise ConfigurationError(_("Setting {name} must be 0 (no limit) or more, not {value}.").format(
                name=name, value=getattr(settings, name)))
    from .branding import check_branding

    check_branding(settings)  # a bad colour or logo stops the start with a message naming the setting
    if settings.demo and not settings.is_sqlite:
        raise ConfigurationError(_("Demo mode only runs on a SQLite database; it lets anyone enter as anyone."))
    return settings
