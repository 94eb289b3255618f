"""JSON Schema validation that reports plain, translated sentences located by JSON pointers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from mentorflow.errors import Problem
from mentorflow.i18n import _

MAX_DOCUMENT_BYTES = 1_000_000
MAX_DEPTH = 32


def pointer(path: Iterable[Any]) -> str:
    """An RFC 6901 JSON pointer for a path of keys and indexes."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "".join("/" + p for p in parts)


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_TYPE_NAMES = {
    "object": lambda: _("an object"),
    "array": lambda: _("a list"),
    "string": lambda: _("a text"),
    "integer": lambda: _("a whole number"),
    "number": lambda: _("a number"),
    "boolean": lambda: _("true or false"),
    "null": lambda: _("null"),
}


def _type_name(name: Any) -> str:
    if isinstance(name, list):
        return _(" or ").join(_type_name(n) for n in name)
    return _TYPE_NAMES.get(name, lambda: str(name))()


def describe(error: ValidationError) -> tuple[list[Any], str]:
    """Return the path to point at and a translated sentence for one schema error."""
    path = list(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    inst = error.instance
    if keyword == "required":
        missing = [name for name in value if isinstance(inst, dict) and name not in inst]
        name = missing[0] if missing else value
        return [*path, name], _("'{name}' is required here but missing").format(name=name)
    if keyword == "additionalProperties" and isinstance(inst, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in inst if k not in allowed)
        if extra:
            return [*path, extra[0]], _("'{name}' is not allowed here (misspelt?)").format(name=extra[0])
    if keyword == "type":
        return path, _("must be {kind}, not {value}").format(kind=_type_name(value), value=_short(inst))
    if keyword == "enum":
        return path, _("{value} is not one of {choices}").format(
            value=_short(inst), choices=", ".join(_short(v) for v in value))
    if keyword == "const":
        return path, _("must be {value}").format(value=_short(value))
    if keyword == "pattern":
        return path, _("{value} does not have the expected form ({pattern})").format(
            value=_short(inst), pattern=error.schema.get("description") or value)
    if keyword == "minLength":
        return path, _("must not be empty") if value == 1 else _("is shorter than {n} characters").format(n=value)
    if keyword == "maxLength":
        return path, _("is longer than {n} characters").format(n=value)
    if keyword in ("minimum", "exclusiveMinimum"):
        return path, _("must be at least {n}").format(n=value) if keyword == "minimum" else _(
            "must be more than {n}").format(n=value)
    if keyword in ("maximum", "exclusiveMaximum"):
        return path, _("must be at most {n}").format(n=value) if keyword == "maximum" else _(
            "must be less than {n}").format(n=value)
    if keyword == "minItems":
        return path, _("needs at least {n} item(s)").format(n=value)
    if keyword == "maxItems":
        return path, _("has more than {n} items").format(n=value)
    if keyword == "uniqueItems":
        return path, _("has duplicate items")
    if keyword in ("minProperties", "maxProperties"):
        return path, (_("needs at least {n} entries") if keyword == "minProperties"
                      else _("has more than {n} entries")).format(n=value)
    if keyword == "format":
        return path, _("{value} is not a valid {format}").format(value=_short(inst), format=value)
    if keyword == "propertyNames":
        return path, _("has a name that is not allowed: {value}").format(value=_short(inst))
    if keyword == "not":
        return path, _("has a combination of fields that is not allowed here")
    return path, error.message


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """For oneOf/anyOf, report the alternative that came closest instead of the whole tree."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        yield from _leaf_errors(best_match(error.context))
    else:
        yield error


def schema_problems(validator: Validator, instance: Any, source: str = "") -> list[Problem]:
    """Every schema problem of ``instance``, each with its pointer and a plain sentence."""
    problems: set[Problem] = set()
    for error in validator.iter_errors(instance):
        for leaf in _leaf_errors(error):
            path, message = describe(leaf)
            problems.add(Problem(pointer(path), message, source))
    return sorted(problems)


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of a JSON value, stopping early once past ``limit`` (no recursion)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def size_problems(value: Any, source: str = "", max_depth: int = MAX_DEPTH) -> Sequence[Problem]:
    """Reject documents nested deeper than ``max_depth`` before any other processing."""
    if depth(value, max_depth) > max_depth:
        return [Problem("", _("is nested more than {n} levels deep").format(n=max_depth), source)]
    return []
