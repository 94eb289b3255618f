"""Immutable views of stored rows handed to callers, guards and hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mentorflow.actors import Actor

if TYPE_CHECKING:
    from pluggy import HookRelay
    from sqlalchemy.engine import Connection

    from mentorflow.engine import Engine
    from mentorflow.workflow.model import Transition, Workflow


MEMBER_ROLES = ("mentor", "mentee", "facilitator", "peer")
"""The roles a person may hold on a relationship, as a member of it (``coordinator`` comes from the programme)."""


@dataclass(frozen=True, slots=True)
class Member:
    """One person's current membership of a relationship: who, in which role, since when."""

    person_id: int
    role: str
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class RelationshipSnapshot:
    """A relationship as read at ``version``; pass it back to ``fire`` for an optimistic check.

    ``members`` are the people on it now (mentees, mentors, facilitators, peers), in the order they joined;
    those who left are in ``mf_relationship_members`` with their ``left_at`` and in the audit log. For a pair
    ``mentor_id`` and ``mentee_id`` read as before; for a group use :meth:`people`.
    """

    id: int
    programme_id: int
    workflow_version_id: int
    state: str
    version: int
    started_at: datetime
    state_entered_at: datetime
    closed_at: datetime | None = None
    members: tuple[Member, ...] = ()

    def people(self, role: str) -> tuple[int, ...]:
        """The person ids of the current members holding ``role``, in the order they joined."""
        return tuple(m.person_id for m in self.members if m.role == role)

    def roles_of(self, person_id: int | None) -> frozenset[str]:
        """The member roles ``person_id`` holds on this relationship (empty for a non-member)."""
        return frozenset(m.role for m in self.members if m.person_id == person_id)

    @property
    def member_ids(self) -> tuple[int, ...]:
        """Every current member's person id, each once, in the order they joined."""
        return tuple(dict.fromkeys(m.person_id for m in self.members))

    @property
    def mentor_id(self) -> int | None:
        """The mentor when there is exactly one (a pair, a group); None when there is none or several."""
        return _sole(self.people("mentor"))

    @property
    def mentee_id(self) -> int | None:
        """The mentee when there is exactly one (a pair, co-mentoring); None when there is none or several."""
        return _sole(self.people("mentee"))


def _sole(ids: tuple[int, ...]) -> int | None:
    return ids[0] if len(ids) == 1 else None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of a relationship's timeline."""

    id: int
    relationship_id: int
    seq: int
    at: datetime
    actor_id: int | None
    actor_role: str
    transition: str
    from_state: str | None
    to_state: str
    data: dict[str, Any] | None
    engine_event: bool = False
    """Written by the engine itself (creation, retention purge), not by a workflow transition."""


@dataclass(slots=True)
class TransitionEvent:
    """Everything a hook needs to know about one transition being fired.

    ``before`` is the relationship as it was; ``after`` is filled in once the
    state has been written (inside the transaction) and is what
    ``mentorflow_after_transition`` sees.
    """

    before: RelationshipSnapshot
    transition: Transition
    workflow: Workflow
    actor: Actor
    role: str
    data: dict[str, Any]
    at: datetime
    after: RelationshipSnapshot | None = None
    audit_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Scratch space plugins may use to pass facts from before- to after-hooks."""

    @property
    def from_state(self) -> str:
        return self.before.state

    @property
    def to_state(self) -> str:
        """The state entered; for ``"@history"`` known once the state is written (``after``)."""
        if self.after is not None:
            return self.after.state
        return self.transition.target or self.before.state


@dataclass(slots=True)
class GuardContext:
    """What a guard may look at. ``connection`` reads inside the transaction that will write.

    ``engine`` is the engine asking (its query API, its plugin manager): a guard reaches its plugin's
    own hooks through :attr:`hooks`, never through module state set up at start-up.
    """

    relationship: RelationshipSnapshot
    transition: Transition
    workflow: Workflow
    actor: Actor
    role: str
    data: dict[str, Any] | None
    """The form data being submitted; None when the query API asks what may happen next."""
    now: datetime
    connection: Connection
    engine: Engine

    @property
    def hooks(self) -> HookRelay:
        """The engine's hook relay (``ctx.hooks.mentorflow_my_hook(...)``), including plugins' own hookspecs."""
        return self.engine.pm.hook
