"""Planned closure and extensions: the planned end date, requests to move it and the coordinator's decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from mentorflow import EffectContext, GuardContext, Problem, RelationshipSnapshot, TransitionEvent, effect, guard
from mentorflow.clock import as_utc
from mentorflow.durations import parse_duration
from mentorflow.errors import TransitionError
from mentorflow.i18n import _
from mentorflow.plugins.closure.common import day, form_invalid, leaves_with_effect, text_or_none
from mentorflow.plugins.closure.models import Extension
from mentorflow.workflow.model import PAUSED, Workflow

X = Extension.__table__
PENDING, APPROVED, DECLINED, LAPSED = "pending", "approved", "declined", "lapsed"
REQUEST, DECIDE = "closure.request_extension", "closure.decide_extension"


@dataclass(frozen=True, slots=True)
class ExtensionRow:
    id: int
    relationship_id: int
    requested_by: int
    requested_role: str
    requested_at: datetime
    reason: str
    period: str | None
    end_date: date | None
    previous_end: datetime | None
    new_end: datetime
    status: str
    decided_by: int | None
    decided_role: str | None
    decided_at: datetime | None
    decision_note: str | None


def _row(r: Any) -> ExtensionRow:
    return ExtensionRow(r.id, r.relationship_id, r.requested_by, r.requested_role, as_utc(r.requested_at), r.reason,
                        r.period, r.end_date, as_utc(r.previous_end) if r.previous_end else None, as_utc(r.new_end),
                        r.status, r.decided_by, r.decided_role, as_utc(r.decided_at) if r.decided_at else None,
                        r.decision_note)


def extensions(conn: Connection, relationship_id: int) -> list[ExtensionRow]:
    return [_row(r) for r in conn.execute(select(X).where(X.c.relationship_id == relationship_id).order_by(X.c.id))]


def pending_extension(conn: Connection, relationship_id: int) -> ExtensionRow | None:
    row = conn.execute(select(X).where(X.c.pending_for == relationship_id)).first()
    return _row(row) if row is not None else None


def planned_end_on(conn: Connection, snap: RelationshipSnapshot, workflow: Workflow) -> datetime | None:
    """The latest approved extension's end, else the start plus the programme's duration (None: open-ended)."""
    approved = conn.execute(select(X.c.new_end).where(X.c.relationship_id == snap.id, X.c.status == APPROVED)
                            .order_by(X.c.decided_at.desc(), X.c.id.desc()).limit(1)).scalar()
    if approved is not None:
        return as_utc(approved)
    duration = workflow.duration
    return snap.started_at + duration if duration is not None else None


def _requested_end(event: TransitionEvent, current: datetime | None) -> tuple[datetime | None, list[Problem]]:
    data = event.data
    has_date, has_period = data.get("new_end_date") is not None, data.get("period") is not None
    if has_date == has_period:
        where = "/period" if has_period else "/new_end_date"
        return None, [Problem(where, _("give either a new end date or a period to extend by, not both")
                              if has_date else _("give a new end date or a period to extend by"))]
    if has_period:
        try:
            period = parse_duration(data["period"]) if isinstance(data["period"], str) else None
        except ValueError:
            period = None
        if period is None or period <= timedelta(0):
            return None, [Problem("/period", _("must be an ISO 8601 period such as P1M or P6W"))]
        if current is None:
            return None, [Problem("/period", _("the programme sets no planned end to extend; give a new end date"))]
        return current + period, []
    try:
        wanted = date.fromisoformat(data["new_end_date"])
    except (TypeError, ValueError):
        return None, [Problem("/new_end_date", _("must be a date such as 2026-09-30"))]
    new_end = datetime(wanted.year, wanted.month, wanted.day, tzinfo=UTC)
    if current is not None and new_end <= current:
        return None, [Problem("/new_end_date", _("must be after the planned end, {date}").format(date=day(current)))]
    return new_end, []


def _request(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Record a request to move the planned end (a new date or a period added to it), for the coordinator."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None and event.audit_id is not None
    pending = pending_extension(conn, snap.id)
    if pending is not None:
        raise TransitionError(_("An extension requested on {date} is still waiting for the coordinator's "
                                "decision.").format(date=day(pending.requested_at)))
    current = planned_end_on(conn, snap, event.workflow)
    new_end, problems = _requested_end(event, current)
    if new_end is not None and new_end <= event.at:
        problems.append(Problem("/new_end_date" if event.data.get("new_end_date") else "/period",
                                _("the new end must lie in the future")))
    reason = text_or_none(event.data.get("reason"))
    if reason is None:
        problems.append(Problem("/reason", _("say why the relationship needs more time")))
    if problems:
        raise form_invalid(event, problems)
    assert new_end is not None and reason is not None
    end_date = event.data.get("new_end_date")
    conn.execute(insert(X).values(
        relationship_id=snap.id, requested_by=event.actor.person_id, requested_role=event.role,
        requested_at=event.at, request_audit_id=event.audit_id, reason=reason, period=event.data.get("period"),
        end_date=date.fromisoformat(end_date) if end_date else None, previous_end=current, new_end=new_end,
        status=PENDING, pending_for=snap.id))


def _close(conn: Connection, extension_id: int, status: str, event: TransitionEvent, note: str | None) -> None:
    conn.execute(update(X).where(X.c.id == extension_id).values(
        status=status, pending_for=None, decided_by=event.actor.person_id, decided_role=event.role,
        decided_at=event.at, decision_audit_id=event.audit_id, decision_note=note))


def _decide(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Approve (the planned end moves) or decline the pending extension request."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None
    pending = pending_extension(conn, snap.id)
    if pending is None:
        raise TransitionError(_("There is no extension request waiting for a decision."))
    approve = params["decision"] == "approve"
    if approve and pending.new_end <= event.at:
        raise TransitionError(_("The requested end, {date}, has already passed; decline the request and ask for a "
                                "new one.").format(date=day(pending.new_end)))
    _close(conn, pending.id, APPROVED if approve else DECLINED, event, text_or_none(event.data.get("note")))


def _already_requested(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """A request is already waiting: a second one would be refused (shown as not possible, with the reason)."""
    pending = pending_extension(ctx.connection, ctx.relationship.id)
    if pending is None:
        return None
    return _("an extension requested on {date} is still waiting for the coordinator's decision").format(
        date=day(pending.requested_at))


def _nothing_to_decide(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """No request is waiting: approve and decline are offered only when there is one to decide."""
    if pending_extension(ctx.connection, ctx.relationship.id) is None:
        return _("no extension has been requested")
    return None


request_extension = effect(REQUEST, precondition=_already_requested)(_request)
decide_extension = effect(DECIDE, precondition=_nothing_to_decide, params={
    "type": "object", "required": ["decision"], "additionalProperties": False,
    "properties": {"decision": {"enum": ["approve", "decline"]}},
})(_decide)


@guard("closure.planned_end_reached", params={
    "type": "object", "additionalProperties": False,
    "properties": {"roles": {"type": "array", "minItems": 1, "uniqueItems": True,
                             "items": {"enum": ["mentor", "mentee", "coordinator", "system"]},
                             "default": ["system"]}},
})
def planned_end_reached(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """For the listed roles (default: the system's timer) the planned end, moved by extensions, has come."""
    if ctx.role not in params.get("roles", ["system"]):
        return None
    end = planned_end_on(ctx.connection, ctx.relationship, ctx.workflow)
    if end is not None and ctx.now < end:
        return _("the planned end of the relationship is {date}").format(date=day(end))
    return None


def lapse_undecidable(event: TransitionEvent, conn: Connection) -> None:
    """A pending request lapses when the relationship moves where no coordinator can decide it (closing)."""
    after, workflow = event.after, event.workflow
    if after is None or after.state == event.before.state or workflow.states[after.state].kind == PAUSED:
        return
    if leaves_with_effect(workflow, after.state, DECIDE):
        return
    if (pending := pending_extension(conn, after.id)) is not None:
        _close(conn, pending.id, LAPSED, event, None)
