"""The goals a form may name, for the shared forms' selects and for the check when a form is submitted.

``goals.to_confirm``
    open goals not agreed yet that the other side proposed (or revised): what this person may confirm.
``goals.open``
    goals being worked on (active or revised): what progress, a status or an adjustment may name.
``goals.not_dropped``
    every goal but the dropped ones: what a closure form reports attainment on.

Each lists the relationship's goals oldest first, labelled by title. A coordinator who may not read the
pair's content sees "Goal 7" instead of the title.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from mentorflow import ChoiceContext, choices_provider
from mentorflow.i18n import _
from mentorflow.policy import coordinator_sees_content

from .store import OPEN_STATUSES, PAIR_ROLES, G


def _goals(ctx: ChoiceContext, *where: Any) -> list[Any]:
    return list(ctx.connection.execute(select(G.c.id, G.c.title).where(
        G.c.relationship_id == ctx.relationship.id, *where).order_by(G.c.id)))


def _labelled(ctx: ChoiceContext, rows: list[Any]) -> list[tuple[int, str]]:
    titled = ctx.role in PAIR_ROLES or ctx.role == "system" or coordinator_sees_content(
        ctx.workflow.programme.get("settings"))
    return [(row.id, row.title if titled and row.title else _("Goal {id}").format(id=row.id)) for row in rows]


@choices_provider("goals.to_confirm", description="Open goals the other side proposed and this person may confirm.")
def to_confirm(ctx: ChoiceContext) -> Iterable[tuple[int, str]]:
    """Goals waiting for this person's confirmation."""
    if ctx.role not in PAIR_ROLES:
        return []
    return _labelled(ctx, _goals(ctx, G.c.status.in_(OPEN_STATUSES), G.c.agreed_at.is_(None),
                                 G.c.proposed_role != ctx.role))


@choices_provider("goals.open", description="Goals being worked on (active or revised).")
def open_goals(ctx: ChoiceContext) -> Iterable[tuple[int, str]]:
    """Active and revised goals."""
    return _labelled(ctx, _goals(ctx, G.c.status.in_(OPEN_STATUSES)))


@choices_provider("goals.not_dropped", description="Every goal of the relationship except the dropped ones.")
def not_dropped(ctx: ChoiceContext) -> Iterable[tuple[int, str]]:
    """Open, achieved and revised goals."""
    return _labelled(ctx, _goals(ctx, G.c.status != "dropped"))


CHOICES = [to_confirm, open_goals, not_dropped]
