"""Read-side questions about adjustments, answered as the privacy policy allows.

Proposals are ``pair`` content: the mentor and the mentee see them in
full, coordinators see that they exist, who proposed and when, and their
status history without reasons (unless the programme sets
``settings.privacy.coordinator_sees_content``). The effective cadence and
meeting format are programme information; agreement amendments are pair
content. Strangers get :class:`mentorflow.NotFound`, as for a relationship that does not exist
(:func:`mentorflow.policy.relationship_for`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from mentorflow import SYSTEM, Actor, Engine, Forbidden, RelationshipSnapshot, policy
from mentorflow.i18n import _
from mentorflow.plugins.adjustments import settings, store
from mentorflow.plugins.adjustments.items import GOAL_KINDS
from mentorflow.plugins.adjustments.store import AppliedChangeRow
from mentorflow.policy import Access, Viewer, Visibility
from mentorflow.workflow.model import Workflow

__all__ = ["AppliedChangeRow", "EffectiveSettings", "ProposalView", "StatusChange", "applied_changes",
           "changes_of_audit", "effective_settings", "goal_changes", "pending_proposal", "proposals"]


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One step of a proposal's history: ``proposed``, ``accepted``, ``rejected`` or ``lapsed``."""

    status: str
    at: datetime
    actor_id: int | None
    actor_role: str
    reason: str | None
    """Why it was declined (content: None where the viewer sees metadata only)."""


@dataclass(frozen=True, slots=True)
class ProposalView:
    id: int
    relationship_id: int
    status: str
    """``pending``, ``accepted``, ``rejected`` or ``lapsed`` (the relationship left where it could be answered)."""
    proposer_id: int
    proposer_role: str
    proposed_at: datetime
    item_count: int
    access: Access
    items: tuple[dict[str, Any], ...] | None
    """The proposed changes; None where the viewer sees metadata only."""
    rationale: str | None
    history: tuple[StatusChange, ...]


@dataclass(frozen=True, slots=True)
class AgreementAmendment:
    text: str
    applied_at: datetime
    proposal_id: int


@dataclass(frozen=True, slots=True)
class EffectiveSettings:
    """A relationship's settings: the programme's, with accepted adjustments on top."""

    relationship_id: int
    cadence: str | None
    """An ISO 8601 period such as P14D (None when the programme sets none)."""
    meeting_format: str | None
    """``in_person``, ``video``, ``phone`` or ``chat`` (None when nobody chose one)."""
    overridden: frozenset[str]
    """Which of ``cadence`` and ``meeting_format`` come from an accepted adjustment."""
    agreement_amendments: tuple[AgreementAmendment, ...] | None
    """Accepted amendments of the agreement, oldest first; None where the viewer sees metadata only."""


@contextmanager
def _reading(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int | None
             ) -> Iterator[tuple[Connection, RelationshipSnapshot, Viewer, Workflow]]:
    with engine.read() as conn:
        snap, who = policy.relationship_for(conn, SYSTEM if viewer is None else viewer, relationship)
        yield conn, snap, who, engine.workflow_by_version(snap.workflow_version_id, conn)


def _view(row: store.ProposalRow, history: list[store.EventRow], who: Viewer, programme_settings: Any
          ) -> ProposalView:
    level = policy.access(who, Visibility.PAIR, row.proposer_id, programme_settings)
    full = level is Access.FULL
    return ProposalView(
        id=row.id, relationship_id=row.relationship_id, status=row.status, proposer_id=row.proposer_id,
        proposer_role=row.proposer_role, proposed_at=row.proposed_at, item_count=len(row.items), access=level,
        items=tuple(dict(i) for i in row.items) if full else None, rationale=row.rationale if full else None,
        history=tuple(StatusChange(e.status, e.at, e.actor_id, e.actor_role, e.reason if full else None)
                      for e in history))


def proposals(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int) -> list[ProposalView]:
    """Every adjustment proposal of the relationship, oldest first, with its status history."""
    with _reading(engine, relationship, viewer) as (conn, snap, who, workflow):
        rows = store.proposals(conn, snap.id)
        events = store.events(conn, [r.id for r in rows])
    programme_settings = workflow.programme.get("settings")
    return [_view(r, [e for e in events if e.proposal_id == r.id], who, programme_settings) for r in rows]


def pending_proposal(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int
                     ) -> ProposalView | None:
    """The proposal waiting for an answer, if any."""
    return next((p for p in proposals(engine, relationship, viewer) if p.status == store.PENDING), None)


def effective_settings(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int | None = None
                       ) -> EffectiveSettings:
    """The cadence and meeting format in force for the relationship, and its agreement amendments.

    Without ``viewer`` the caller is other code acting as the system (a
    timer deciding when the next reflection is due) and sees everything.
    """
    with _reading(engine, relationship, viewer) as (conn, snap, who, workflow):
        overrides = store.overrides(conn, snap.id)
        amendments = store.changes(conn, snap.id, frozenset({"amend_agreement"}))
    values = settings.effective(workflow.programme, workflow.document, overrides)
    shown = policy.access(who, Visibility.PAIR, None, workflow.programme.get("settings")) is Access.FULL
    return EffectiveSettings(
        relationship_id=snap.id, cadence=values["cadence"], meeting_format=values["meeting_format"],
        overridden=frozenset(k for k in overrides if k in settings.SETTING_KEYS),
        agreement_amendments=tuple(AgreementAmendment(c.data["text"], c.applied_at, c.proposal_id)
                                   for c in amendments) if shown else None)


def applied_changes(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int | None = None,
                    kinds: frozenset[str] | None = None) -> list[AppliedChangeRow]:
    """Applied changes of accepted proposals, oldest first (pair content; coordinators need the content setting)."""
    with _reading(engine, relationship, viewer) as (conn, snap, who, workflow):
        if policy.access(who, Visibility.PAIR, None, workflow.programme.get("settings")) is not Access.FULL:
            raise Forbidden(_("Only the mentor and the mentee may read the adjustments they agreed."))
        return store.changes(conn, snap.id, kinds)


def goal_changes(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int | None = None
                 ) -> list[AppliedChangeRow]:
    """The accepted goal items (``revise_goal``, ``drop_goal``, ``add_goal``) for the goals plugin, oldest first."""
    return applied_changes(engine, relationship, viewer, GOAL_KINDS)


def changes_of_audit(connection: Connection, audit_id: int) -> list[AppliedChangeRow]:
    """Inside a transaction: the changes the acceptance with this audit event id applied (for hook consumers)."""
    return store.changes_of_audit(connection, audit_id)
