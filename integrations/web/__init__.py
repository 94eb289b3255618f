"""The mentorflow web service: REST API (``/api/v1``), participant pages and the coordinator dashboard.

``create_app(settings)`` builds the Flask application; ``mentorflow serve``
runs it under gunicorn.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g, request, session
from sqlalchemy import text

from mentorflow import __version__
from mentorflow.engine import Engine
from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _, set_locale
from mentorflow.pluginmanager import call_one, implementations

from . import framing, problems
from .settings import Settings, load_settings

log = logging.getLogger("mentorflow.web")


@dataclass
class WebState:
    """What views reach through ``current_app.extensions["mentorflow"]``."""

    engine: Engine
    settings: Settings


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Flask:
    """Build the application; ``engine`` defaults to one on ``settings.database_url``."""
    settings = settings or load_settings()
    engine = engine or Engine(settings.database_url)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        # Inside an LMS iframe the cookie must be SameSite=None; Secure (HTTPS only).
        SESSION_COOKIE_SAMESITE="None" if settings.secure_cookies else "Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        # Partitioned (CHIPS): kept inside the LMS frame by browsers that block third-party cookies.
        SESSION_COOKIE_PARTITIONED=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),  # the server ends it too
        JSON_SORT_KEYS=False,
    )
    app.extensions["mentorflow"] = WebState(engine=engine, settings=settings)
    configured_frame_origins = framing.parse_origins(settings.frame_ancestors)
    problems.install(app)

    from . import api_console, api_lifecycle  # noqa: F401 (register their routes on the v1 blueprint)
    from .api_core import api, blueprint

    app.register_blueprint(blueprint)
    app.extensions["mentorflow_api"] = api

    from .pages import install_pages

    install_pages(app)

    @app.before_request
    def start() -> None:
        g.started = time.perf_counter()
        set_locale(_request_locale())

    @app.teardown_request
    def forget_locale(_error: BaseException | None) -> None:
        # The request's language ends with it: code that runs next in this thread (a test, a worker task
        # in an embedded server) must not speak the last visitor's language.
        set_locale(None)

    from . import auth, ratelimit

    auth.install(app)  # after the locale: a refusal is in the visitor's language
    ratelimit.install(app)

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        framing.apply(request, response, engine, configured_frame_origins)
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info(json.dumps({"event": "request", "pid": os.getpid(), "method": request.method, "path": request.path,
                             "status": response.status_code, "ms": round(elapsed, 2)}))
        return response

    @app.get("/health")
    def health() -> Any:
        try:
            with engine.read() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:  # any database failure means "not ready"
            log.error("health check failed: %s", error)
            return problems.problem_response(503, "Service unavailable", "database unreachable",
                                             "database-unavailable")
        return {"status": "ok", "version": __version__}

    @app.get("/api/v1/openapi.json")
    def openapi() -> Any:
        return api.openapi("mentorflow", __version__)

    _private_answers_not_stored(app)
    register_plugin_blueprints(app, engine)  # last: a built-in route wins a clash
    _share_reads_per_request(app, engine)
    return app


def is_static_request() -> bool:
    """Whether the request is for a static asset (the app's or a blueprint's): those stay cacheable."""
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def _private_answers_not_stored(app: Flask) -> None:
    """``Cache-Control: no-store`` on every answer but static assets.

    Pages and API answers hold names, notes and reflections: a shared computer's browser cache or a proxy
    must not keep them after sign-out. An answer that chose its own caching (the public JWKS, a calendar
    feed read with its secret link) keeps it unless the request was signed in or sent a token.
    """

    @app.after_request
    def no_store(response: Response) -> Response:
        if is_static_request():
            return response
        signed_in = "Authorization" in request.headers or session.get("person_id") is not None
        if signed_in or "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response


def _share_reads_per_request(app: Flask, engine: Engine) -> None:
    """One pooled read connection per request instead of one per question (see mentorflow.db.reads)."""
    handle = app.wsgi_app

    def wsgi_app(environ: Any, start_response: Any) -> Any:
        with engine.reading():
            return handle(environ, start_response)

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]


def register_plugin_blueprints(app: Flask, engine: Engine) -> None:
    """Mount the blueprints plugins return from ``mentorflow_web_blueprints`` (after the built-in routes)."""
    seen: dict[str, str] = {}
    # Called one implementation at a time (in pluggy's order) so a clash can name the plugin.
    for impl in implementations(engine.pm.hook.mentorflow_web_blueprints):
        for blueprint in call_one(impl, engine=engine) or ():
            if blueprint.name in seen or blueprint.name in app.blueprints:
                raise ConfigurationError(_("Plugin '{plugin}' registers a web blueprint called '{name}', which "
                                           "{other} already registers.").format(
                    plugin=impl.plugin_name, name=blueprint.name, other=seen.get(blueprint.name, "mentorflow")))
            seen[blueprint.name] = impl.plugin_name
            app.register_blueprint(blueprint)


def _request_locale() -> str:
    from .language import request_locale

    return request_locale()
