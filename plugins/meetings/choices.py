"""``meetings.logged``: the meetings a form may name (the rating form's ``meeting_id``); ``meetings.members``:
the members a group meeting's attendance may name.

Every meeting of the relationship, newest first, labelled by date, format and length; a meeting this
person has already rated says so (they may still add private notes to it). Only the mentor and the
mentee rate meetings, so nobody else is offered any.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, select

from mentorflow import ChoiceContext, choices_provider
from mentorflow.i18n import _, format_date
from mentorflow.snapshots import MEMBER_ROLES

from .effects import F, M


def format_word(value: str) -> str:
    """The translated word for a meeting format."""
    return {"in_person": _("in person"), "video": _("video"), "phone": _("phone"),
            "chat": _("chat")}.get(value, value.replace("_", " "))


@choices_provider("meetings.logged", description="The relationship's meetings, newest first, for its "
                                                 "members.")
def logged(ctx: ChoiceContext) -> Iterable[tuple[int, str]]:
    """Meetings of the relationship, labelled by date, format and length."""
    if ctx.role not in MEMBER_ROLES or ctx.actor.person_id is None:
        return []
    rows = ctx.connection.execute(
        select(M.c.id, M.c.held_on, M.c.format, M.c.duration_minutes, F.c.rating)
        .select_from(M.outerjoin(F, and_(F.c.meeting_id == M.c.id, F.c.author_id == ctx.actor.person_id)))
        .where(M.c.relationship_id == ctx.relationship.id).order_by(M.c.held_on.desc(), M.c.id.desc()))
    out = []
    for row in rows:
        label = _("{date} · {format} · {minutes} min").format(
            date=format_date(row.held_on), format=format_word(row.format), minutes=row.duration_minutes)
        out.append((row.id, _("{meeting} (you rated it)").format(meeting=label) if row.rating is not None
                    else label))
    return out


@choices_provider("meetings.members", description="The relationship's current members, for a group meeting's "
                                                  "attendance.")
def members(ctx: ChoiceContext) -> Iterable[tuple[int, str]]:
    """Every current member, in the order they joined, labelled by name and role; nobody else may be marked."""
    if ctx.role not in MEMBER_ROLES or ctx.actor.person_id is None:
        return []
    names = ctx.engine.display_names(list(ctx.relationship.member_ids))
    return [(m.person_id, _("{name} ({role})").format(name=names.get(m.person_id, "—"),
                                                      role=ctx.workflow.role_label(m.role)))
            for m in ctx.relationship.members]


CHOICES = [logged, members]
