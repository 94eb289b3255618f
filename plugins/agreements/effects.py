"""The effects ``agreements.propose``, ``agreements.amend`` and ``agreements.sign``.

They run inside the transition's transaction; raising a
:class:`~mentorflow.UserError` rolls the whole transition back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from mentorflow import EffectContext, FormInvalid, Problem, TransitionError, TransitionEvent, effect
from mentorflow.i18n import _

from .store import AMEND, PROPOSE, SIGN, SIGNING_ROLES, S, V, current_version, signer_ids


def _form_name(event: TransitionEvent) -> str:
    return event.transition.form or event.transition.id


def _new_version(event: TransitionEvent, conn: Connection, kind: str) -> None:
    """Store the submitted terms as the next version (signatures of earlier versions stay untouched)."""
    terms = dict(event.data)
    if not terms:
        raise FormInvalid(_form_name(event), [Problem("", _("the agreement needs its terms"))])
    current = current_version(conn, event.before.id)
    if current is not None and dict(current.terms) == terms:
        # A version identical to the current one would only throw away the signatures it has.
        raise FormInvalid(_form_name(event), [Problem("", _(
            "these terms are the same as version {n} of the agreement; change something first").format(
                n=current.version))])
    latest = conn.execute(select(func.max(V.c.version)).where(V.c.relationship_id == event.before.id)).scalar()
    conn.execute(insert(V).values(
        relationship_id=event.before.id, version=(latest or 0) + 1, kind=kind, terms=terms,
        proposed_by=event.actor.person_id, proposed_role=event.role, proposed_at=event.at, audit_id=event.audit_id))


@effect(PROPOSE, description="Store the submitted agreement terms as a new version that both sides must sign.")
def propose(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Store the form data as the relationship's next agreement version."""
    event, conn = ctx.event, ctx.connection
    _new_version(event, conn, "proposal")


@effect(AMEND, description="Store changed agreement terms as a new version; both sides must sign it again.")
def amend(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Like ``agreements.propose``, but there must already be an agreement to amend."""
    event, conn = ctx.event, ctx.connection
    if current_version(conn, event.before.id) is None:
        raise TransitionError(_("There is no agreement to amend yet; propose one first."))
    _new_version(event, conn, "amendment")


@effect(SIGN, description="Record the actor's signature on the current agreement version.")
def sign(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Sign the current version; signing twice, or with no agreement proposed, is refused.

    When the form carries ``version`` (the version the person read), it
    must still be the current one, so nobody signs terms they have not seen.
    """
    event, conn = ctx.event, ctx.connection
    signer = event.actor.person_id
    if signer is None or event.role not in SIGNING_ROLES:
        # The workflow check keeps other roles off signing transitions; this guards hand-made workflows.
        raise TransitionError(_("Only a member of the relationship can sign the agreement."))
    current = current_version(conn, event.before.id)
    if current is None:
        raise TransitionError(_("There is no agreement to sign yet: it has to be proposed first."))
    read = event.data.get("version")
    if read is not None and read != current.version:
        raise FormInvalid(_form_name(event), [Problem("/version", _(
            "version {read} is no longer the current agreement (version {n} is); read it before signing").format(
                read=read, n=current.version))])
    if signer in signer_ids(conn, current.id):
        raise TransitionError(_("You have already signed version {n} of the agreement.").format(n=current.version))
    comment = event.data.get("comment")
    conn.execute(insert(S).values(
        version_id=current.id, signer_id=signer, role=event.role, signed_at=event.at,
        comment=comment if isinstance(comment, str) and comment.strip() else None, audit_id=event.audit_id))
