"""Notifications: a message for one person, delivered through named channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Message:
    """A rendered notification for one recipient, already in the recipient's language."""

    recipient_id: int
    recipient_email: str | None
    locale: str
    subject: str
    body: str
    kind: str = "notice"
    relationship_id: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class NotificationChannel(Protocol):
    """Delivers messages. ``send`` raises on failure so the caller can retry or record it."""

    name: str

    def send(self, message: Message) -> None:  # pragma: no cover - protocol
        ...
