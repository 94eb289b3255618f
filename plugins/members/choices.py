"""Choices the members plugin's forms offer."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from mentorflow import ChoiceContext, choices_provider
from mentorflow.db.models import Person, ProgrammeRole
from mentorflow.i18n import localized

from . import settings
from .people import STAFF_ROLES

P = Person.__table__
PR = ProgrammeRole.__table__


@choices_provider("members.candidates", description="People enrolled in the programme who may join, for coordinators.")
def candidates(ctx: ChoiceContext) -> Iterable[tuple[int, str]]:
    """Everyone enrolled in the programme in a member role of its format who is not a member; coordinators only."""
    if ctx.role not in STAFF_ROLES:
        return []
    rel = ctx.relationship
    rows = ctx.connection.execute(
        select(P.c.id, P.c.display_name).join(PR, PR.c.person_id == P.c.id)
        .where(PR.c.programme_id == rel.programme_id, PR.c.role.in_(ctx.workflow.format.member_roles),
               P.c.id.not_in(list(rel.member_ids) or [0])).distinct().order_by(P.c.display_name, P.c.id))
    return [(row.id, row.display_name) for row in rows]


@choices_provider("members.current", description="The relationship's current members (a member: only themselves).")
def current(ctx: ChoiceContext) -> Iterable[tuple[int, str]]:
    """Coordinators choose any current member; a member may only take themselves off."""
    rel = ctx.relationship
    ids = list(rel.member_ids) if ctx.role in STAFF_ROLES else [p for p in rel.member_ids if p == ctx.actor.person_id]
    if not ids:
        return []
    names = dict(ctx.connection.execute(select(P.c.id, P.c.display_name).where(P.c.id.in_(ids))).all())
    return [(pid, names.get(pid, "")) for pid in ids]


@choices_provider("members.leave_reasons", description="The programme's no-fault reasons for leaving a group.")
def leave_reasons(ctx: ChoiceContext) -> Iterable[tuple[str, str]]:
    """``settings.members.leave_reasons`` (or the defaults), labelled in the current language."""
    return [(rid, localized(label)) for rid, label in settings.leave_reasons(ctx.workflow.programme).items()]
