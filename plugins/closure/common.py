"""Small helpers the closure modules share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from mentorflow import Problem, TransitionEvent
from mentorflow.db.models import AuditEvent
from mentorflow.errors import FormInvalid
from mentorflow.snapshots import MEMBER_ROLES
from mentorflow.workflow.model import Workflow

A = AuditEvent.__table__
PARTICIPANTS = MEMBER_ROLES
"""Who takes part in closure: every member role (a pair's mentor and mentee, each member of a group)."""


def form_invalid(event: TransitionEvent, problems: Iterable[Problem]) -> FormInvalid:
    return FormInvalid(event.transition.form or event.transition.id, problems)


def entered_audit_id(conn: Connection, relationship_id: int, state: str) -> int:
    """The audit id of the event that last entered ``state`` (0 if none): records after it belong to this stay."""
    return conn.execute(select(func.max(A.c.id)).where(
        A.c.relationship_id == relationship_id, A.c.to_state == state,
        or_(A.c.from_state.is_(None), A.c.from_state != state))).scalar() or 0


def text_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def day(value: datetime) -> str:
    return value.date().isoformat()


def leaves_with_effect(workflow: Workflow, state: str, effect_name: str) -> bool:
    """Whether some transition carrying ``effect_name`` leaves ``state`` (a look at that state's transitions)."""
    return any(e.name == effect_name for t in workflow.transitions_from.get(state, ()) for e in t.effects)


def form_has_effect(workflow: Workflow, form: str, effect_name: str) -> bool:
    """Whether a transition with form ``form`` carries ``effect_name``."""
    return any(t.form == form and any(e.name == effect_name for e in t.effects) for t in workflow.transitions.values())


