"""JSON views of engine objects for the API (labels in the request's language)."""

from __future__ import annotations

from typing import Any

from mentorflow.engine import Engine
from mentorflow.next_step import NextStep, StepAction
from mentorflow.queries import Availability
from mentorflow.snapshots import AuditEntry, RelationshipSnapshot


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def relationship(engine: Engine, snap: RelationshipSnapshot, names: dict[int, str] | None = None) -> dict[str, Any]:
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    state = workflow.states[snap.state]
    names = names or {}
    return {
        "id": snap.id,
        "programme_id": snap.programme_id,
        "workflow_version_id": snap.workflow_version_id,
        "mentor": {"id": snap.mentor_id, "display_name": names.get(snap.mentor_id or -1)} if snap.mentor_id else None,
        "mentee": {"id": snap.mentee_id, "display_name": names.get(snap.mentee_id or -1)},
        "state": snap.state,
        "state_label": state.title(),
        "state_kind": state.kind,
        "version": snap.version,
        "started_at": iso(snap.started_at),
        "state_entered_at": iso(snap.state_entered_at),
        "closed_at": iso(snap.closed_at),
    }


def availability(option: Availability) -> dict[str, Any]:
    return {"transition": option.transition.id, "label": option.transition.title(), "allowed": option.allowed,
            "role": option.role, "reasons": list(option.reasons), "form": option.form,
            "target": option.transition.target}


def step_action(action: StepAction) -> dict[str, Any]:
    """One action of a next step: the transition, its label and group, and why it is disabled (if it is)."""
    return {"transition": action.id, "label": action.title(), "group": action.group, "enabled": action.enabled,
            "role": action.role, "reasons": list(action.reasons), "form": action.form,
            "target": action.transition.target}


def next_step(step: NextStep) -> dict[str, Any]:
    """:meth:`Engine.next_step` as JSON: the words, the primary action, what is due, the other actions grouped."""
    return {"relationship_id": step.relationship_id, "text": step.text,
            "primary": step_action(step.primary) if step.primary else None,
            "due": [{"timer": d.timer, "label": d.label, "due_at": iso(d.due_at), "overdue_days": d.overdue_days,
                     "due_in_days": d.due_in_days, "text": d.text} for d in step.due],
            "waiting_for": list(step.waiting_for), "closed": step.closed,
            "groups": [{"id": g.id, "title": g.title, "actions": [step_action(a) for a in g.actions]}
                       for g in step.groups]}


_ACTION_SCHEMA = {
    "type": "object", "required": ["transition", "label", "group", "enabled", "reasons"],
    "properties": {"transition": {"type": "string"}, "label": {"type": "string"},
                   "group": {"type": "string", "description": "agreement, goals, meetings, reflections or "
                                                              "relationship"},
                   "enabled": {"type": "boolean"}, "role": {"type": ["string", "null"]},
                   "reasons": {"type": "array", "items": {"type": "string"},
                               "description": "Why it is disabled (nothing to act on, a guard): empty when enabled"},
                   "form": {"type": ["string", "null"]}, "target": {"type": ["string", "null"]}},
}
NEXT_STEP_SCHEMA = {
    "type": "object", "required": ["relationship_id", "text", "primary", "due", "groups"],
    "properties": {
        "relationship_id": {"type": "integer"},
        "text": {"type": "string", "description": "What matters now for me, in the request's language"},
        "primary": {"oneOf": [_ACTION_SCHEMA, {"type": "null"}],
                    "description": "The one action to take now (null: nothing is mine to do, see text)"},
        "due": {"type": "array", "items": {"type": "object", "properties": {
            "timer": {"type": "string"}, "label": {"type": "string"},
            "due_at": {"type": "string", "format": "date-time"}, "overdue_days": {"type": "integer"},
            "due_in_days": {"type": "integer"}, "text": {"type": "string"}}}},
        "waiting_for": {"type": "array", "items": {"type": "integer"},
                        "description": "Whose turn it is (person ids) when it is not mine"},
        "closed": {"type": "boolean"},
        "groups": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"},
            "actions": {"type": "array", "items": _ACTION_SCHEMA}}}},
    },
}
"""The OpenAPI schema of ``GET /relationships/{id}/next-step``."""


def audit_entry(entry: AuditEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "at": iso(entry.at), "actor_id": entry.actor_id, "actor_role": entry.actor_role,
            "transition": entry.transition, "from_state": entry.from_state, "to_state": entry.to_state,
            "data": entry.data}


RELATIONSHIP_SCHEMA = {
    "type": "object",
    "required": ["id", "state", "version"],
    "properties": {
        "id": {"type": "integer"}, "programme_id": {"type": "integer"}, "workflow_version_id": {"type": "integer"},
        "mentor": {"type": ["object", "null"]}, "mentee": {"type": "object"},
        "state": {"type": "string"}, "state_label": {"type": "string"}, "state_kind": {"type": "string"},
        "version": {"type": "integer"}, "started_at": {"type": "string"},
        "state_entered_at": {"type": "string"}, "closed_at": {"type": ["string", "null"]},
    },
}


def page_of(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": schema}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "total": {"type": "integer"}, "pages": {"type": "integer"}}}
