"""Named effects: what a transition does besides changing state, declared in the workflow.

A transition lists effects by name with parameters (``{"name":
"goals.add"}``); plugins provide them through ``mentorflow_register_effects``.
Each effect runs inside the transition's transaction, after the state and
audit rows are written, so the plugin's records commit or roll back with
the transition. Like guards, effects are names, never code in the workflow.

An effect is called as ``apply(ctx, params)``: :class:`EffectContext` carries
the transition's event and connection and the engine firing it, so a plugin
reaches its own hooks (``ctx.hooks``) and the engine's query API
(``ctx.engine``) through the call, never through module state or start-up
patching; two engines in one process each hand their effects their own.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from mentorflow.actors import Actor
from mentorflow.snapshots import RelationshipSnapshot, TransitionEvent

if TYPE_CHECKING:
    from pluggy import HookRelay

    from mentorflow.engine import Engine
    from mentorflow.snapshots import GuardContext
    from mentorflow.workflow.model import Transition, Workflow


@dataclass(frozen=True, slots=True)
class EffectContext:
    """What an effect is given: the transition being written, its connection and the engine firing it.

    Built once per transition (only when it has effects) from objects that exist already; the
    properties read through to the event, so building it copies nothing.
    """

    event: TransitionEvent
    """The transition: ``before``, ``after`` (written), ``data``, ``extra`` (scratch space for the hooks)."""
    connection: Connection
    """The transition's connection: write on it and the records commit or roll back with the state."""
    engine: Engine
    """The engine firing the transition: its query API, clock, channels and plugin manager."""

    @property
    def hooks(self) -> HookRelay:
        """This engine's hook relay (``ctx.hooks.mentorflow_my_hook(...)``), including plugins' own hookspecs."""
        return self.engine.pm.hook

    @property
    def now(self) -> datetime:
        """The time of the transition (the engine's clock when it was fired)."""
        return self.event.at

    @property
    def actor(self) -> Actor:
        return self.event.actor

    @property
    def role(self) -> str:
        """The role the actor fires the transition in: ``mentor``, ``mentee``, ``coordinator`` or ``system``."""
        return self.event.role

    @property
    def relationship(self) -> RelationshipSnapshot:
        """The relationship as written by this transition (new state and version)."""
        assert self.event.after is not None  # effects run after the state is written
        return self.event.after

    @property
    def workflow(self) -> Workflow:
        return self.event.workflow

    @property
    def transition(self) -> Transition:
        return self.event.transition

    @property
    def data(self) -> dict[str, Any]:
        """The validated form data (empty without a form)."""
        return self.event.data


EffectFunction = Callable[[EffectContext, Mapping[str, Any]], None]
LegacyEffectFunction = Callable[[TransitionEvent, Connection, Mapping[str, Any]], None]
Precondition = Callable[["GuardContext", Mapping[str, Any]], "str | None"]
"""Why an effect has nothing to act on now (see :attr:`EffectSpec.precondition`), or None."""
"""The signature before :class:`EffectContext`: ``apply(event, connection, params)`` (deprecated)."""


@dataclass(frozen=True)
class EffectSpec:
    """An effect a plugin offers: its name, apply function and a JSON Schema for its parameters."""

    name: str
    apply: EffectFunction
    params_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "additionalProperties": False})
    description: str = ""
    plugin: str = ""
    precondition: Precondition | None = None
    """``precondition(ctx, params)`` with a :class:`~mentorflow.guards.GuardContext`: why the effect has nothing to
    act on now (a reason for the person, translated), or None. Asked when people are told what they may do
    (:meth:`Engine.available_transitions`), so a transition whose effect would only refuse (deciding an extension
    nobody asked for) is shown as not possible, with the reason. The effect itself still refuses when it runs."""


def _legacy(func: Callable[..., Any]) -> bool:
    """Whether ``func`` takes ``(event, connection, params)`` rather than ``(ctx, params)``."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: take it as written for today's API
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.default is p.empty]
    return len(positional) == 3


def effect(name: str, *, params: Mapping[str, Any] | None = None, description: str = "",
           precondition: Precondition | None = None) -> Callable[[EffectFunction | LegacyEffectFunction], EffectSpec]:
    """Decorator turning ``apply(ctx, params)`` into an :class:`EffectSpec`.

    ``ctx`` is an :class:`EffectContext`. Raise a :class:`~mentorflow.UserError` (for example
    :class:`~mentorflow.FormInvalid`) to reject the transition with a message for the person;
    nothing is written then. A function written for the old ``apply(event, connection, params)``
    still works, with a :class:`DeprecationWarning` when it is decorated.
    """

    def wrap(func: EffectFunction | LegacyEffectFunction) -> EffectSpec:
        schema = dict(params) if params is not None else {"type": "object", "additionalProperties": False}
        apply: EffectFunction
        if _legacy(func):
            warnings.warn(f"effect {name!r}: apply(event, connection, params) is deprecated; write "
                          "apply(ctx, params) and use ctx.event and ctx.connection", DeprecationWarning, stacklevel=2)
            old: LegacyEffectFunction = func  # type: ignore[assignment]

            def apply(ctx: EffectContext, call_params: Mapping[str, Any]) -> None:
                old(ctx.event, ctx.connection, call_params)
        else:
            apply = func  # type: ignore[assignment]
        return EffectSpec(name=name, apply=apply, params_schema=schema,
                          description=description or (func.__doc__ or "").strip(), precondition=precondition)

    return wrap
