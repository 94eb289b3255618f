"""Who a membership change is about: the person named in the form, or the member acting for themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mentorflow import Actor

STAFF_ROLES = frozenset({"coordinator", "system"})
GUIDED_ROLES = ("mentee", "peer")
"""The roles a group exists for: when the last of them leaves, the group closes."""


def leaver(actor: Actor, role: str, data: Mapping[str, Any] | None) -> int | None:
    """The person leaving: ``person_id`` from the form for a coordinator, else the member themselves."""
    named = (data or {}).get("person_id")
    if role in STAFF_ROLES:
        return named if isinstance(named, int) and not isinstance(named, bool) else None
    return actor.person_id
