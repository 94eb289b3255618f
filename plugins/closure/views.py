"""The dataclasses the closure queries return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from mentorflow.policy import Access


@dataclass(frozen=True, slots=True)
class ExtensionView:
    """An extension request (programme information: the coordinator decides it, so sees it in full)."""

    id: int
    status: str
    """``pending``, ``approved``, ``declined`` or ``lapsed`` (the relationship moved on before a decision)."""
    requested_by: int
    requested_role: str
    requested_at: datetime
    reason: str
    period: str | None
    end_date: date | None
    previous_end: datetime | None
    new_end: datetime
    decided_by: int | None
    decided_role: str | None
    decided_at: datetime | None
    decision_note: str | None


@dataclass(frozen=True, slots=True)
class ReasonView:
    id: str
    label: Mapping[str, str]
    """``{"en": ..., "da": ...}`` from the programme's list."""


@dataclass(frozen=True, slots=True)
class EarlyEndingView:
    reason: ReasonView
    actor_role: str
    at: datetime
    note: str | None
    """Pair content: None where the viewer sees metadata only."""


@dataclass(frozen=True, slots=True)
class ConversationView:
    id: int
    held_on: date
    author_id: int | None
    author_role: str
    recorded_at: datetime
    access: Access
    notes: str | None
    """Shared with the pair; None where the viewer sees metadata only."""


@dataclass(frozen=True, slots=True)
class ClosureFormView:
    role: str
    author_id: int
    submitted_at: datetime
    access: Access
    goals: tuple[dict[str, Any], ...] | None
    """``[{"goal_id": 3, "attained": "partly"}, ...]``; None where the viewer sees metadata only."""
    learned: str | None
    satisfaction: int | None


@dataclass(frozen=True, slots=True)
class ClosureInfo:
    """Where a relationship stands on closure, for its participants (and coordinators)."""

    relationship_id: int
    state: str
    planned_end: datetime | None
    extensions: tuple[ExtensionView, ...]
    early_ending: EarlyEndingView | None
    conversations: tuple[ConversationView, ...]
    forms_submitted: Mapping[str, datetime]
    """When each role last had a closure form submitted (programme information): each side, in a pair."""
    post_closure_contact: Mapping[str, str] | None
    """The programme's rule on contact after closure, ``{"en", "da"}``."""
    reopen_until: datetime | None
    """A closed relationship can be reopened by a coordinator until then (None: not closed or not allowed)."""
    member_forms: Mapping[int, datetime] = field(default_factory=dict)
    """When each member (by person id) last submitted their closure form: in a group, each one's own."""


@dataclass(frozen=True, slots=True)
class ReflectionRhythm:
    count: int
    mean_days_between: float | None
    """Mean days between consecutive reflections (None with fewer than two)."""


@dataclass(frozen=True, slots=True)
class GoalOutcome:
    goal_id: int
    mentor: str | None
    """``fully``, ``partly`` or ``not`` as the mentor judged it (None: not judged or not visible); in a group, the
    latest form of the role."""
    mentee: str | None
    ratings: Mapping[int, str] = field(default_factory=dict)
    """How each member who rated the goal judged it, by person id, as far as the viewer may read their form."""


@dataclass(frozen=True, slots=True)
class MemberClosure:
    """One member's part of the closing summary: their reflections and, as far as the viewer may read it,
    their closure form."""

    person_id: int
    role: str
    reflections: ReflectionRhythm
    submitted_at: datetime | None
    """When their closure form came in (programme information); None: they handed in none."""
    hidden: bool
    """Their form exists but its content is not the viewer's to read."""
    left_at: datetime | None
    """When they left the relationship before its end (None: a member to the end)."""
    learned: str | None
    satisfaction: int | None


@dataclass(frozen=True, slots=True)
class ClosingSummary:
    """The whole relationship at a glance, from the audit log and the closure records.

    Counts and dates are programme information; goal outcomes, learning and
    satisfaction come from closure forms the viewer may read in full
    (``hidden_forms`` names the sides whose form content is withheld).
    """

    relationship_id: int
    state: str
    started_at: datetime
    ended_at: datetime | None
    duration: timedelta
    """From the start to the closure (or to now while still open)."""
    duration_days: int
    planned_end: datetime | None
    agreement_versions: int
    """Agreement versions made: ``propose_agreement`` and each ``amend_agreement`` (or transitions calling
    ``agreements.propose`` / ``agreements.amend``). 0 where the workflow signs without proposing terms."""
    agreement_signatures: int
    """Signatures given, over all versions: ``sign_agreement`` events (or transitions calling
    ``agreements.sign``); an amendment is not a signature, both sides sign its version again."""
    reflections: Mapping[str, ReflectionRhythm]
    """Per role (``mentor``, ``mentee``; a group's roles too): ``submit_reflection`` events and their regularity."""
    extensions: tuple[ExtensionView, ...]
    early_ending: EarlyEndingView | None
    reassignments: int
    reopened: int
    forms_submitted: frozenset[str]
    hidden_forms: frozenset[str]
    goal_outcomes: tuple[GoalOutcome, ...]
    learned: Mapping[str, str]
    satisfaction: Mapping[str, int]
    members: tuple[MemberClosure, ...] = ()
    """Each member, current or left, in the relationship's order (a group's summary reads per member; the
    role-keyed fields above are the 1:1 view of the same)."""
