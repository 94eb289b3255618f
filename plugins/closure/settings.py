"""Programme settings of the closure plugin (``programme.settings.closure``).

::

    "closure": {
      "reasons": [{"id": "changed_needs", "label": {"en": "Needs have changed", "da": "Behovene har ændret sig"}}],
      "post_closure_contact": {"en": "You may stay in touch privately.", "da": "I må gerne holde kontakten privat."},
      "reopen_window": "P30D"
    }

``reasons`` is the only list an early closure may give as its reason: neutral
labels, never blaming either party. ``reopen_window`` is how long after
closing a coordinator may reopen a relationship.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from jsonschema import Draft202012Validator

from mentorflow.durations import DURATION_REGEX, parse_duration
from mentorflow.i18n import labels_schema

_LABELS = labels_schema(max_length=2000)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "reasons": {
            "type": "array", "minItems": 1, "maxItems": 50,
            "items": {
                "type": "object", "required": ["id", "label"], "additionalProperties": False,
                "properties": {"id": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,63}$"}, "label": _LABELS},
            },
        },
        "post_closure_contact": _LABELS,
        "reopen_window": {"type": "string", "pattern": DURATION_REGEX,
                          "description": "an ISO 8601 duration such as P30D"},
    },
}
VALIDATOR = Draft202012Validator(SCHEMA)


def closure_settings(programme: Mapping[str, Any]) -> Mapping[str, Any]:
    value = (programme.get("settings") or {}).get("closure")
    return value if isinstance(value, Mapping) else {}


def reasons(programme: Mapping[str, Any]) -> dict[str, Mapping[str, str]]:
    """The programme's early-closure reasons: id -> label ``{"en", "da"}``, in the programme's order."""
    return {r["id"]: r["label"] for r in closure_settings(programme).get("reasons", ())}


def post_closure_contact(programme: Mapping[str, Any]) -> Mapping[str, str] | None:
    return closure_settings(programme).get("post_closure_contact")


def reopen_window(programme: Mapping[str, Any]) -> timedelta | None:
    text = closure_settings(programme).get("reopen_window")
    return parse_duration(text) if text else None
