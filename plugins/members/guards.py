"""Guards that tell a departure which leaves the group running from the one that empties it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mentorflow import GuardContext, guard
from mentorflow.i18n import _

from .people import GUIDED_ROLES, STAFF_ROLES, leaver


def _departure(ctx: GuardContext) -> tuple[int | None, str | None]:
    person = leaver(ctx.actor, ctx.role, ctx.data)
    roles = ctx.relationship.roles_of(person)
    return person, next(iter(roles), None)


@guard("members.others_remain", description="Someone else stays in the leaving member's role.")
def others_remain(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """The leaving member is not the last of their role (the last mentee or peer closes the group instead)."""
    person, role = _departure(ctx)
    if person is None:
        # A coordinator asking what they may do has not named anyone yet: the form decides.
        return None if ctx.role in STAFF_ROLES and ctx.data is None else _("name the member who leaves")
    if role is None:
        return _("person {id} is not a member of this relationship").format(id=person)
    if len(ctx.relationship.people(role)) <= 1:
        if role in GUIDED_ROLES:
            return _("the last {role} leaving ends the group: use “The last member leaves”").format(
                role=ctx.workflow.role_label(role).lower())
        return _("the only {role} cannot leave; a coordinator names a new one instead").format(
            role=ctx.workflow.role_label(role).lower())
    return None


@guard("members.last_to_leave", description="The leaving member is the last mentee or peer.")
def last_to_leave(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """The leaving member is the last of the roles the group exists for (mentees, peers): the group closes."""
    person, role = _departure(ctx)
    if person is None:
        return None if ctx.role in STAFF_ROLES and ctx.data is None else _("name the member who leaves")
    if role not in GUIDED_ROLES or len(ctx.relationship.people(role)) > 1:
        return _("others remain in the group: use “Leave the group”")
    return None
