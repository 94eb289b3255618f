"""The effects that change who is on a relationship, inside the transition that is audited for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from mentorflow import EffectContext, FormInvalid, Problem, UserError, effect, members, policy
from mentorflow.db.models import ProgrammeRole
from mentorflow.i18n import _

from .people import STAFF_ROLES, leaver

PR = ProgrammeRole.__table__


def _invalid(ctx: EffectContext, pointer: str, message: str) -> FormInvalid:
    event = ctx.event
    return FormInvalid(event.transition.form or event.transition.id, [Problem(pointer, message)])


@effect("members.join", description="A coordinator adds a person enrolled in the programme, while the role has room.")
def join(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Add ``person_id`` in ``role`` (form data; ``params.role`` fixes the role). Bounds: the engine's."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None
    if event.role not in STAFF_ROLES:
        raise _invalid(ctx, "", _("only a coordinator adds members"))
    person, role = event.data.get("person_id"), params.get("role") or event.data.get("role")
    if not isinstance(person, int) or isinstance(person, bool):
        raise _invalid(ctx, "/person_id", _("must be the id of a person"))
    if role not in event.workflow.format.member_roles:
        raise _invalid(ctx, "/role", _("this programme's format has no member in the role '{role}'").format(
            role=role))
    if not policy.may_pair(conn, snap.programme_id, event.actor, person) or conn.execute(
            select(PR.c.id).where(PR.c.programme_id == snap.programme_id, PR.c.person_id == person,
                                  PR.c.role == role)).first() is None:
        raise _invalid(ctx, "/person_id", _("person {id} is not enrolled in this programme as {role}").format(
            id=person, role=event.workflow.role_label(role).lower()))
    try:
        event.after = members.join(conn, snap, event.workflow.format, person, role, event.at, snap.version)
    except UserError as error:
        raise _invalid(ctx, "/person_id", str(error)) from None


@effect("members.leave", description="A member leaves (kept with the date and a no-fault reason).")
def leave(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """End the membership of the member acting, or of ``person_id`` when a coordinator acts."""
    event, conn = ctx.event, ctx.connection
    snap = event.after
    assert snap is not None
    person = leaver(event.actor, event.role, event.data)
    if person is None:
        raise _invalid(ctx, "/person_id", _("name the member who leaves"))
    if event.role not in STAFF_ROLES and event.data.get("person_id") not in (None, person):
        raise _invalid(ctx, "/person_id", _("a member can only take themselves off the relationship"))
    if person not in snap.member_ids:
        raise _invalid(ctx, "/person_id", _("person {id} is not a member of this relationship").format(id=person))
    reason = event.data.get("reason")
    event.after = members.leave(conn, snap, person, event.at, snap.version, reason if isinstance(reason, str) else None)
