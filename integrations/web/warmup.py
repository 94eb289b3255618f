"""Pay a web process's one-off costs when it starts, not on its first visitors' requests.

A fresh worker would otherwise compile each workflow version (JSON Schema
validation and compilation, about 10–15 ms each) and each Jinja template on
first use, and open its first database connection inside a request: the
first people after a deploy or a worker restart wait ~100 ms longer, which
shows up as the p95/p99 of a short measurement.
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from sqlalchemy import select

from mentorflow.db.models import Relationship, WorkflowVersion

log = logging.getLogger("mentorflow.web")


def warm(app: Flask) -> None:
    """Compile the workflow versions in use and every template, and open a pooled database connection.

    Failures are logged, never raised: a cold cache is slower, not wrong, and
    ``/health`` reports an unreachable database on its own.
    """
    started = time.perf_counter()
    engine = app.extensions["mentorflow"].engine
    versions = 0
    try:
        with engine.read() as conn:
            W, R = WorkflowVersion.__table__, Relationship.__table__
            newest = select(W.c.programme_id, W.c.id).order_by(W.c.programme_id, W.c.version.desc())
            current = {programme: vid for programme, vid in reversed(conn.execute(newest).all())}
            pinned = conn.execute(select(R.c.workflow_version_id).distinct()).scalars().all()
            for version_id in sorted(set(current.values()) | set(pinned)):
                engine.workflow_by_version(version_id, conn)
                versions += 1
    except Exception as error:  # a missing or unreachable database must not stop the worker from booting
        log.warning("warm-up skipped the workflows: %s", error)
    templates = 0
    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith((".html", ".svg", ".txt"))):
        app.jinja_env.get_template(name)
        templates += 1
    log.info("warmed %d workflow versions and %d templates in %.0f ms", versions, templates,
             (time.perf_counter() - started) * 1000)
