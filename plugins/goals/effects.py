"""The effects ``goals.add``, ``goals.agree``, ``goals.update_progress`` and ``goals.set_status``.

They run inside the transition's transaction: a problem with the data is a
:class:`~mentorflow.FormInvalid` located by a pointer, a goal in the wrong
status a :class:`~mentorflow.TransitionError`; either rolls everything back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from mentorflow import EffectContext, FormInvalid, Problem, TransitionError, TransitionEvent, effect
from mentorflow.actors import other_side
from mentorflow.i18n import _

from .store import (
    ADD,
    AGREE,
    CLOSING_STATUSES,
    NEW_STATUSES,
    OPEN_STATUSES,
    PAIR_ROLES,
    SET_STATUS,
    TEXT_FIELDS,
    UPDATE_PROGRESS,
    G,
    U,
    column_values,
    goal_of,
    status_word,
    text_of,
)

_NOT_DETAILS = frozenset(TEXT_FIELDS)


def _form(event: TransitionEvent) -> str:
    return event.transition.form or event.transition.id


def _note(data: Mapping[str, Any], name: str = "note") -> str | None:
    value = data.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _record(conn: Connection, event: TransitionEvent, goal_id: int, kind: str, **values: Any) -> None:
    conn.execute(insert(U).values(goal_id=goal_id, kind=kind, author_id=event.actor.person_id,
                                  author_role=event.role, at=event.at, audit_id=event.audit_id, **values))


def _open_goal(conn: Connection, event: TransitionEvent) -> Any:
    """The goal named by ``goal_id``; closed goals refuse every change."""
    goal = goal_of(conn, event.before.id, event.data.get("goal_id"), _form(event))
    if goal.status not in OPEN_STATUSES:
        raise TransitionError(_("Goal '{title}' is {status}; it can no longer be changed.").format(
            title=goal.title, status=status_word(goal.status)))
    return goal


@effect(ADD, description="Store the submitted goal (SMART fields, category, target date); the other side confirms it.")
def add(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """A new active goal proposed by the actor; it counts as agreed once the other side confirms it."""
    event, conn = ctx.event, ctx.connection
    form = _form(event)
    values = column_values(event.data, form)
    missing = [Problem(f"/{name}", _("'{name}' is required here but missing").format(name=name))
               for name in ("title", "category") if values.get(name) is None]
    if missing:
        raise FormInvalid(form, missing)
    details = {k: v for k, v in event.data.items() if k not in _NOT_DETAILS}
    conn.execute(insert(G).values(
        relationship_id=event.before.id, **{name: values.get(name) for name in TEXT_FIELDS},
        details=details or None, status="active", progress=0, proposed_by=event.actor.person_id,
        proposed_role=event.role, created_at=event.at, agreed_by=None, agreed_at=None, closed_at=None,
        updated_at=event.at, audit_id=event.audit_id))


@effect(AGREE, description="The other side confirms a goal; from then on it counts as agreed by both.")
def agree(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Confirm a goal the other side proposed (or revised)."""
    event, conn = ctx.event, ctx.connection
    goal = _open_goal(conn, event)
    if event.role not in PAIR_ROLES or event.actor.person_id is None:
        raise TransitionError(_("Only a member of the relationship can confirm a goal."))
    if goal.agreed_at is not None:
        raise TransitionError(_("Goal '{title}' has already been agreed.").format(title=goal.title))
    if event.role == goal.proposed_role:
        other = other_side(event.role)
        raise TransitionError(_("Goal '{title}' was proposed by the {role}; the {other} confirms it.").format(
            title=goal.title, role=event.workflow.role_label(event.role).lower(),
            other=event.workflow.role_label(other).lower()))
    conn.execute(update(G).where(G.c.id == goal.id).values(
        agreed_by=event.actor.person_id, agreed_at=event.at, updated_at=event.at))
    _record(conn, event, goal.id, "agreed", note=_note(event.data, "comment"))


@effect(UPDATE_PROGRESS, description="Record progress (0-100 %) on an open goal, with a note.")
def update_progress(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Append a progress update and make it the goal's current progress."""
    event, conn = ctx.event, ctx.connection
    goal = _open_goal(conn, event)
    percent = event.data.get("progress")
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise FormInvalid(_form(event), [Problem("/progress", _("must be a whole number from 0 to 100"))])
    conn.execute(update(G).where(G.c.id == goal.id).values(progress=percent, updated_at=event.at))
    _record(conn, event, goal.id, "progress", percent=percent, note=_note(event.data))


@effect(SET_STATUS, description="Mark a goal achieved or dropped, or revise its text (the old text is kept).")
def set_status(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Close a goal as achieved or dropped, or revise it.

    A revision replaces the text fields given in the form, keeps the old
    text in the update row, and needs the other side's confirmation again.
    """
    event, conn = ctx.event, ctx.connection
    form = _form(event)
    goal = _open_goal(conn, event)
    status = event.data.get("status")
    if status not in NEW_STATUSES:
        raise FormInvalid(form, [Problem("/status", _("{value} is not one of {choices}").format(
            value=status, choices=", ".join(NEW_STATUSES)))])
    changes = column_values(event.data, form)
    if status in CLOSING_STATUSES:
        if changes:
            name = next(iter(changes))
            raise FormInvalid(form, [Problem(f"/{name}", _(
                "only a revision changes the goal's text; leave this out or choose 'revised'"))])
        conn.execute(update(G).where(G.c.id == goal.id).values(status=status, closed_at=event.at,
                                                               updated_at=event.at))
        _record(conn, event, goal.id, "status", status=status, note=_note(event.data))
        return
    previous = text_of(goal)
    new = {name: value for name, value in changes.items() if value != getattr(goal, name)}
    if not new:
        raise FormInvalid(form, [Problem("", _("a revision needs new text for at least one of the goal's fields"))])
    conn.execute(update(G).where(G.c.id == goal.id).values(
        **new, status="revised", agreed_by=None, agreed_at=None, updated_at=event.at))
    _record(conn, event, goal.id, "status", status="revised", note=_note(event.data), previous=previous)
