"""The no-fault reasons a member may give for leaving (``programme.settings.members.leave_reasons`` or these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mentorflow.workflow.fragments import labels

DEFAULT_REASONS: Mapping[str, Mapping[str, str]] = {
    "time": labels("No longer has the time", "Har ikke længere tid"),
    "needs_met": labels("Got what they came for", "Har fået det, de kom for"),
    "moved_on": labels("Moved on (new job, studies, city)", "Er gået videre (nyt job, studie, by)"),
    "other": labels("Another reason", "En anden grund"),
}
"""Reasons that blame nobody: leaving a group is a normal part of a programme."""


def leave_reasons(programme: Mapping[str, Any]) -> Mapping[str, Mapping[str, str]]:
    """The programme's leave reasons by id (its own under ``settings.members.leave_reasons``, else the defaults)."""
    settings = (programme.get("settings") or {}).get("members") or {}
    own = settings.get("leave_reasons") if isinstance(settings, Mapping) else None
    return own if isinstance(own, Mapping) and own else DEFAULT_REASONS
