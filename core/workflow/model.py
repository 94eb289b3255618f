"""The compiled, immutable form of a workflow document that the engine runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from jsonschema.protocols import Validator

from mentorflow.i18n import localized

if TYPE_CHECKING:
    from mentorflow.choices import ChoiceField
    from mentorflow.members import Format

TERMINAL = "terminal"
INITIAL = "initial"
PAUSED = "paused"
ACTIVE = "active"

START_EVENT = "start"
"""The audit event the engine writes when it creates a relationship (not a workflow transition)."""
PURGE_EVENT = "retention_purge"
"""The audit event the retention policy writes when it purges a closed relationship's content."""
RESERVED_TRANSITION_IDS = frozenset({START_EVENT, PURGE_EVENT})
"""Every name the engine itself writes into the audit log's ``transition`` column; a workflow may not use one.

The audit log marks the engine's own events with ``engine_event`` as well, so nothing that decides
who may see what ever needs to recognise them by name.
"""


@dataclass(frozen=True, slots=True)
class State:
    id: str
    kind: str
    label: Mapping[str, str]

    @property
    def is_terminal(self) -> bool:
        return self.kind == TERMINAL

    def title(self, locale: str | None = None) -> str:
        return localized(self.label, locale)


@dataclass(frozen=True, slots=True)
class GuardCall:
    """A guard named by a transition, with its parameters."""

    name: str
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Transition:
    id: str
    sources: frozenset[str]
    target: str | None
    """``None`` for an action that keeps the state."""
    roles: frozenset[str]
    guards: tuple[GuardCall, ...]
    form: str | None
    label: Mapping[str, str]
    effects: tuple[GuardCall, ...] = ()
    """Named effects with their parameters (same shape as a guard call)."""
    history: bool = False
    """True for ``"to": "@history"``: back to the state held before the current one."""

    @property
    def is_action(self) -> bool:
        return self.target is None and not self.history

    def title(self, locale: str | None = None) -> str:
        return localized(self.label, locale)


@dataclass(frozen=True, slots=True)
class Form:
    name: str
    title: Mapping[str, str]
    schema: Mapping[str, Any]
    validator: Validator
    fields: Mapping[str, Any]
    private: bool = False
    choice_fields: tuple[ChoiceField, ...] = ()
    shared_with: str = "mentor"
    """Whom a non-private submission reaches in a group: ``mentor`` (the guides) or ``group`` (every member)."""
    """The fields whose values come from a choices provider (``"choices_from"`` in ``fields``)."""


@dataclass(frozen=True, slots=True)
class Timer:
    id: str
    kind: str
    states: frozenset[str]
    every: timedelta | None = None
    after: timedelta | None = None
    anchor: str = "state_entered"
    satisfied_by: frozenset[str] = frozenset()
    who: tuple[str, ...] = ("mentor", "mentee")
    remind: tuple[timedelta, ...] = ()
    escalate_after: timedelta | None = None
    fire: str | None = None
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Workflow:
    """A validated workflow. Build it with :class:`~mentorflow.workflow.WorkflowLoader`."""

    id: str
    programme: Mapping[str, Any]
    states: Mapping[str, State]
    transitions: Mapping[str, Transition]
    forms: Mapping[str, Form]
    timers: tuple[Timer, ...]
    document: Mapping[str, Any]
    digest: str
    initial_state: str
    transitions_from: Mapping[str, tuple[Transition, ...]] = field(repr=False, default_factory=dict)

    @cached_property
    def format(self) -> Format:
        """The programme's format (pair, group, circle, co-mentoring) with its bounds per role."""
        from mentorflow.members import format_of

        return format_of(self.programme)

    @property
    def terminal_states(self) -> frozenset[str]:
        return frozenset(s.id for s in self.states.values() if s.is_terminal)

    @property
    def duration(self) -> timedelta | None:
        from mentorflow.durations import parse_duration

        text = self.programme.get("duration")
        return parse_duration(text) if text else None

    def name(self, locale: str | None = None) -> str:
        return localized(self.programme.get("name"), locale)

    def role_label(self, role: str, locale: str | None = None) -> str:
        """The programme's word for ``role`` (buddy, coach, ...) or the standard one."""
        from mentorflow.i18n import _

        labels = (self.programme.get("role_labels") or {}).get(role)
        if labels:
            return localized(labels, locale)
        return {"mentor": _("Mentor"), "mentee": _("Mentee"), "facilitator": _("Facilitator"), "peer": _("Peer"),
                "coordinator": _("Coordinator"), "system": _("System")}.get(role, role)
