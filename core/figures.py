"""What a plugin contributes to a programme's figures, and the figures the dashboard reads.

A plugin answers ``mentorflow_relationship_figures`` with a :class:`RelationshipFigures` for one
relationship, computed from that relationship's own rows only. The figures plugin keeps each
relationship's answer and the programme's sums in summary rows, written in the transaction of the
transition that changed them, so a programme's figures cost the same at a thousand relationships as
at a million. The definitions of the figures are in ``docs/figures.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Deadline:
    """A moment after which a relationship counts in a time-dependent figure (overdue, at risk).

    ``kind`` names the figure (``"reflection_due"``, ``"silent"``, ``"agreement_unanswered"``, or a
    plugin's own); ``role`` and ``person_id`` say whose it is; ``label`` is what the duty is called
    (a localized mapping or plain text).
    """

    kind: str
    at: datetime
    role: str | None = None
    person_id: int | None = None
    label: Mapping[str, str] | str | None = None


@dataclass(frozen=True, slots=True)
class RelationshipFigures:
    """One plugin's figures for one relationship.

    ``values`` are summed over the programme (name them ``"<plugin>.<figure>"``; keep a sum and a
    count for an average). ``deadlines`` are counted while they have passed. ``facts`` are per-item
    facts that the figures plugin combines across plugins: ``"goal.<id>.status"`` (the goal record's
    status) and ``"goal.<id>.rating.<member>"`` (a member's closure-form rating, ``fully``/``partly``/``not``;
    ``<member>`` tells the raters apart, a person id in the built-in plugin).
    """

    values: Mapping[str, float] = field(default_factory=dict)
    deadlines: tuple[Deadline, ...] = ()
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AtRisk:
    """A relationship flagged at risk, with why (``reason`` is the flag's kind, ``since`` when it became so)."""

    relationship_id: int
    reason: str
    since: datetime | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProgrammeFigures:
    """A programme's dashboard figures, read from summary rows (see ``docs/figures.md``)."""

    totals: Mapping[str, float]
    overdue: tuple[dict[str, Any], ...]
    """The most overdue duties, most overdue first: ``relationship``, ``role``, ``person``, ``label``, ``due_at``."""
    overdue_total: int
    at_risk: tuple[AtRisk, ...]
    at_risk_total: Mapping[str, int]
    at: datetime
    weeks: tuple[datetime, ...] = ()
    """The starts (Monday, UTC) of the weeks charted; ``reflections.week.<date>`` holds each one's count."""

    def week_counts(self) -> list[tuple[datetime, float]]:
        """Reflections recorded in each charted week."""
        return [(w, self.value(f"reflections.week.{w.date().isoformat()}")) for w in self.weeks]

    def value(self, name: str) -> float:
        return float(self.totals.get(name, 0))

    def average(self, name: str) -> float | None:
        """``<name>_sum / <name>_n`` (None when nothing was counted)."""
        n = self.value(f"{name}_n")
        return round(self.value(f"{name}_sum") / n, 2) if n else None
