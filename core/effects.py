"""Named effects: what a transition does besides changing state, declared in the workflow.

A transition lists effects by name with parameters (``{"name":
"goals.add"}``); plugins provide them through ``mentorflow_register_effects``.
Each effect runs inside the transition's transaction, after the state and
audit rows are written, so the plugin's records commit or roll back with
the transition. Like guards, effects are names, never code in the workflow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from mentorflow.snapshots import TransitionEvent

EffectFunction = Callable[[TransitionEvent, Connection, Mapping[str, Any]], None]


@dataclass(frozen=True)
class EffectSpec:
    """An effect a plugin offers: its name, apply function and a JSON Schema for its parameters."""

    name: str
    apply: EffectFunction
    params_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "additionalProperties": False})
    description: str = ""
    plugin: str = ""


def effect(name: str, *, params: Mapping[str, Any] | None = None, description: str = ""
           ) -> Callable[[EffectFunction], EffectSpec]:
    """Decorator turning ``apply(event, connection, params)`` into an :class:`EffectSpec`.

    Raise a :class:`~mentorflow.UserError` (for example :class:`~mentorflow.FormInvalid`)
    to reject the transition with a message for the person; nothing is written then.
    """

    def wrap(func: EffectFunction) -> EffectSpec:
        schema = dict(params) if params is not None else {"type": "object", "additionalProperties": False}
        return EffectSpec(name=name, apply=func, params_schema=schema,
                          description=description or (func.__doc__ or "").strip())

    return wrap
