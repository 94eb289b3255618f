"""The effects ``reflections.record`` and ``reflections.pulse``: rows written inside the transition's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from mentorflow import EffectContext, FormInvalid, Problem, TransitionError, TransitionEvent, effect
from mentorflow.i18n import _, format_date
from mentorflow.policy import form_visibility

from . import queries, schedule
from .models import PulseAnswer, Reflection
from .pulse import PULSE_EFFECT, schedule_from_settings
from .schedule import RECORD_EFFECT

E = Reflection.__table__
P = PulseAnswer.__table__


def _author(event: TransitionEvent) -> int:
    if event.actor.person_id is None or event.role not in schedule.DUTY_ROLES:
        # The workflow check keeps other roles off these transitions; this guards hand-made workflows.
        raise TransitionError(_("Only the mentor or the mentee can write this."))
    return event.actor.person_id


def _score(data: Mapping[str, Any], name: str) -> int | None:
    value = data.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@effect(RECORD_EFFECT, description="Store the submitted reflection (pair-visible, or author-only on a private form).")
def record(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Store a reflection row with its duty's due time, so regularity can be measured later."""
    event, conn = ctx.event, ctx.connection
    author = _author(event)
    snap = event.before
    form = event.workflow.forms.get(event.transition.form or "")
    visibility = form_visibility(form)
    assert event.after is not None
    due_at = None
    timer = schedule.timer_for(event.workflow, event.transition.id, snap.state, event.role)
    if timer is not None:
        # Facts as they were before this very transition (its audit row is already written).
        since = queries.active_since(conn, snap.id, timer, before_seq=event.after.version) or snap.state_entered_at
        last = queries.last_done(conn, snap.id, timer, before_seq=event.after.version)
        due_at = schedule.duty(timer, event.role, since, last.get(event.role), event.at).due_at
    earlier = conn.execute(select(func.count()).select_from(E).where(
        E.c.relationship_id == snap.id, E.c.role == event.role)).scalar_one()
    conn.execute(insert(E).values(
        relationship_id=snap.id, audit_id=event.audit_id, author_id=author, role=event.role,
        submitted_at=event.at, period_index=earlier + 1, due_at=due_at, visibility=visibility.value,
        content=dict(event.data), trust=_score(event.data, "trust"), engagement=_score(event.data, "engagement"),
        health=_score(event.data, "health")))


@effect(PULSE_EFFECT, description="Store a pulse-survey answer; one per person and period.")
def answer_pulse(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Store the answer for the period open now; a second answer in the same period is refused."""
    event, conn = ctx.event, ctx.connection
    author = _author(event)
    snap = event.before
    pulse = schedule_from_settings(event.workflow.programme.get("settings"))
    if event.role not in pulse.who:
        raise TransitionError(_("The pulse survey of this programme is not for the {role}.").format(
            role=event.workflow.role_label(event.role)))
    period = pulse.period_at(snap.started_at, event.at)
    if period is None:
        raise TransitionError(_("The first pulse survey opens on {date}.").format(
            date=format_date(pulse.opens_at(snap.started_at, 0))))
    next_opens = format_date(pulse.opens_at(snap.started_at, period + 1))
    already = _("You have already answered this period's pulse survey; the next one opens on {date}.").format(
        date=next_opens)
    exists = conn.execute(select(P.c.id).where(P.c.relationship_id == snap.id, P.c.author_id == author,
                                               P.c.period_index == period)).first()
    if exists is not None:
        raise TransitionError(already)
    satisfaction = _score(event.data, "satisfaction")
    if satisfaction is None or not 1 <= satisfaction <= 5:
        raise FormInvalid(event.transition.form or event.transition.id, [
            Problem("/satisfaction", _("must be a whole number from 1 to 5"))])
    comment = event.data.get("comment")
    try:
        with conn.begin_nested():
            conn.execute(insert(P).values(
                relationship_id=snap.id, audit_id=event.audit_id, author_id=author, role=event.role,
                period_index=period, submitted_at=event.at, satisfaction=satisfaction,
                comment=comment if isinstance(comment, str) and comment.strip() else None))
    except IntegrityError:
        # A concurrent answer won the unique (relationship, author, period) slot.
        raise TransitionError(already) from None
