"""``programme.settings.matching``: its JSON Schema, its semantic checks, and the parsed form runs use.

Example::

    "matching": {
      "mode": "coordinator-assigned",
      "profile_schema": {"type": "object", "properties": {"languages": {...}, "skills_offered": {...}}},
      "criteria": [{"name": "skills_overlap", "weight": 3},
                   {"name": "same_value", "key": "same_industry", "weight": 1, "params": {"field": "industry"}}],
      "constraints": [{"name": "shared_language"}],
      "request_expiry": "P14D",
      "allow_multiple": false
    }
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry

from mentorflow.durations import DURATION_REGEX, parse_duration
from mentorflow.errors import Problem
from mentorflow.i18n import _, labels_schema
from mentorflow.validation import pointer, schema_problems

from .specs import ConstraintSpec, ScorerSpec

BASE = "/programme/settings/matching"
MODES = ("coordinator-assigned", "mentee-requests", "automatic")
ALGORITHMS = ("optimal", "greedy")
KEY = {"type": "string", "pattern": "^[a-z][a-z0-9_.:-]{0,63}$",
       "description": "A name: a lowercase letter, then lowercase letters, digits, _ . : or -."}
LABELS = labels_schema(max_length=200)

CRITERIA: dict[str, Any] = {
    "type": "array", "maxItems": 50,
    "items": {
        "type": "object", "required": ["name"], "additionalProperties": False,
        "properties": {
            "name": KEY,
            "key": KEY,
            "weight": {"type": "number", "minimum": 0, "maximum": 1000},
            "params": {"type": "object"},
            "label": LABELS,
        },
    },
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "mode": {"enum": list(MODES), "description": "Who pairs: the coordinator approves proposals, mentees "
                                                      "request mentors, or every proposal is approved at once."},
        "algorithm": {"enum": list(ALGORITHMS), "description": "optimal (default) or greedy assignment."},
        "profile_schema": {"type": "object", "description": "JSON Schema (2020-12) of a participant profile."},
        "criteria": CRITERIA,
        "constraints": {
            "type": "array", "maxItems": 50,
            "items": {"type": "object", "required": ["name"], "additionalProperties": False,
                      "properties": {"name": KEY, "params": {"type": "object"}}},
        },
        "capacity_field": {"type": "string", "minLength": 1, "maxLength": 100},
        "default_capacity": {"type": "integer", "minimum": 0, "maximum": 1000},
        "min_score": {"type": "number", "minimum": 0},
        "suggestions": {"type": "integer", "minimum": 1, "maximum": 100},
        "max_preferences": {"type": "integer", "minimum": 1, "maximum": 100},
        "request_expiry": {"type": "string", "pattern": DURATION_REGEX,
                           "description": "an ISO 8601 duration such as P14D"},
        "max_open_requests": {"type": "integer", "minimum": 1, "maximum": 20},
        "allow_multiple": {"type": "boolean"},
        "groups": {
            "type": "object", "additionalProperties": False,
            "description": "How groups and circles are formed (formats group and circle): what makes members of "
                           "one group go well together, besides each member's fit with the anchor.",
            "properties": {
                "cohesion": {**CRITERIA,
                             "description": "Criteria scored member against member (same goals, same language): "
                                            "a group gains each pair's score."},
                "diversity": {
                    "type": "object", "required": ["field"], "additionalProperties": False,
                    "description": "A mix of a profile field's values (faculties): a group gains weight x "
                                   "(distinct values - 1).",
                    "properties": {"field": {"type": "string", "minLength": 1, "maxLength": 100},
                                   "weight": {"type": "number", "minimum": 0, "maximum": 1000}},
                },
            },
        },
    },
}


@dataclass(frozen=True, slots=True)
class Criterion:
    """One weighted criterion of a programme: ``key`` names it in breakdowns."""

    key: str
    name: str
    weight: float
    params: Mapping[str, Any]
    label: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ConstraintCall:
    name: str
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """``settings.matching.groups``: what makes a group's members go well together (see :mod:`.groups`)."""

    cohesion: tuple[Criterion, ...] = ()
    diversity_field: str | None = None
    diversity_weight: float = 1.0


def _criteria(calls: Any) -> tuple[Criterion, ...]:
    return tuple(Criterion(c.get("key") or c["name"], c["name"], float(c.get("weight", 1)),
                           dict(c.get("params") or {}), c.get("label")) for c in calls or ())


@dataclass(frozen=True)
class MatchingSettings:
    """The parsed ``settings.matching`` with every default filled in."""

    mode: str = "coordinator-assigned"
    algorithm: str = "optimal"
    profile_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})
    criteria: tuple[Criterion, ...] = ()
    constraints: tuple[ConstraintCall, ...] = ()
    capacity_field: str = "capacity"
    default_capacity: int = 1
    min_score: float = 0.0
    suggestions: int = 5
    max_preferences: int = 3
    request_expiry: timedelta = timedelta(days=14)
    max_open_requests: int = 1
    allow_multiple: bool = False
    groups: GroupSettings = field(default_factory=GroupSettings)
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> MatchingSettings:
        """Build from an already-checked ``settings.matching`` object."""
        criteria = _criteria(raw.get("criteria"))
        groups = raw.get("groups") or {}
        diversity = groups.get("diversity") or {}
        return cls(
            mode=raw.get("mode", "coordinator-assigned"), algorithm=raw.get("algorithm", "optimal"),
            profile_schema=raw.get("profile_schema") or {"type": "object"}, criteria=criteria,
            constraints=tuple(ConstraintCall(c["name"], dict(c.get("params") or {}))
                              for c in raw.get("constraints", ())),
            capacity_field=raw.get("capacity_field", "capacity"), default_capacity=raw.get("default_capacity", 1),
            min_score=float(raw.get("min_score", 0)), suggestions=raw.get("suggestions", 5),
            max_preferences=raw.get("max_preferences", 3),
            request_expiry=parse_duration(raw.get("request_expiry", "P14D")),
            max_open_requests=raw.get("max_open_requests", 1), allow_multiple=bool(raw.get("allow_multiple", False)),
            groups=GroupSettings(_criteria(groups.get("cohesion")), diversity.get("field"),
                                 float(diversity.get("weight", 1))),
            raw=dict(raw))


def uses_matching(document: Any) -> bool:
    """Whether a workflow document has ``programme.settings.matching`` at all (valid or not)."""
    programme = document.get("programme") if isinstance(document, dict) else None
    settings = programme.get("settings") if isinstance(programme, dict) else None
    return isinstance(settings, dict) and "matching" in settings


def raw_settings(programme: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """``settings.matching`` of a programme object, or None when the programme does not use matching."""
    value = (programme.get("settings") or {}).get("matching")
    return value if isinstance(value, dict) else None


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(SCHEMA, registry=Registry())


def profile_validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A validator for profiles; an empty registry so a profile schema never loads anything."""
    from mentorflow.workflow.loader import form_validator

    return form_validator(schema)


def _at(*parts: Any) -> str:
    return BASE + pointer(parts)


def _remote_refs(node: Any, path: list[Any]) -> list[list[Any]]:
    """Paths of ``$ref`` values that are not local (``#/...``)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and not value.startswith("#"):
                found.append([*path, key])
            else:
                found += _remote_refs(value, [*path, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _remote_refs(value, [*path, i])
    return found


def _profile_schema_problems(schema: Any) -> list[Problem]:
    if not isinstance(schema, dict):
        return []
    problems = [Problem(_at("profile_schema", *path), _("only local references (#/...) are allowed"))
                for path in _remote_refs(schema, [])]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        problems.append(Problem(_at("profile_schema", *error.absolute_path),
                                _("is not a valid JSON Schema: {error}").format(error=error.message)))
    if schema.get("type") != "object":
        problems.append(Problem(_at("profile_schema", "type"), _("a profile schema must have \"type\": \"object\"")))
    return problems


def _declared_fields(schema: Any) -> set[str] | None:
    """The profile's top-level property names, or None when the schema does not list them."""
    if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        return set(schema["properties"])
    return None


def _call_problems(section: str | tuple[str, ...], calls: list[Any],
                   known: Mapping[str, ScorerSpec | ConstraintSpec], declared: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    kind = _("constraint") if section == "constraints" else _("criterion")
    section = (section,) if isinstance(section, str) else section
    for i, call in enumerate(calls):
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            continue
        spec = known.get(call["name"])
        if spec is None:
            problems.append(Problem(_at(*section, i, "name"), _("unknown {kind} '{name}' (known: {known})").format(
                kind=kind, name=call["name"], known=", ".join(sorted(known)))))
            continue
        params = call.get("params", {})
        if not isinstance(params, dict):
            continue
        validator = Draft202012Validator(spec.params_schema, registry=Registry())
        bad = schema_problems(validator, params)
        problems += [Problem(_at(*section, i, "params") + p.pointer, p.message) for p in bad]
        if bad or declared is None or spec.fields is None:
            continue
        for param, name in spec.fields(params):
            if name not in declared:
                where = _at(*section, i, "params", param) if param else _at(*section, i, "name")
                problems.append(Problem(where, _("profile field '{field}' is not in profile_schema").format(
                    field=name)))
    return problems


def check_settings(document: Mapping[str, Any], scorers: Mapping[str, ScorerSpec],
                   constraints: Mapping[str, ConstraintSpec]) -> list[Problem]:
    """Every problem of ``programme.settings.matching`` in a workflow document (none when it is absent)."""
    programme = document.get("programme") if isinstance(document, dict) else None
    raw = raw_settings(programme) if isinstance(programme, dict) else None
    if raw is None:
        if isinstance(programme, dict) and "matching" in (programme.get("settings") or {}):
            return [Problem(BASE, _("must be an object"))]
        return []
    problems = [Problem(BASE + p.pointer, p.message) for p in schema_problems(_validator(), raw)]
    problems += _profile_schema_problems(raw.get("profile_schema"))
    declared = _declared_fields(raw.get("profile_schema"))
    criteria = raw.get("criteria") if isinstance(raw.get("criteria"), list) else []
    problems += _call_problems("criteria", criteria, scorers, declared)
    problems += _call_problems("constraints", raw.get("constraints") if isinstance(raw.get("constraints"), list)
                               else [], constraints, declared)
    seen: dict[str, int] = {}
    for i, call in enumerate(criteria):
        if isinstance(call, dict) and isinstance(call.get("name"), str):
            key = call.get("key") or call["name"]
            if key in seen:
                problems.append(Problem(_at("criteria", i, "key" if "key" in call else "name"), _(
                    "criterion key '{key}' is already used by criteria/{other}; give each a distinct \"key\"").format(
                    key=key, other=seen[key])))
            seen.setdefault(key, i)
    groups: dict[str, Any] = raw["groups"] if isinstance(raw.get("groups"), dict) else {}
    cohesion = groups["cohesion"] if isinstance(groups.get("cohesion"), list) else []
    problems += _call_problems(("groups", "cohesion"), cohesion, scorers, declared)
    diversity: dict[str, Any] = groups["diversity"] if isinstance(groups.get("diversity"), dict) else {}
    if isinstance(diversity.get("field"), str) and declared is not None and diversity["field"] not in declared:
        problems.append(Problem(_at("groups", "diversity", "field"), _(
            "profile field '{field}' is not in profile_schema").format(field=diversity["field"])))
    capacity_field = raw.get("capacity_field")
    if isinstance(capacity_field, str) and declared is not None and capacity_field not in declared:
        problems.append(Problem(_at("capacity_field"), _("profile field '{field}' is not in profile_schema").format(
            field=capacity_field)))
    return problems
