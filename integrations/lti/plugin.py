"""The LTI tool as a mentorflow plugin: its tables, web endpoints, ``lti`` commands, settings check and grades.

Registered in the ``mentorflow`` entry-point group as ``lti``. The web
endpoints mount through ``mentorflow_web_blueprints`` (no edit of the web
service needed); they need the ``moodle`` extra (joserfc, httpx). Without it
the plugin stays loaded, its tables and settings check work, and its
endpoints and commands answer that ``mentorflow[moodle]`` is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from mentorflow import extras, hookimpl
from mentorflow.worker import Periodic, WorkerTasks

from . import models  # noqa: F401 (the tables join Base.metadata when the plugin loads)
from .models import Context, Member, Platform, Score

if TYPE_CHECKING:
    from flask import Blueprint

    from mentorflow.engine import Engine
    from mentorflow.errors import Problem
    from mentorflow.snapshots import TransitionEvent
    from mentorflow.workflow.model import Workflow

log = logging.getLogger("mentorflow.lti")
NEEDS_EXTRAS = ("moodle",)
"""Optional dependencies this plugin uses (``mentorflow plugins`` lists those not installed)."""


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.integrations.lti:migrations"]


@hookimpl(trylast=True)
def mentorflow_web_blueprints(engine: Engine) -> Iterable[Blueprint]:
    if extras.missing("moodle"):
        log.warning("LTI endpoints answer 503: install mentorflow[moodle] (joserfc, httpx) to serve them")
        from .unavailable import unavailable_blueprints

        return unavailable_blueprints()
    from .api import api_blueprint
    from .web import tool_blueprint

    return [tool_blueprint(engine), api_blueprint(engine)]


@hookimpl(trylast=True)
def mentorflow_frame_ancestors(engine: Engine) -> Iterable[str]:
    """Registered platforms frame the launched pages: their issuer (wwwroot) and login address."""
    P = Platform.__table__
    with engine.read() as conn:
        rows = conn.execute(select(P.c.issuer, P.c.auth_login_url)).all()
    return [url for row in rows for url in (row.issuer, row.auth_login_url)]


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .cli import lti

    cli.add_command(lti)


@hookimpl(trylast=True)
def mentorflow_worker_tasks() -> WorkerTasks:
    """Grades owed in the outbox are sent every 30 s, failed ones owed again daily, rosters synced nightly."""
    return WorkerTasks(modules=["mentorflow.integrations.lti.tasks"], schedule={
        "lti.deliver_grades": Periodic("mentorflow.lti.deliver_grades", every_seconds=30,
                                       env="MENTORFLOW_LTI_GRADES_INTERVAL"),
        "lti.retry_grades": Periodic("mentorflow.lti.retry_grades", crontab={"minute": 30, "hour": 4},
                                     env="MENTORFLOW_LTI_RETRY_HOUR"),
        "lti.sync_rosters": Periodic("mentorflow.lti.sync_rosters", crontab={"minute": 0, "hour": 3},
                                     env="MENTORFLOW_LTI_ROSTER_HOUR"),
    })


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    from .settings import check

    return check(document)


@hookimpl(trylast=True)
def mentorflow_apply_transition(event: TransitionEvent, connection: Connection) -> None:
    """Owe the relationship's grade in the transition's own transaction; the worker sends it (``deliver_grades``).

    Nothing is sent from the request: a platform that is slow, down or refusing cannot hold up or lose a state
    change, and a refused grade is retried and stays visible in ``mentorflow lti grades``.
    """
    after = event.after
    if after is None or after.state == event.before.state:
        return
    from .settings import lti_settings

    if lti_settings(event.workflow)["grade"] == "none":
        return
    from .grading import owe_grades

    owe_grades(connection, after, event.workflow, event.at)


@hookimpl(trylast=True)
def mentorflow_export_personal_data(person_id: int, connection: Connection) -> dict[str, Any] | None:
    M, X, S = Member.__table__, Context.__table__, Score.__table__
    courses = connection.execute(select(X.c.context_id, X.c.title, M.c.roles, M.c.status, M.c.last_seen_at)
                                 .join(X, X.c.id == M.c.lti_context_id).where(M.c.person_id == person_id)
                                 .order_by(M.c.id)).all()
    grades = connection.execute(select(S.c.relationship_id, S.c.score_given, S.c.score_maximum, S.c.status,
                                       S.c.updated_at).where(S.c.person_id == person_id).order_by(S.c.id)).all()
    from .states import SECRET_KEYS, person_states

    launches = person_states(connection, person_id)
    if not courses and not grades and not launches:
        return None
    return {"courses": [{"context_id": c.context_id, "title": c.title, "roles": list(c.roles), "status": c.status,
                         "last_seen_at": c.last_seen_at.isoformat()} for c in courses],
            "grades": [{"relationship_id": g.relationship_id, "score_given": g.score_given,
                        "score_maximum": g.score_maximum, "status": g.status,
                        "updated_at": g.updated_at.isoformat()} for g in grades],
            # Sign-ins and deep-linking choices in progress or recently made (kept a day after they expire).
            "launch_states": [{"kind": s.kind, "created_at": s.created_at.isoformat(),
                               "expires_at": s.expires_at.isoformat(),
                               "used_at": s.used_at.isoformat() if s.used_at else None,
                               "data": {k: v for k, v in (s.data or {}).items() if k not in SECRET_KEYS}}
                              for s in launches]}


@hookimpl(trylast=True)
def mentorflow_erase_personal_data(person_id: int, pseudonym: str, connection: Connection) -> None:
    # Course memberships and published grades identify the person in an LMS; the LMS keeps its own copy.
    connection.execute(delete(Member.__table__).where(Member.__table__.c.person_id == person_id))
    connection.execute(delete(Score.__table__).where(Score.__table__.c.person_id == person_id))
    # Deep-linking and login states hold the LMS user id, name and e-mail: nothing in them is needed afterwards.
    from .models import LaunchState
    from .states import person_states

    S = LaunchState.__table__
    ids = [row.id for row in person_states(connection, person_id)]
    if ids:
        connection.execute(delete(S).where(S.c.id.in_(ids)))
