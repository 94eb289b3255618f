"""Read-side questions about closure, answered as the privacy policy allows.

- Planned end, extensions, early-closure reasons, which closure forms are in,
  and counts are programme information: the pair and coordinators see them.
- Closure forms are pair content (author only when their form is private);
  closure-conversation notes and an early closure's note are pair content.
  Coordinators see that they exist and when, unless the programme sets
  ``settings.privacy.coordinator_sees_content``.
- The rematch queue is for coordinators only.
- Strangers get :class:`mentorflow.NotFound`, as for a relationship that does not exist
  (:func:`mentorflow.policy.relationship_for`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mentorflow import SYSTEM, Actor, Engine, RelationshipSnapshot, policy
from mentorflow.clock import as_utc
from mentorflow.db.models import AuditEvent
from mentorflow.i18n import _, same_in_every_language
from mentorflow.members import history as members_history
from mentorflow.plugins.closure import endings, extensions, forms, reassign, rematch, settings
from mentorflow.plugins.closure.reopen import reopen_until
from mentorflow.plugins.closure.views import (
    ClosingSummary,
    ClosureFormView,
    ClosureInfo,
    ConversationView,
    EarlyEndingView,
    ExtensionView,
    GoalOutcome,
    MemberClosure,
    ReasonView,
    ReflectionRhythm,
)
from mentorflow.policy import Access, Viewer, Visibility
from mentorflow.workflow.model import Workflow

__all__ = ["closing_summary", "closure_forms", "closure_info", "planned_end", "rematch_queue"]

A = AuditEvent.__table__
SIGNING = (frozenset({"sign_agreement"}), frozenset({"agreements.sign"}))
VERSIONING = (frozenset({"propose_agreement", "amend_agreement"}),
              frozenset({"agreements.propose", "agreements.amend"}))
"""How the summary recognises agreement events in the audit log: ``(transition ids, effect names)``. The
lifecycle's transition ids, or a transition calling the agreements plugin's effect (a programme may name its
transitions differently)."""
REFLECTION_TRANSITION = "submit_reflection"
ROLE_ORDER = ("mentor", "mentee")
"""A pair's forms read mentor first; a group's other roles follow in its format's order."""


@contextmanager
def _reading(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int | None
             ) -> Iterator[tuple[Connection, RelationshipSnapshot, Viewer, Workflow]]:
    with engine.read() as conn:
        snap, who = policy.relationship_for(conn, SYSTEM if viewer is None else viewer, relationship)
        yield conn, snap, who, engine.workflow_by_version(snap.workflow_version_id, conn)


def _extension(row: extensions.ExtensionRow) -> ExtensionView:
    return ExtensionView(row.id, row.status, row.requested_by, row.requested_role, row.requested_at, row.reason,
                         row.period, row.end_date, row.previous_end, row.new_end, row.decided_by, row.decided_role,
                         row.decided_at, row.decision_note)


def _early(row: endings.EarlyEndingRow | None, who: Viewer, workflow: Workflow) -> EarlyEndingView | None:
    if row is None:
        return None
    label = settings.reasons(workflow.programme).get(row.reason_id) or same_in_every_language(row.reason_id)
    full = policy.access(who, Visibility.PAIR, row.actor_id, workflow.programme.get("settings")) is Access.FULL
    return EarlyEndingView(ReasonView(row.reason_id, label), row.actor_role, row.at, row.note if full else None)


def _form(row: forms.FormRow, who: Viewer, programme_settings: Any) -> ClosureFormView:
    level = policy.access(who, Visibility.PRIVATE if row.private else Visibility.PAIR, row.author_id,
                          programme_settings)
    full = level is Access.FULL
    return ClosureFormView(row.role, row.author_id, row.submitted_at, level, row.goals if full else None,
                           row.learned if full else None, row.satisfaction if full else None)


def planned_end(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int | None = None
                ) -> datetime | None:
    """When the relationship is planned to end: start plus programme duration, moved by approved extensions.

    None when the programme sets no duration and no extension gave a date.
    Without ``viewer`` the caller is other code acting as the system (a timer).
    """
    with _reading(engine, relationship, viewer) as (conn, snap, _who, workflow):
        return extensions.planned_end_on(conn, snap, workflow)


def closure_forms(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int
                  ) -> list[ClosureFormView]:
    """Each member's latest closure form the viewer may know about (a private form is its author's only).

    In the roles' order (a pair's mentor first, then its mentee; a group's mentors, then its mentees), each
    role's members in the order they handed their forms in.
    """
    with _reading(engine, relationship, viewer) as (conn, snap, who, workflow):
        rows = forms.members_forms(conn, snap.id)
    order = [*ROLE_ORDER, *workflow.format.member_roles]
    ranked = sorted(rows.values(), key=lambda row: (order.index(row.role) if row.role in order else len(order),
                                                    row.id))
    views = [_form(row, who, workflow.programme.get("settings")) for row in ranked]
    return [v for v in views if v.access is not Access.NONE]


def closure_info(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int) -> ClosureInfo:
    """Planned end, extensions, early-closure reason, the closure conversation and the post-closure contact rule."""
    with _reading(engine, relationship, viewer) as (conn, snap, who, workflow):
        end = extensions.planned_end_on(conn, snap, workflow)
        requests = extensions.extensions(conn, snap.id)
        early = endings.early_ending(conn, snap.id)
        talks = endings.conversations(conn, snap.id)
        submitted = forms.latest_forms(conn, snap.id)
        by_member = forms.members_forms(conn, snap.id)
    programme_settings = workflow.programme.get("settings")
    conversation_views = []
    for talk in talks:
        level = policy.access(who, Visibility.PAIR, talk.author_id, programme_settings)
        conversation_views.append(ConversationView(talk.id, talk.held_on, talk.author_id, talk.author_role, talk.at,
                                                   level, talk.notes if level is Access.FULL else None))
    return ClosureInfo(
        relationship_id=snap.id, state=snap.state, planned_end=end,
        extensions=tuple(_extension(r) for r in requests), early_ending=_early(early, who, workflow),
        conversations=tuple(conversation_views),
        forms_submitted={role: row.submitted_at for role, row in submitted.items()},
        post_closure_contact=settings.post_closure_contact(workflow.programme),
        reopen_until=reopen_until(snap, workflow),
        member_forms={person: row.submitted_at for person, row in by_member.items()})


def _rhythm(times: list[datetime]) -> ReflectionRhythm:
    if len(times) < 2:
        return ReflectionRhythm(len(times), None)
    span = (times[-1] - times[0]).total_seconds() / 86400
    return ReflectionRhythm(len(times), round(span / (len(times) - 1), 2))


def _agreement_events(workflow: Workflow, transition_ids: list[str]) -> tuple[int, int]:
    """``(versions, signatures)``: audit events that made an agreement version, and that signed one.

    An amendment makes a new version that both sides sign again; it is not itself a signature.
    """
    def counts(kind: tuple[frozenset[str], frozenset[str]]) -> int:
        ids, effects = kind
        found = 0
        for tid in transition_ids:
            transition = workflow.transitions.get(tid)
            if tid in ids or (transition is not None and any(call.name in effects for call in transition.effects)):
                found += 1
        return found

    return counts(VERSIONING), counts(SIGNING)


def closing_summary(engine: Engine, relationship: RelationshipSnapshot | int, viewer: Actor | int
                    ) -> ClosingSummary:
    """A summary of the whole relationship: duration, agreement versions and signatures, goals and outcomes,
    reflection rhythm per role and per member, extensions, early-closure reason, reassignments and reopenings.

    ``members`` holds each member's part (a group's summary reads per member); the role-keyed fields are the
    1:1 view of the same, each role's latest form.
    """
    with _reading(engine, relationship, viewer) as (conn, snap, who, workflow):
        log = conn.execute(select(A.c.transition, A.c.actor_id, A.c.actor_role, A.c.at, A.c.from_state,
                                  A.c.to_state).where(A.c.relationship_id == snap.id).order_by(A.c.seq)).all()
        end = extensions.planned_end_on(conn, snap, workflow)
        requests = extensions.extensions(conn, snap.id)
        early = endings.early_ending(conn, snap.id)
        by_member = forms.members_forms(conn, snap.id)
        memberships = members_history(conn, snap.id)
        reassignments = reassign.reassignment_count(conn, snap.id)
        now = engine.clock.now()
    terminal = workflow.terminal_states
    versions, signatures = _agreement_events(workflow, [entry.transition for entry in log])
    roles = [*ROLE_ORDER, *(r for r in workflow.format.member_roles if r not in ROLE_ORDER)]
    reflections: dict[str, list[datetime]] = {role: [] for role in roles}
    member_times: dict[int, list[datetime]] = {}
    member_roles: dict[int, str] = {m.person_id: m.role for m in snap.members}
    left_at: dict[int, datetime] = {}
    for membership in memberships:  # those who left are part of the story: their reflections, their form
        member_roles.setdefault(membership["person_id"], membership["role"])
        if membership["left_at"] is not None and membership["person_id"] not in snap.member_ids:
            left_at[membership["person_id"]] = as_utc(membership["left_at"])
    for entry in log:
        if entry.transition == REFLECTION_TRANSITION and entry.actor_role in reflections:
            reflections[entry.actor_role].append(as_utc(entry.at))
            if entry.actor_id is not None:
                member_times.setdefault(entry.actor_id, []).append(as_utc(entry.at))
                member_roles.setdefault(entry.actor_id, entry.actor_role)
    for person, row in by_member.items():
        member_roles.setdefault(person, row.role)
    ended_at = snap.closed_at
    duration = (ended_at or now) - snap.started_at
    programme_settings = workflow.programme.get("settings")
    views = {person: _form(row, who, programme_settings) for person, row in by_member.items()}
    visible = {person: v for person, v in views.items() if v.access is Access.FULL}
    latest_by_role = {role: row.author_id for role, row in forms.latest_by_role(by_member).items()}
    role_views = {role: views[person] for role, person in latest_by_role.items()}
    role_visible = {role: v for role, v in role_views.items() if v.access is Access.FULL}
    goal_ids = sorted({g["goal_id"] for v in visible.values() for g in v.goals or ()})
    attained = {person: {g["goal_id"]: g["attained"] for g in v.goals or ()} for person, v in visible.items()}

    def by_role(role: str, goal: int) -> str | None:
        person = latest_by_role.get(role)
        return attained.get(person, {}).get(goal) if person is not None else None

    ranked = sorted(member_roles, key=lambda p: (roles.index(member_roles[p]) if member_roles[p] in roles
                                                 else len(roles), _joined(snap, p)))
    members = tuple(MemberClosure(
        person_id=person, role=member_roles[person], reflections=_rhythm(member_times.get(person, [])),
        submitted_at=by_member[person].submitted_at if person in by_member else None,
        hidden=person in views and person not in visible, left_at=left_at.get(person),
        learned=visible[person].learned if person in visible else None,
        satisfaction=visible[person].satisfaction if person in visible else None) for person in ranked)
    return ClosingSummary(
        relationship_id=snap.id, state=snap.state, started_at=snap.started_at, ended_at=ended_at,
        duration=duration, duration_days=duration.days, planned_end=end,
        agreement_versions=versions, agreement_signatures=signatures,
        reflections={role: _rhythm(times) for role, times in reflections.items()
                     if times or role in ROLE_ORDER},
        extensions=tuple(_extension(r) for r in requests), early_ending=_early(early, who, workflow),
        reassignments=reassignments,
        reopened=sum(1 for e in log if e.from_state in terminal and e.to_state not in terminal),
        forms_submitted=frozenset(role_views), hidden_forms=frozenset(set(role_views) - set(role_visible)),
        goal_outcomes=tuple(GoalOutcome(g, by_role("mentor", g), by_role("mentee", g),
                                        {person: marks[g] for person, marks in attained.items() if g in marks})
                            for g in goal_ids),
        learned={role: v.learned for role, v in role_visible.items() if v.learned is not None},
        satisfaction={role: v.satisfaction for role, v in role_visible.items() if v.satisfaction is not None},
        members=members)


def _joined(snap: RelationshipSnapshot, person: int) -> tuple[int, int]:
    """Current members in the order they joined; those who left after them, by id."""
    order = snap.member_ids
    return (order.index(person), 0) if person in order else (len(order), person)


def rematch_queue(engine: Engine, programme: str | int, viewer: Actor | int, *, include_all: bool = False
                  ) -> list[rematch.RematchEntry]:
    """Mentees waiting for a new match in ``programme``, oldest request first (coordinators only).

    ``include_all`` adds withdrawn and matched entries.
    """
    with engine.read() as conn:
        programme_id = engine.programme_id(programme, conn)
        policy.coordinator_for(conn, viewer, programme_id,
                               refusal=_("Only the programme's coordinators may see the rematch queue."))
        return rematch.entries(conn, programme_id, None if include_all else (rematch.WAITING,))
