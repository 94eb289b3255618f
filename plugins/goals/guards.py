"""The guard ``goals.min_agreed``: enough goals agreed by both sides before the work moves on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mentorflow import GuardContext, guard
from mentorflow.i18n import ngettext

from .store import MIN_AGREED, agreed_counts


@guard(MIN_AGREED, params={
    "type": "object", "required": ["count"], "additionalProperties": False,
    "properties": {"count": {"type": "integer", "minimum": 1, "maximum": 100,
                             "description": "How many goals must be agreed by both sides."}},
})
def min_agreed(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """At least ``count`` goals (not dropped) must have been confirmed by the side that did not propose them."""
    needed = params["count"]
    agreed, waiting = agreed_counts(ctx.connection, ctx.relationship.id)
    if agreed >= needed:
        return None
    reason = ngettext("at least {n} goal must be agreed by both sides first ({agreed} so far)",
                      "at least {n} goals must be agreed by both sides first ({agreed} so far)",
                      needed).format(n=needed, agreed=agreed)
    if waiting:
        reason += "; " + ngettext("{waiting} goal is waiting for the other side to confirm it",
                                  "{waiting} goals are waiting for the other side to confirm them",
                                  waiting).format(waiting=waiting)
    return reason
