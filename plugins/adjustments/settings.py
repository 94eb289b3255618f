"""Programme settings of the adjustments plugin (``programme.settings.adjustments``) and effective values.

::

    "adjustments": {
      "defaults": {"cadence": "P14D", "meeting_format": "video"},
      "cadence_range": {"min": "P7D", "max": "P30D"}
    }

Without ``defaults.cadence`` the programme's cadence is the period of its
first recurring timer (the reflection rhythm).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from mentorflow.durations import DURATION_REGEX
from mentorflow.plugins.adjustments.items import MEETING_FORMATS

_DURATION = {"type": "string", "pattern": DURATION_REGEX, "description": "an ISO 8601 duration such as P14D"}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "defaults": {
            "type": "object", "additionalProperties": False,
            "properties": {"cadence": _DURATION, "meeting_format": {"enum": list(MEETING_FORMATS)}},
        },
        "cadence_range": {
            "type": "object", "additionalProperties": False,
            "properties": {"min": _DURATION, "max": _DURATION},
        },
    },
}
VALIDATOR = Draft202012Validator(SCHEMA)
SETTING_KEYS = ("cadence", "meeting_format")


def adjustment_settings(programme: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((programme.get("settings") or {}).get("adjustments")) or {}


def programme_defaults(programme: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, str | None]:
    """The programme's own cadence and meeting format, before any relationship's adjustments."""
    defaults = adjustment_settings(programme).get("defaults") or {}
    cadence = defaults.get("cadence")
    if cadence is None:
        cadence = next((t.get("every") for t in document.get("timers", ()) if t.get("kind") == "recurring"), None)
    return {"cadence": cadence, "meeting_format": defaults.get("meeting_format")}


def effective(programme: Mapping[str, Any], document: Mapping[str, Any], overrides: Mapping[str, str]
              ) -> dict[str, str | None]:
    """Programme defaults with the relationship's accepted overrides on top."""
    values = programme_defaults(programme, document)
    values.update({k: v for k, v in overrides.items() if k in SETTING_KEYS})
    return values
