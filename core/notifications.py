"""Notifications: a message for one person, delivered through named channels.

A channel is called as ``send(message, ctx)``: :class:`ChannelContext` names the engine delivering the
message, so a channel that looks people up (the Moodle channel finds the recipient's Moodle account)
reads through ``ctx.engine`` instead of being handed an engine at start-up; two engines in one process
each pass their own.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pluggy import HookRelay

    from mentorflow.engine import Engine


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


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What a channel is given besides the message: the engine delivering it."""

    engine: Engine
    """The engine: read with ``ctx.engine.read()``; its clock and plugin manager."""

    @property
    def hooks(self) -> HookRelay:
        """The engine's hook relay, including plugins' own hookspecs."""
        return self.engine.pm.hook

    @property
    def now(self) -> datetime:
        """The engine's clock now."""
        return self.engine.clock.now()


@runtime_checkable
class NotificationChannel(Protocol):
    """Delivers messages. ``send`` raises on failure so the caller can retry or record it."""

    name: str

    def send(self, message: Message, ctx: ChannelContext) -> None:  # pragma: no cover - protocol
        ...


def takes_context(channel: object) -> bool:
    """Whether the channel's ``send`` takes ``(message, ctx)``; one written before contexts takes ``(message)``."""
    try:
        parameters = inspect.signature(channel.send).parameters.values()  # type: ignore[attr-defined]
    except (TypeError, ValueError):  # no signature to read: assume today's API
        return True
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return True
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters) >= 2
