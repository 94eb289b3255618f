"""Bounding sign-in and token attempts per client address and per token, across every web process.

Counters are fixed windows in ``mf_web_rate_limits`` (the database every
gunicorn worker shares; a counter in one process would let each worker grant
its own allowance). Sign-in endpoints count every request per client
address; API requests count only failed tokens, per client address and per
token prefix, and a client or token over its limit is refused before its
token is even checked. A refusal is ``429`` with ``Retry-After``:
problem+json for the API, a page for a browser. Old windows are swept as
new ones start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, json, render_template, request
from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from mentorflow.engine import Engine
from mentorflow.i18n import _

from .models import RateLimitCounter

C = RateLimitCounter.__table__
SIGN_IN_ENDPOINTS = frozenset({"demo_enter", "lti.login", "lti.launch", "lti.registration_page",
                               "lti.registration_submit", "lti.deep_link"})
"""Endpoints that sign someone in or spend a one-time secret: every request counts against the client."""


class RateLimited(HTTPException):
    """Too many attempts in this window; ``retry_after`` seconds until the next one starts."""

    code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(_("Too many attempts from your address or with this token; wait {seconds} seconds and "
                           "try again.").format(seconds=retry_after))
        self.retry_after = retry_after


@dataclass(frozen=True)
class Bucket:
    name: str
    limit: int
    """Attempts allowed per window; 0 means no limit."""


def client_address() -> str:
    """Whom to count a request against: the connecting address, or the client's behind ``proxy_hops`` proxies."""
    return (request.remote_addr or "unknown")[:64]


def _window(engine: Engine) -> tuple[int, int]:
    """The current window's start (epoch seconds) and the seconds until the next one."""
    size = current_app.extensions["mentorflow"].settings.rate_limit_window
    now = engine.clock.now().timestamp()
    start = int(now) - int(now) % size
    return start, max(1, math.ceil(start + size - now))


def _engine() -> Engine:
    return current_app.extensions["mentorflow"].engine


def _increment(conn: Connection, bucket: str, start: int) -> int:
    """Add one attempt to ``bucket`` in the window starting at ``start``; returns the window's count."""
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = (postgresql if dialect == "postgresql" else sqlite).insert
        statement = insert(C).values(bucket=bucket, window_start=start, count=1)
        statement = statement.on_conflict_do_update(index_elements=[C.c.bucket, C.c.window_start],
                                                    set_={"count": C.c.count + 1}).returning(C.c.count)
        count = int(conn.execute(statement).scalar_one())
    else:  # any other database: inside the write transaction, update-or-insert
        where = and_(C.c.bucket == bucket, C.c.window_start == start)
        if not conn.execute(update(C).where(where).values(count=C.c.count + 1)).rowcount:
            conn.execute(C.insert().values(bucket=bucket, window_start=start, count=1))
        count = int(conn.execute(select(C.c.count).where(where)).scalar_one())
    if count == 1:  # a new window began for this bucket: sweep every finished one
        size = current_app.extensions["mentorflow"].settings.rate_limit_window
        conn.execute(delete(C).where(C.c.window_start < start - size))
    return count


def count_attempt(bucket: Bucket) -> None:
    """Count one attempt; :class:`RateLimited` when it goes over the bucket's limit."""
    if bucket.limit <= 0:
        return
    engine = _engine()
    start, retry_after = _window(engine)
    with engine.write() as conn:
        count = _increment(conn, bucket.name, start)
    if count > bucket.limit:
        raise RateLimited(retry_after)


def count_failure(buckets: Sequence[Bucket]) -> None:
    """Count one failed attempt against each bucket (the refusal comes with the next attempt)."""
    limited = [b for b in buckets if b.limit > 0]
    if not limited:
        return
    engine = _engine()
    start, _retry_after = _window(engine)
    with engine.write() as conn:
        for bucket in limited:
            _increment(conn, bucket.name, start)


def refuse_if_exhausted(buckets: Sequence[Bucket]) -> None:
    """:class:`RateLimited` when any bucket has used up its window (one read by primary key)."""
    limits = {b.name: b.limit for b in buckets if b.limit > 0}
    if not limits:
        return
    engine = _engine()
    start, retry_after = _window(engine)
    with engine.read() as conn:
        rows = conn.execute(select(C.c.bucket, C.c.count).where(C.c.bucket.in_(limits),
                                                                C.c.window_start == start)).all()
    if any(count >= limits[name] for name, count in rows):
        raise RateLimited(retry_after)


def token_buckets(secret: str) -> list[Bucket]:
    """Where a failed API token counts: the client's address and, when it names one, the token's prefix."""
    settings = current_app.extensions["mentorflow"].settings
    buckets = [Bucket(f"token:ip:{client_address()}", settings.rate_limit_token_failures)]
    parts = secret.split("_")
    if len(parts) >= 3 and parts[0] == "mf" and parts[1]:
        buckets.append(Bucket(f"token:prefix:{parts[1][:32]}", settings.rate_limit_token_prefix))
    return buckets


def limit_sign_in() -> None:
    """Before each request: a sign-in endpoint counts the attempt against the client's address."""
    if request.endpoint in SIGN_IN_ENDPOINTS:
        settings = current_app.extensions["mentorflow"].settings
        count_attempt(Bucket(f"sign-in:ip:{client_address()}", settings.rate_limit_sign_in))


def install(app: Flask) -> None:
    """Count sign-in attempts before each request and answer :class:`RateLimited` with 429 and Retry-After."""
    hops = app.extensions["mentorflow"].settings.proxy_hops
    if hops:
        # Behind a load balancer every request comes from it; the client is what the trusted proxies appended.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]
    app.before_request(limit_sign_in)

    @app.errorhandler(RateLimited)
    def too_many(error: RateLimited) -> Any:
        from .problems import PROBLEM_JSON, wants_json

        title = _("Too many attempts")
        problem = {"type": "https://mentorflow.dev/problems/rate-limited", "title": title, "status": 429,
                   "detail": error.description, "retry_after": error.retry_after}
        if wants_json():
            response = Response(json.dumps(problem), status=429, mimetype=PROBLEM_JSON)
        else:
            # A person in a browser has only signed in (API tokens are not typed into pages): say it their way.
            page = {**problem, "detail": _("Too many sign-in attempts from your network; wait {seconds} seconds and "
                                           "try again.").format(seconds=error.retry_after)}
            response = Response(render_template("error.html", problem=page), status=429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
