"""Named choices: the values a form field may take that only the relationship's own records know.

A workflow annotates a form field with ``"choices_from": "goals.open"`` (in the form's ``fields``, or
for a property of the items of an array field under ``fields.<field>.items``). The provider of that
name, which a plugin registers through ``mentorflow_register_choices``, lists the values with a label
for one relationship and one person. The shared forms (web pages, Open edX) render the options as a
select, and :meth:`Engine.fire <mentorflow.Engine.fire>` refuses a value that is not among them with
:class:`~mentorflow.FormInvalid` at the field's pointer, so a form can only name records the person
could have chosen (never another pair's goal). Like guards and effects, providers are names, never code
in the workflow; an unknown name is a problem when the workflow is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mentorflow.actors import Actor
from mentorflow.errors import Problem
from mentorflow.i18n import _
from mentorflow.pluginmanager import plugin_failure
from mentorflow.snapshots import RelationshipSnapshot

if TYPE_CHECKING:
    from datetime import datetime

    from pluggy import HookRelay
    from sqlalchemy.engine import Connection

    from mentorflow.engine import Engine
    from mentorflow.workflow.model import Form, Workflow

ANNOTATION = "choices_from"
"""The key of a field's metadata naming its choices provider."""
EACH = "*"
"""In a :class:`ChoiceField` path: every item of an array."""

Choice = tuple[Any, str]
"""A value the field may take and its label in the current language."""


@dataclass(frozen=True, slots=True)
class ChoiceContext:
    """What a choices provider may look at. ``connection`` reads inside the caller's transaction, if any."""

    relationship: RelationshipSnapshot
    workflow: Workflow
    actor: Actor
    role: str | None
    """The role the person acts in: ``mentor``, ``mentee``, ``coordinator`` or ``system`` (None: none)."""
    connection: Connection
    engine: Engine
    """The engine asking: its query API and plugin manager (see :attr:`hooks`)."""

    @property
    def hooks(self) -> HookRelay:
        """The engine's hook relay (``ctx.hooks.mentorflow_my_hook(...)``), including plugins' own hookspecs."""
        return self.engine.pm.hook

    @property
    def now(self) -> datetime:
        """The engine's clock now."""
        return self.engine.clock.now()


ChoicesFunction = Callable[[ChoiceContext], Iterable[Choice]]
"""Returns the ``(value, label)`` pairs on offer; labels are translated with :func:`mentorflow.i18n._`."""


@dataclass(frozen=True)
class ChoicesSpec:
    """A choices provider a plugin offers: its name and the function listing the options."""

    name: str
    options: ChoicesFunction
    description: str = ""
    plugin: str = ""


def choices_provider(name: str, *, description: str = "") -> Callable[[ChoicesFunction], ChoicesSpec]:
    """Decorator turning ``options(ctx) -> [(value, label), ...]`` into a :class:`ChoicesSpec`.

    The values must have the type the form's schema expects (an integer id for an integer field);
    they are compared with the submitted data as they are.
    """

    def wrap(func: ChoicesFunction) -> ChoicesSpec:
        return ChoicesSpec(name=name, options=func, description=description or (func.__doc__ or "").strip())

    return wrap


@dataclass(frozen=True, slots=True)
class ChoiceField:
    """Where a provider's values go in a form's data: ``("goal_id",)`` or ``("goals", "*", "goal_id")``."""

    path: tuple[str, ...]
    provider: str


def choice_fields(fields: Mapping[str, Any]) -> tuple[ChoiceField, ...]:
    """The annotated fields of a form's ``fields`` metadata, top-level ones and array items' properties."""
    found = []
    for name, meta in fields.items():
        if not isinstance(meta, Mapping):
            continue
        if isinstance(meta.get(ANNOTATION), str):
            found.append(ChoiceField((name,), meta[ANNOTATION]))
        items = meta.get("items")
        for prop, sub in (items.items() if isinstance(items, Mapping) else ()):
            if isinstance(sub, Mapping) and isinstance(sub.get(ANNOTATION), str):
                found.append(ChoiceField((name, EACH, prop), sub[ANNOTATION]))
    return tuple(found)


def providers_of(form: Form) -> tuple[str, ...]:
    """The names of the providers a form's fields use, each once."""
    return tuple(dict.fromkeys(f.provider for f in form.choice_fields))


def options(specs: Mapping[str, ChoicesSpec], ctx: ChoiceContext, names: Iterable[str]) -> dict[str, list[Choice]]:
    """Each named provider's options for ``ctx``; a provider failing is a :class:`PluginError` naming it."""
    out: dict[str, list[Choice]] = {}
    for name in names:
        spec = specs[name]
        try:
            out[name] = [(value, str(label)) for value, label in spec.options(ctx)]
        except Exception as error:
            # An outage and a provider's own UserError pass through; anything else names the provider.
            raise plugin_failure(spec.plugin or name, f"choices {name}", error, user_errors=True)  # noqa: B904
    return out


def _values_at(data: Any, path: tuple[str, ...], at: tuple[Any, ...] = ()) -> Iterable[tuple[tuple[Any, ...], Any]]:
    """``(pointer path, value)`` of every value ``path`` reaches in ``data`` (absent ones are skipped)."""
    if not path:
        yield at, data
        return
    head, rest = path[0], path[1:]
    if head == EACH:
        for i, item in enumerate(data if isinstance(data, list) else ()):
            yield from _values_at(item, rest, (*at, i))
    elif isinstance(data, Mapping) and head in data:
        yield from _values_at(data[head], rest, (*at, head))


def _offered(value: Any, offered: list[Choice]) -> bool:
    # True == 1 in Python; a boolean never stands for an id.
    return not isinstance(value, bool) and any(value == v and not isinstance(v, bool) for v, _label in offered)


def choice_problems(specs: Mapping[str, ChoicesSpec], ctx: ChoiceContext, form: Form, data: Mapping[str, Any]
                    ) -> list[Problem]:
    """A problem, at its pointer, for every annotated value of ``data`` that its provider does not offer."""
    reached = [(field, path, value) for field in form.choice_fields for path, value in _values_at(data, field.path)]
    if not reached:
        return []
    offered = options(specs, ctx, dict.fromkeys(field.provider for field, _p, _v in reached))
    return [Problem("/" + "/".join(str(p) for p in path),
                    _("{value} is not one of the choices offered here").format(value=value))
            for field, path, value in reached if not _offered(value, offered[field.provider])]
