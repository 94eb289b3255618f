"""JSON views of engine objects for the API (labels in the request's language)."""

from __future__ import annotations

from typing import Any

from mentorflow.engine import Engine
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
