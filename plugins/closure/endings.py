"""No-fault early closure with a reason from the programme's list, and the closure conversation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from mentorflow import EffectContext, Problem, effect
from mentorflow.clock import as_utc
from mentorflow.i18n import _
from mentorflow.plugins.closure import settings
from mentorflow.plugins.closure.common import form_has_effect, form_invalid, text_or_none
from mentorflow.plugins.closure.models import Conversation, EarlyEnding
from mentorflow.workflow.model import Workflow

EE = EarlyEnding.__table__
CV = Conversation.__table__
END_EARLY, CONVERSATION = "closure.end_early", "closure.record_conversation"


@dataclass(frozen=True, slots=True)
class EarlyEndingRow:
    reason_id: str
    note: str | None
    actor_id: int | None
    actor_role: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ConversationRow:
    id: int
    held_on: date
    notes: str
    author_id: int | None
    author_role: str
    at: datetime


def reason_problems(programme: Mapping[str, Any], reason: Any) -> list[Problem]:
    """The reason must be one of the programme's neutral reasons: free text could blame someone."""
    known = settings.reasons(programme)
    if reason not in known:
        return [Problem("/reason", _("{value} is not one of the programme's closure reasons ({choices})").format(
            value=repr(reason) if isinstance(reason, str) else _("this"), choices=", ".join(known) or _("none")))]
    return []


def validate_reason_form(workflow: Workflow, form: str, data: Mapping[str, Any]) -> list[Problem]:
    """``mentorflow_validate_form``: forms of transitions ending a relationship early carry a listed reason."""
    # Asked of the workflow each time (a pass over its transitions), no module-level cache.
    return reason_problems(workflow.programme, data.get("reason")) if form_has_effect(workflow, form, END_EARLY) \
        else []


def _end_early(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Record why the relationship ends early (a reason id from the programme's list; no one is to blame)."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None and event.audit_id is not None
    problems = reason_problems(event.workflow.programme, event.data.get("reason"))
    if problems:
        raise form_invalid(event, problems)
    conn.execute(insert(EE).values(relationship_id=snap.id, reason_id=event.data["reason"],
                                   note=text_or_none(event.data.get("note")), actor_id=event.actor.person_id,
                                   actor_role=event.role, at=event.at, audit_id=event.audit_id))


def early_ending(conn: Connection, relationship_id: int) -> EarlyEndingRow | None:
    """The latest early ending (a reopened and again ended relationship keeps only the last one relevant)."""
    row = conn.execute(select(EE).where(EE.c.relationship_id == relationship_id).order_by(EE.c.id.desc())
                       .limit(1)).first()
    return EarlyEndingRow(row.reason_id, row.note, row.actor_id, row.actor_role, as_utc(row.at)) if row else None


def _conversation(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Record the closure conversation: the day it was held (default: today) and notes shared with the pair."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None and event.audit_id is not None
    problems = []
    held_on: date | None = event.at.date()  # a form without the date records a conversation held today
    if "held_on" in event.data:
        try:
            held_on = date.fromisoformat(event.data["held_on"])
        except (TypeError, ValueError):
            held_on = None
            problems.append(Problem("/held_on", _("must be a date such as 2026-06-30")))
    if held_on is not None and held_on > event.at.date():
        problems.append(Problem("/held_on", _("cannot be in the future")))
    elif held_on is not None and held_on < snap.started_at.date():
        problems.append(Problem("/held_on", _("is before the relationship started")))
    notes = text_or_none(event.data.get("notes"))
    if notes is None:
        problems.append(Problem("/notes", _("must not be empty")))
    if problems:
        raise form_invalid(event, problems)
    conn.execute(insert(CV).values(relationship_id=snap.id, held_on=held_on, notes=notes,
                                   author_id=event.actor.person_id, author_role=event.role, at=event.at,
                                   audit_id=event.audit_id))


def conversations(conn: Connection, relationship_id: int) -> list[ConversationRow]:
    rows = conn.execute(select(CV).where(CV.c.relationship_id == relationship_id).order_by(CV.c.id))
    return [ConversationRow(r.id, r.held_on, r.notes, r.author_id, r.author_role, as_utc(r.at)) for r in rows]


end_early = effect(END_EARLY)(_end_early)
record_conversation = effect(CONVERSATION)(_conversation)
