"""Mirroring mentor assignments into Moodle: the mentor gets Moodle's user-context Mentor role over the mentee.

With ``settings.moodle.mentor_role`` on, every relationship start with a
mentor, every mentor change and (with ``unassign_on_close``) every
closure queues an assignment or unassignment for each configured site
whose ``mentor_role_id`` is set. Queueing happens inside the engine's
transaction (so a change and its mirror commit together); the calls to
Moodle happen after the commit: right away for transitions, and for the
rest through :func:`process_pending` (``mentorflow moodle sync-mentors``,
or the Celery task in :mod:`.tasks`). People without a Moodle account on a
site are skipped there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from .client import MoodleError
from .models import RoleSync
from .settings import moodle_settings
from .sites import get_site, moodle_user_id, sites_on

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mentorflow.engine import Engine
    from mentorflow.snapshots import RelationshipSnapshot, TransitionEvent
    from mentorflow.workflow.model import Workflow

log = logging.getLogger("mentorflow.moodle")
Q = RoleSync.__table__
MAX_ATTEMPTS = 5


@dataclass
class SyncReport:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"done": self.done, "skipped": self.skipped, "failed": self.failed, "retrying": self.retrying}


def queue(conn: Connection, now: datetime, action: str, relationship_id: int | None, mentor_id: int,
          mentee_id: int) -> int:
    """Queue ``assign`` or ``unassign`` on every site that mirrors mentors; returns the rows queued."""
    count = 0
    for site in sites_on(conn):
        if site.mentor_role_id is None:
            continue
        conn.execute(insert(Q).values(site_id=site.id, action=action, relationship_id=relationship_id,
                                      mentor_id=mentor_id, mentee_id=mentee_id, status="pending", attempts=0,
                                      created_at=now))
        count += 1
    return count


def on_start(relationship: RelationshipSnapshot, workflow: Workflow, conn: Connection) -> None:
    """Queue the new mentor's role (inside the creating transaction; the start hook is given no engine)."""
    # Moodle's mentor role is a pair's: one mentor over one mentee (a group has no single mentee to assign).
    if relationship.mentor_id is not None and relationship.mentee_id is not None and \
            moodle_settings(workflow)["mentor_role"]:
        queue(conn, relationship.started_at, "assign", relationship.id, relationship.mentor_id,
              relationship.mentee_id)


def on_transition(engine: Engine, event: TransitionEvent) -> None:
    """Queue and send what a committed transition changes about who mentors whom."""
    settings = moodle_settings(event.workflow)
    after, before = event.after, event.before
    if after is None or not settings["mentor_role"] or after.mentee_id is None or before.mentee_id is None:
        return  # no pair (a group): Moodle's mentor role assigns one mentor over one mentee
    changes: list[tuple[str, int, int]] = []
    mentee_before, mentee_after = before.mentee_id, after.mentee_id
    if before.mentor_id != after.mentor_id:
        if before.mentor_id is not None:
            changes.append(("unassign", before.mentor_id, mentee_before))
        if after.mentor_id is not None and not event.workflow.states[after.state].is_terminal:
            changes.append(("assign", after.mentor_id, mentee_after))
    closing = event.workflow.states[after.state].is_terminal and not event.workflow.states[before.state].is_terminal
    if closing and settings["unassign_on_close"] and after.mentor_id is not None and \
            before.mentor_id == after.mentor_id:
        changes.append(("unassign", after.mentor_id, mentee_after))
    reopened = event.workflow.states[before.state].is_terminal and not event.workflow.states[after.state].is_terminal
    if reopened and after.mentor_id is not None:
        changes.append(("assign", after.mentor_id, mentee_after))
    if changes:
        with engine.write() as conn:
            for action, mentor, mentee in changes:
                queue(conn, event.at, action, after.id, mentor, mentee)
    process_pending(engine, relationship_id=after.id)


def process_pending(engine: Engine, *, relationship_id: int | None = None, limit: int = 500) -> SyncReport:
    """Send queued assignments to Moodle, oldest first; failures are retried up to ``MAX_ATTEMPTS`` times."""
    query = select(Q).where(Q.c.status == "pending").order_by(Q.c.id).limit(limit)
    if relationship_id is not None:
        query = query.where(Q.c.relationship_id == relationship_id)
    with engine.read() as conn:
        rows = conn.execute(query).all()
    report = SyncReport()
    clients: dict[int, Any] = {}
    try:
        for row in rows:
            site = get_site(engine, row.site_id)
            with engine.read() as conn:
                mentor = moodle_user_id(conn, site, row.mentor_id)
                mentee = moodle_user_id(conn, site, row.mentee_id)
            status, error = "done", None
            if mentor is None or mentee is None or site.mentor_role_id is None:
                status = "skipped"
            else:
                client = clients.setdefault(site.id, site.client())
                item = {"roleid": site.mentor_role_id, "userid": mentor, "contextlevel": "user",
                        "instanceid": mentee}
                try:
                    (client.assign_roles if row.action == "assign" else client.unassign_roles)([item])
                except MoodleError as failure:
                    error = failure.message
                    status = "failed" if row.attempts + 1 >= MAX_ATTEMPTS else "pending"
                    log.warning("moodle %s of mentor %s over %s failed: %s", row.action, row.mentor_id,
                                row.mentee_id, error)
            with engine.write() as conn:
                conn.execute(update(Q).where(Q.c.id == row.id).values(
                    status=status, attempts=row.attempts + 1, last_error=error,
                    done_at=engine.clock.now() if status in ("done", "skipped") else None))
            report.done += status == "done"
            report.skipped += status == "skipped"
            report.failed += status == "failed"
            report.retrying += status == "pending"
    finally:
        for client in clients.values():
            client.close()
    return report


def queued(engine: Engine, status: str | None = None) -> list[dict[str, Any]]:
    query = select(Q).order_by(Q.c.id)
    if status:
        query = query.where(Q.c.status == status)
    with engine.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
