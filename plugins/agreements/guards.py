"""The guards ``agreements.signed`` and ``agreements.awaiting_signature``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mentorflow import GuardContext, guard
from mentorflow.i18n import _

from .store import AWAITING_GUARD, SIGNED_GUARD, SIGNING_ROLES, current_version, missing_roles, signer_ids


@guard(SIGNED_GUARD, params={
    "type": "object", "additionalProperties": False,
    "properties": {
        "roles": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(SIGNING_ROLES)},
                  "description": "Who must have signed the current version (default: every member role of the "
                                 "programme's format; each holder of a role signs)."},
    },
})
def signed(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """Every holder of each listed role signed the current agreement version (an amendment needs new signatures)."""
    current = current_version(ctx.connection, ctx.relationship.id)
    if current is None:
        return _("no agreement has been proposed yet")
    missing = missing_roles(ctx.relationship, signer_ids(ctx.connection, current.id), params.get("roles"),
                            ctx.workflow.format.member_roles)
    if missing:
        return _("waiting for {who} to sign version {n} of the agreement").format(
            who=_(" and ").join(ctx.workflow.role_label(role) for role in missing), n=current.version)
    return None


@guard(AWAITING_GUARD)
def awaiting_signature(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """There is a current agreement version the actor has not signed yet (so 'sign' is offered only then)."""
    current = current_version(ctx.connection, ctx.relationship.id)
    if current is None:
        return _("there is no agreement to sign yet")
    if ctx.actor.person_id in signer_ids(ctx.connection, current.id):
        return _("you have already signed version {n} of the agreement").format(n=current.version)
    return None
