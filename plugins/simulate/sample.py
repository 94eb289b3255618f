"""Plausible form data for a simulated transition, made from the form's JSON Schema.

Only required members are filled in, each with the simplest value the
schema allows (a ``const``, the first ``enum`` value, the minimum, today's
date for ``"format": "date"``). A rule the schema cannot express (a
plugin's own check) may still refuse it: ``--data TRANSITION=JSON`` gives
the data outright.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

TEXT = "Simulated"


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#"):
        return schema
    node: Any = root
    for part in [p.replace("~1", "/").replace("~0", "~") for p in ref[1:].split("/") if p]:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return {**node, **{k: v for k, v in schema.items() if k != "$ref"}} if isinstance(node, dict) else {}


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    value: int | float = 1 if low is None else low + (1 if "minimum" not in schema else 0)
    high = schema.get("maximum")
    if high is not None and value > high:
        value = high
    return int(value) if integer else value


def _string(schema: dict[str, Any], now: datetime) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return now.date().isoformat()
    if fmt == "date-time":
        return now.isoformat()
    if fmt == "email":
        return "someone@example.org"
    if fmt in ("uri", "iri", "uri-reference"):
        return "https://example.org/"
    text = TEXT.ljust(schema.get("minLength", 0), ".")
    return text[: schema["maxLength"]] if "maxLength" in schema else text


def sample(schema: Any, now: datetime, root: dict[str, Any] | None = None) -> Any:
    """The simplest value valid against ``schema`` (best effort; ``root`` resolves local ``$ref``)."""
    if not isinstance(schema, dict):
        return TEXT
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return sample(schema[key][0], now, root)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part, root) if isinstance(part, dict) else {})
        return sample({**merged, **{k: v for k, v in schema.items() if k != "allOf"}}, now, root)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: sample(properties.get(name, {}), now, root) for name in schema.get("required", [])}
    if kind == "array":
        return [sample(schema.get("items", {}), now, root) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, now)
