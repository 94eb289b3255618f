"""Retention: the content of relationships closed longer than the programme allows is removed.

A programme sets how long a closed relationship keeps what people wrote::

    "settings": {"retention": {"closed_content": "P2Y"}}

(an ISO 8601 duration; without it content is kept until someone is erased).
:func:`run_retention` finds every relationship closed for longer than its
programme's period and, in one transaction per relationship, scrubs the free
text of its audit events (numbers and the structure stay), lets every plugin
scrub its own rows through ``mentorflow_purge_relationship_content`` and
appends a ``retention_purge`` event to the relationship's audit log, so the
removal itself is on record and is never repeated. A relationship reopened
after its purge is purged again once its new closing is old enough.

The period is read from the programme's newest workflow version: shortening
it applies to every relationship of the programme, whichever version it
started on. People (names, e-mail addresses) are not relationship content;
they are removed by erasure (:mod:`mentorflow.gdpr`).

Run it with ``mentorflow retention run [--dry-run]``; the worker runs the
``mentorflow.retention`` task once a day.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, insert, select, update

from mentorflow.actors import SYSTEM
from mentorflow.clock import as_utc
from mentorflow.db.models import AuditEvent, Programme, Relationship
from mentorflow.durations import parse_duration
from mentorflow.errors import Problem, UserError
from mentorflow.gdpr import scrub
from mentorflow.i18n import _
from mentorflow.transitions import read_relationship
from mentorflow.workflow.model import PURGE_EVENT

if TYPE_CHECKING:
    from mentorflow.engine import Engine

log = logging.getLogger("mentorflow.retention")

PURGE_TRANSITION = PURGE_EVENT
"""The audit log's name for a purge (like ``start``, it is not a workflow transition; see ``engine_event``)."""
A = AuditEvent.__table__
R = Relationship.__table__
P = Programme.__table__


def retention_period(programme_settings: Mapping[str, Any] | None) -> timedelta | None:
    """How long closed relationships keep their content, or None when the programme keeps it."""
    value = ((programme_settings or {}).get("retention") or {}).get("closed_content")
    if value is None:
        return None
    period = parse_duration(value)
    return period if period > timedelta(0) else None


def settings_problems(document: Mapping[str, Any]) -> list[Problem]:
    """Problems with ``programme.settings.retention`` (checked whenever a workflow is loaded)."""
    settings = (document.get("programme") or {}).get("settings") if isinstance(document, Mapping) else None
    if not isinstance(settings, Mapping) or "retention" not in settings:
        return []
    at = "/programme/settings/retention"
    retention = settings["retention"]
    if not isinstance(retention, Mapping):
        return [Problem(at, _("must be an object such as {\"closed_content\": \"P2Y\"}"))]
    problems = [Problem(f"{at}/{key}", _("'{name}' is not allowed here (misspelt?)").format(name=key))
                for key in sorted(set(retention) - {"closed_content"})]
    if "closed_content" in retention:
        value = retention["closed_content"]
        try:
            period = parse_duration(value) if isinstance(value, str) else None
        except ValueError:
            period = None
        if period is None or period <= timedelta(0):
            problems.append(Problem(f"{at}/closed_content",
                                    _("must be a positive ISO 8601 duration such as P2Y or P18M")))
    return problems


@dataclass
class RetentionReport:
    """What a retention run did (or, with ``dry_run``, would do)."""

    now: datetime
    dry_run: bool
    due: list[int] = field(default_factory=list)
    """Relationships whose content is due for removal, in id order."""
    purged: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    """Relationships whose purge failed (rolled back; tried again next run), with the reason."""

    def as_dict(self) -> dict[str, Any]:
        return {"now": self.now.isoformat(), "dry_run": self.dry_run, "due": self.due, "purged": self.purged,
                "errors": {str(k): v for k, v in self.errors.items()}}


def due_relationships(engine: Engine, now: datetime) -> list[int]:
    """Closed relationships whose programme's retention period has passed since they closed, not yet purged."""
    purged_since_closing = exists().where(A.c.relationship_id == R.c.id, A.c.transition == PURGE_TRANSITION,
                                          A.c.engine_event.is_(True), A.c.at >= R.c.closed_at)
    due: list[int] = []
    with engine.read() as conn:
        programmes = conn.execute(select(P.c.id, P.c.key).order_by(P.c.id)).all()
    for programme_id, key in programmes:
        try:
            _version, workflow = engine.current_workflow(key)
        except UserError:
            continue  # a programme without a published workflow has no relationships either
        period = retention_period(workflow.programme.get("settings"))
        if period is None:
            continue
        with engine.read() as conn:
            due += conn.execute(select(R.c.id).where(
                R.c.programme_id == programme_id, R.c.closed_at.is_not(None), R.c.closed_at <= now - period,
                ~purged_since_closing).order_by(R.c.id)).scalars().all()
    return sorted(due)


def purge_relationship(engine: Engine, relationship_id: int, now: datetime | None = None) -> bool:
    """Remove one closed relationship's content now; False when it is no longer closed (reopened meanwhile).

    One transaction: the audit events' free text, every plugin's rows
    (``mentorflow_purge_relationship_content``) and the ``retention_purge``
    event that records it, written with the relationship's version check.
    """
    now = now or engine.clock.now()
    with engine.write() as conn:
        snap = read_relationship(conn, relationship_id, lock=True)
        if snap.closed_at is None:
            return False
        for event_id, data in conn.execute(select(A.c.id, A.c.data).where(
                A.c.relationship_id == relationship_id, A.c.data.is_not(None))).all():
            scrubbed = scrub(data)
            if scrubbed != data:
                conn.execute(update(A).where(A.c.id == event_id).values(data=scrubbed))
        engine.pm.hook.mentorflow_purge_relationship_content(relationship_id=relationship_id, connection=conn)
        version = snap.version + 1
        done = conn.execute(update(R).where(R.c.id == relationship_id, R.c.version == snap.version)
                            .values(version=version, updated_at=now)).rowcount
        if done != 1:  # pragma: no cover - the row lock (PostgreSQL) or the write lock (SQLite) prevents it
            raise UserError(_("Relationship {id} changed during the purge; it is tried again next time.").format(
                id=relationship_id))
        conn.execute(insert(A).values(relationship_id=relationship_id, seq=version, at=now,
                                      actor_id=SYSTEM.person_id, actor_role="system", transition=PURGE_TRANSITION,
                                      from_state=snap.state, to_state=snap.state, data=None, engine_event=True))
    return True


def run_retention(engine: Engine, now: datetime | None = None, *, dry_run: bool = False) -> RetentionReport:
    """Purge every relationship that is due (see the module's description); with ``dry_run`` only list them."""
    now = now or engine.clock.now()
    report = RetentionReport(now=now, dry_run=dry_run, due=due_relationships(engine, now))
    if dry_run:
        return report
    for relationship_id in report.due:
        try:
            if purge_relationship(engine, relationship_id, now):
                report.purged.append(relationship_id)
        except Exception as error:  # one relationship's failure must not keep the others' content
            log.error("retention purge of relationship %s failed: %s", relationship_id, error)
            report.errors[relationship_id] = str(error)
    return report


def purged(engine: Engine, relationship_id: int) -> datetime | None:
    """When the relationship's content was last purged (None if never)."""
    with engine.read() as conn:
        at = conn.execute(select(A.c.at).where(and_(A.c.relationship_id == relationship_id,
                                                    A.c.transition == PURGE_TRANSITION,
                                                    A.c.engine_event.is_(True)))
                          .order_by(A.c.seq.desc()).limit(1)).scalar()
    return as_utc(at) if at is not None else None
