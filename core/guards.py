"""Named guards: the only way a workflow can make a transition conditional.

A workflow names a guard and gives it parameters; it never contains code
or expressions, so a coordinator's JSON cannot run anything. Plugins
provide guards through the ``mentorflow_register_guards`` hook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mentorflow.snapshots import GuardContext

GuardFunction = Callable[[GuardContext, Mapping[str, Any]], "str | None"]
"""Returns ``None`` when the transition may go ahead, else the reason it may not."""


@dataclass(frozen=True)
class GuardSpec:
    """A guard a plugin offers: its name, check function, and a JSON Schema for its parameters."""

    name: str
    check: GuardFunction
    params_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "additionalProperties": False})
    description: str = ""
    needs_data: bool = False
    """True when the guard inspects form data; the query API then skips it (it is checked when fired)."""
    plugin: str = ""


def guard(
    name: str,
    *,
    params: Mapping[str, Any] | None = None,
    description: str = "",
    needs_data: bool = False,
) -> Callable[[GuardFunction], GuardSpec]:
    """Decorator turning ``check(ctx, params)`` into a :class:`GuardSpec`.

    ``params`` is the JSON Schema the workflow's parameters are validated
    against when the workflow is loaded.
    """

    def wrap(func: GuardFunction) -> GuardSpec:
        schema = dict(params) if params is not None else {"type": "object", "additionalProperties": False}
        return GuardSpec(name=name, check=func, params_schema=schema,
                         description=description or (func.__doc__ or "").strip(), needs_data=needs_data)

    return wrap
