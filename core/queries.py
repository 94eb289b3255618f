"""Read-side questions: what may a person do next, and what happened so far."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from mentorflow.actors import Actor
from mentorflow.clock import as_utc
from mentorflow.db.models import AuditEvent
from mentorflow.i18n import _
from mentorflow.policy import Access, Viewer, Visibility, access, acting_role, form_visibility, is_coordinator
from mentorflow.snapshots import AuditEntry, GuardContext, RelationshipSnapshot
from mentorflow.transitions import TransitionRunner, role_names
from mentorflow.workflow.model import Transition, Workflow

if TYPE_CHECKING:
    from mentorflow.engine import Engine

A = AuditEvent.__table__
_TIMELINE = select(A).where(A.c.relationship_id == bindparam("rid")).order_by(A.c.seq)
# A page of the history, newest first: the (relationship_id, seq) unique index answers it without a sort.
_TIMELINE_PAGE = (select(A).where(A.c.relationship_id == bindparam("rid")).order_by(A.c.seq.desc())
                  .limit(bindparam("limit")).offset(bindparam("offset")))
_TIMELINE_COUNT = select(func.count()).select_from(A).where(A.c.relationship_id == bindparam("rid"))


@dataclass(frozen=True)
class Availability:
    """One transition out of the current state, as seen by one actor."""

    transition: Transition
    allowed: bool
    role: str | None
    reasons: tuple[str, ...] = field(default=())
    """Why it is blocked (empty when ``allowed``)."""
    form: str | None = None


def available_transitions(engine: Engine, runner: TransitionRunner, conn: Connection, snap: RelationshipSnapshot,
                          actor: Actor, now: datetime) -> list[Availability]:
    workflow = engine.workflow_by_version(snap.workflow_version_id, conn)
    out = []
    coordinator: bool | None = None  # asked at most once, and only if some transition is open to coordinators
    for transition in workflow.transitions_from.get(snap.state, ()):
        if coordinator is None and "coordinator" in transition.roles and not actor.is_system:
            coordinator = is_coordinator(conn, snap.programme_id, actor.person_id)
        role = acting_role(conn, snap, actor, transition.roles, coordinator)
        if role is None:
            out.append(Availability(transition, False, None, (
                _("only the {roles} may do this").format(roles=role_names(transition.roles)),), transition.form))
            continue
        ctx = GuardContext(snap, transition, workflow, actor, role, None, now, conn, engine)
        failures = runner.check_guards(ctx, transition, skip_data_guards=True)
        reasons = tuple(f.reason for f in failures) + _nothing_to_act_on(engine, ctx, transition)
        out.append(Availability(transition, not reasons, role, reasons, transition.form))
    return out


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(id=r.id, relationship_id=r.relationship_id, seq=r.seq, at=as_utc(r.at), actor_id=r.actor_id,
                      actor_role=r.actor_role, transition=r.transition, from_state=r.from_state,
                      to_state=r.to_state, data=r.data, engine_event=bool(r.engine_event))


def _nothing_to_act_on(engine: Engine, ctx: GuardContext, transition: Transition) -> tuple[str, ...]:
    """The reasons the transition's effects give for having nothing to act on (their preconditions)."""
    reasons = []
    for call in transition.effects:
        spec = engine.effects.get(call.name)
        check = spec.precondition if spec is not None else None
        reason = check(ctx, call.params) if check is not None else None
        if reason:
            reasons.append(str(reason))
    return tuple(reasons)


def timeline(conn: Connection, relationship_id: int) -> list[AuditEntry]:
    return [_entry(r) for r in conn.execute(_TIMELINE, {"rid": relationship_id})]


def timeline_page(conn: Connection, relationship_id: int, limit: int, offset: int = 0) -> tuple[list[AuditEntry], int]:
    """``limit`` audit events of a relationship, newest first, skipping the ``offset`` newest; and how many in all."""
    rows = conn.execute(_TIMELINE_PAGE, {"rid": relationship_id, "limit": limit, "offset": offset})
    entries = [_entry(r) for r in rows]
    return entries, int(conn.execute(_TIMELINE_COUNT, {"rid": relationship_id}).scalar_one())


def redact_entry(entry: AuditEntry, workflow: Workflow, viewer: Viewer, settings: Any) -> AuditEntry:
    """The entry with its form data removed where the privacy policy withholds it from ``viewer``."""
    if not entry.data:
        return entry
    if entry.engine_event:
        # The engine's own events (who the pair is, a purge) are programme-wide; they carry no form. Decided by
        # the flag, never by the name: a workflow transition called like one must keep its form's privacy.
        visibility, form = Visibility.PROGRAMME, None
    else:
        transition = workflow.transitions.get(entry.transition)
        form = workflow.forms.get(transition.form) if transition and transition.form else None
        visibility = form_visibility(form)
    if access(viewer, visibility, entry.actor_id, settings) is not Access.FULL:
        return replace(entry, data=None)
    private_fields = {name for name, meta in (form.fields if form is not None else {}).items()
                      if isinstance(meta, dict) and meta.get("private")}
    if private_fields and not (viewer.is_system or viewer.actor.person_id == entry.actor_id):
        return replace(entry, data={k: v for k, v in entry.data.items() if k not in private_fields})
    return entry
