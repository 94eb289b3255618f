"""Reopening a closed relationship within the programme's window."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import update

from mentorflow import EffectContext, GuardContext, RelationshipSnapshot, effect, guard
from mentorflow.durations import humanize_duration
from mentorflow.errors import TransitionError
from mentorflow.i18n import _
from mentorflow.plugins.closure import settings
from mentorflow.plugins.closure.common import day
from mentorflow.plugins.closure.rematch import WAITING, WITHDRAWN, Q
from mentorflow.workflow.model import Workflow

REOPEN = "closure.reopen"


def reopen_until(snap: RelationshipSnapshot, workflow: Workflow) -> datetime | None:
    """Until when a closed relationship may be reopened (None: not closed, or the programme allows no reopening)."""
    window = settings.reopen_window(workflow.programme)
    if window is None or snap.closed_at is None or not workflow.states[snap.state].is_terminal:
        return None
    return snap.closed_at + window


@guard("closure.within_reopen_window")
def within_reopen_window(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """The relationship closed no longer ago than ``programme.settings.closure.reopen_window``."""
    window = settings.reopen_window(ctx.workflow.programme)
    if window is None:
        return _("the programme does not allow reopening closed relationships")
    until = reopen_until(ctx.relationship, ctx.workflow)
    if until is None:
        return _("the relationship is not closed")
    if ctx.now > until:
        return _("a relationship can be reopened within {window} of closing; this one closed on {date}").format(
            window=humanize_duration(window), date=day(ctx.relationship.closed_at))  # type: ignore[arg-type]
    return None


def _reopen(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Reopen a closed relationship: the mentee leaves the rematch queue (they are back with their mentor)."""
    event, conn = ctx.event, ctx.connection
    if not event.workflow.states[event.before.state].is_terminal:
        raise TransitionError(_("Only a closed relationship can be reopened."))
    conn.execute(update(Q).where(Q.c.relationship_id == event.before.id, Q.c.status == WAITING)
                 .values(status=WITHDRAWN))


reopen = effect(REOPEN)(_reopen)
