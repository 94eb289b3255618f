"""JSON Schema validation that reports plain, translated sentences located by JSON pointers."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from mentorflow.errors import Problem
from mentorflow.i18n import _
from mentorflow.patterns import PatternRefused, search

MAX_DOCUMENT_BYTES = 1_000_000
MAX_DEPTH = 32


def pointer(path: Iterable[Any]) -> str:
    """An RFC 6901 JSON pointer for a path of keys and indexes."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "".join("/" + p for p in parts)


def split_pointer(json_pointer: str) -> list[str]:
    """The reference tokens of an RFC 6901 JSON pointer (the inverse of :func:`pointer`)."""
    return [p.replace("~1", "/").replace("~0", "~") for p in json_pointer.split("/")[1:]] if json_pointer else []


def closest(name: Any, candidates: Iterable[Any]) -> str | None:
    """The candidate most like ``name`` (difflib's ratio of at least 0.6), or None when none is close."""
    if not isinstance(name, str):
        return None
    names = sorted({c for c in candidates if isinstance(c, str) and c != name})
    match = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(message: str, name: Any, candidates: Iterable[Any]) -> str:
    """``message`` followed by "did you mean '<closest candidate>'?" when one of ``candidates`` is close to ``name``."""
    match = closest(name, candidates)
    if match is None:
        return message
    return _("{message} — did you mean '{name}'?").format(message=message, name=match)


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


def _json_type(value: Any) -> str:
    """The JSON Schema type of a Python value (integers and floats are both "number" here)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    return "object" if isinstance(value, Mapping) else type(value).__name__


def _is_extra(name: str, schema: Mapping[str, Any]) -> bool:
    """Whether ``name`` is neither a listed property nor matched by a ``patternProperties`` pattern."""
    if name in (schema.get("properties") or {}):
        return False
    for pattern in schema.get("patternProperties") or {}:
        try:
            if search(pattern, name):
                return False
        except PatternRefused:
            continue
    return True


_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


#: Marks a schema whose keys are language codes (:func:`mentorflow.i18n.labels_schema`): an unknown key is a language.
LANGUAGE_KEYS = "x-language-keys"


def _not_a_language(name: Any, schema: Mapping[str, Any]) -> str:
    return _("'{name}' is not a language mentorflow speaks; use one of: {locales}").format(
        name=name, locales=", ".join(schema.get("properties") or {}))


def _about_a_name(error: ValidationError) -> bool:
    """Whether the error comes from a ``propertyNames`` keyword (so the instance is a key, not a value)."""
    path = list(error.absolute_schema_path)
    return any(part == "propertyNames" and (i == 0 or path[i - 1] not in _SCHEMA_MAPS) for i, part in enumerate(path))


def describe_all(error: ValidationError) -> list[tuple[list[Any], str]]:
    """Every (path, translated sentence) one schema error stands for.

    A ``required`` error names every missing property (each at its own
    pointer), an ``additionalProperties`` error every unexpected one.
    """
    path = list(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    inst = error.instance
    if isinstance(inst, str) and _about_a_name(error):
        # The error is about a property *name*: point at that key, not at its object.
        path = [*path, inst]
    if keyword == "required" and isinstance(inst, dict) and isinstance(value, list):
        missing = [name for name in value if name not in inst]
        if missing:
            return [([*path, name], _("'{name}' is required here but missing").format(name=name)) for name in missing]
    if keyword == "dependentRequired" and isinstance(inst, dict) and isinstance(value, dict):
        found = [([*path, need], _("'{name}' is required when '{other}' is given").format(name=need, other=name))
                 for name, needs in value.items() if name in inst for need in needs if need not in inst]
        if found:
            return found
    if keyword == "additionalProperties" and isinstance(inst, dict) and isinstance(error.schema, dict):
        extra = sorted((k for k in inst if _is_extra(k, error.schema)), key=str)
        if extra and error.schema.get(LANGUAGE_KEYS):
            return [([*path, name], _not_a_language(name, error.schema)) for name in extra]
        if extra:
            allowed = [k for k in error.schema.get("properties") or {} if k not in inst]
            return [([*path, name], did_you_mean(_("'{name}' is not allowed here (misspelt?)").format(name=name),
                                                 name, allowed)) for name in extra]
    if keyword == "not" and isinstance(inst, dict) and isinstance(value, dict):
        # {"not": {"anyOf": [{"required": ["a"]}, ...]}}: fields that must not appear together with the others.
        banned = [name for alternative in value.get("anyOf", ()) if isinstance(alternative, dict)
                  for name in alternative.get("required", ()) if name in inst]
        if banned:
            return [([*path, name], _("'{name}' is not allowed here").format(name=name)) for name in banned]
    return [describe(error)]


def describe(error: ValidationError) -> tuple[list[Any], str]:
    """Return the path to point at and a translated sentence for one schema error."""
    path = list(error.absolute_path)
    keyword = error.validator
    # The keyword's value in the schema: any JSON (jsonschema types it "Any | Unset"; Unset is only for an
    # error built by hand, never for one a validator reports).
    value: Any = error.validator_value
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    inst = error.instance
    if isinstance(inst, str) and _about_a_name(error):
        path = [*path, inst]
    if keyword == "required":
        missing = [name for name in value if isinstance(inst, dict) and name not in inst]
        name = missing[0] if missing else value
        return [*path, name], _("'{name}' is required here but missing").format(name=name)
    if keyword == "additionalProperties" and isinstance(inst, dict) and isinstance(error.schema, dict):
        extra = sorted((k for k in inst if _is_extra(k, error.schema)), key=str)
        if extra and error.schema.get(LANGUAGE_KEYS):
            return [*path, extra[0]], _not_a_language(extra[0], error.schema)
        if extra:
            return [*path, extra[0]], _("'{name}' is not allowed here (misspelt?)").format(name=extra[0])
    if keyword == "type":
        return path, _("must be {kind}, not {value}").format(kind=_type_name(value), value=_short(inst))
    if keyword == "enum":
        return path, did_you_mean(_("{value} is not one of {choices}").format(
            value=_short(inst), choices=", ".join(_short(v) for v in value)), inst, value)
    if keyword == "const":
        return path, _("must be {value}").format(value=_short(value))
    if keyword == "pattern":
        return path, _("{value} does not have the expected form ({pattern})").format(
            value=_short(inst), pattern=schema.get("description") or value)
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
    if keyword == "multipleOf":
        return path, _("must be a multiple of {n}").format(n=value)
    if keyword == "minItems":
        return path, _("needs at least {n} item(s)").format(n=value)
    if keyword == "maxItems":
        return path, _("has more than {n} items").format(n=value)
    if keyword == "items" and value is False:
        return path, _("has more than {n} items").format(n=len(schema.get("prefixItems", ())))
    if keyword == "uniqueItems":
        return path, _("has duplicate items")
    if keyword in ("contains", "minContains"):
        return path, _("has no item of the expected kind")
    if keyword in ("minProperties", "maxProperties"):
        return path, (_("needs at least {n} entries") if keyword == "minProperties"
                      else _("has more than {n} entries")).format(n=value)
    if keyword == "dependentRequired" and isinstance(inst, dict) and isinstance(value, dict):
        for name, needs in value.items():
            for need in needs:
                if name in inst and need not in inst:
                    return [*path, need], _("'{name}' is required when '{other}' is given").format(
                        name=need, other=name)
    if keyword == "format":
        return path, _("{value} is not a valid {format}").format(value=_short(inst), format=value)
    if keyword == "propertyNames":
        return path, _("has a name that is not allowed: {value}").format(value=_short(inst))
    if keyword == "not":
        return path, _("has a combination of fields that is not allowed here")
    if keyword == "unevaluatedProperties" and value is False:
        return path, _("has fields that are not allowed here")
    if keyword == "oneOf" and not error.context:
        return path, _("fits more than one of the allowed forms; it must fit exactly one")
    if keyword is None and error.schema is False:
        return path, _("is not allowed here")
    return path, error.message


def _root_types(errors: Sequence[ValidationError], instance: Any) -> tuple[bool, set[str]]:
    """For one oneOf/anyOf alternative: whether the instance has the wrong type for it, and the types it wants."""
    wanted: set[str] = set()
    mismatch = False
    for e in errors:
        if e.relative_path:
            continue
        value: Any = e.validator_value  # any JSON, as in describe()
        if e.validator == "type":
            mismatch = True
            wanted.update(value if isinstance(value, list) else [value])
        elif e.validator in ("const", "enum"):
            allowed = [value] if e.validator == "const" else list(value or ())
            types = {_json_type(v) for v in allowed}
            wanted.update(types)
            if _json_type(instance) not in types:
                mismatch = True
    return mismatch, wanted


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError | tuple[list[Any], str]]:
    """For oneOf/anyOf, report the alternative the instance was evidently meant to be.

    That is the first alternative whose type fits the instance, preferring one
    that is more than a fixed value (a ``const`` or ``enum``). When no
    alternative fits the type, one sentence lists the types that would.
    """
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        yield error
        return
    groups: dict[Any, list[ValidationError]] = {}
    for e in error.context:
        groups.setdefault(e.relative_schema_path[0] if e.relative_schema_path else None, []).append(e)
    fitting: list[list[ValidationError]] = []
    wanted: set[str] = set()
    for errors in groups.values():
        mismatch, types = _root_types(errors, error.instance)
        wanted |= types
        if not mismatch:
            fitting.append(errors)
    if fitting:
        def fixed_value(errors: list[ValidationError]) -> bool:
            return all(e.validator in ("const", "enum") and not e.relative_path for e in errors)

        chosen = next((g for g in fitting if not fixed_value(g)), fitting[0])
        for e in chosen:
            yield from _leaf_errors(e)
    elif wanted:
        order = ["object", "array", "string", "integer", "number", "boolean", "null"]
        kinds = sorted(wanted, key=lambda t: order.index(t) if t in order else len(order))
        yield list(error.absolute_path), _("must be {kind}, not {value}").format(
            kind=_type_name(kinds), value=_short(error.instance))
    else:
        yield from _leaf_errors(best_match(error.context))


def schema_problems(validator: Validator, instance: Any, source: str = "") -> list[Problem]:
    """Every schema problem of ``instance``, each with its pointer and a plain sentence."""
    problems: set[Problem] = set()
    for error in validator.iter_errors(instance):
        for leaf in _leaf_errors(error):
            for path, message in [leaf] if isinstance(leaf, tuple) else _located(leaf, validator, instance):
                problems.add(Problem(pointer(path), message, source))
    return sorted(problems)


def _located(error: ValidationError, validator: Validator, instance: Any) -> list[tuple[list[Any], str]]:
    if error.validator is None and error.schema is False:
        # jsonschema reports ``"properties": {"x": false}`` without the property's path; find it.
        keys = _false_property_keys(error, validator, instance)
        if keys is not None:
            return [([*error.absolute_path, k], _("is not allowed here")) for k in keys]
    return describe_all(error)


def _false_property_keys(error: ValidationError, validator: Validator, instance: Any) -> list[str] | None:
    schema_path = list(error.absolute_schema_path)
    if not schema_path or schema_path[-1] != "properties":
        return None
    node: Any = validator.schema
    for part in schema_path:
        if part in ("$ref", "$dynamicRef") or not isinstance(node, dict | list):
            return None
        try:
            node = node[part] if isinstance(node, dict) else node[int(part)]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    target: Any = instance
    for part in error.absolute_path:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return None
    if not isinstance(node, dict) or not isinstance(target, dict):
        return None
    keys = [k for k, sub in node.items() if sub is False and k in target]
    return keys or None


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


def encoded_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (0 when it is not JSON at all)."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError, RecursionError):
        return 0
    return len(text.encode("utf-8", "surrogatepass"))


def size_problems(value: Any, source: str = "", max_depth: int = MAX_DEPTH,
                  max_bytes: int = MAX_DOCUMENT_BYTES) -> Sequence[Problem]:
    """Reject documents nested deeper than ``max_depth`` or larger than ``max_bytes`` before anything else."""
    if depth(value, max_depth) > max_depth:
        return [Problem("", _("is nested more than {n} levels deep").format(n=max_depth), source)]
    if encoded_size(value) > max_bytes:
        return [Problem("", _("is larger than {n} bytes").format(n=max_bytes), source)]
    return []
