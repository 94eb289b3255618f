"""Schema cost bounds: refuse, at load time, a document whose schemas could make checking data slow.

A workflow document carries JSON Schemas (each form's ``schema``, the matching profile's
``profile_schema``) that every submission is later validated against. Anyone who may publish a
workflow writes them, so they are hostile input: an ``anyOf`` of four ``$ref``s to a subschema that is
again such an ``anyOf``, eight levels deep, makes one check visit 4^8 subschemas; a backtracking
pattern such as ``^(a|a)*$`` doubles its time with every character.

:func:`cost_problems` bounds, before anything else is checked:

- the document's number of JSON values (:data:`MAX_DOCUMENT_NODES`; its bytes and nesting depth are
  bounded by :func:`mentorflow.validation.size_problems`);
- each schema's number of subschemas (:data:`MAX_SUBSCHEMAS`);
- each schema's **worst-case cost**: the number of subschemas one check applies to one value of the
  data, following ``$ref`` and adding up every applicator (``allOf``/``anyOf``/``oneOf``, ``not``,
  ``if``/``then``/``else``, ``dependentSchemas``, ``properties``, ``patternProperties``, ``items`` ...).
  Subschemas that never apply to the same value (two properties, two positions of a list) count
  once, as the costliest of them. Checking data of *n* values visits at most cost × *n* subschemas,
  so :data:`MAX_COST` bounds the time per value. The estimate is memoised per (subschema, depth left
  in the data), so it is linear in the schema's size even when the check it predicts is exponential;
- how deep a check recurses, following ``$ref`` (:data:`MAX_CHECK_DEPTH`; deeper would end in a
  ``RecursionError``);
- every ``pattern`` and ``patternProperties`` key: it must be accepted by RE2, which matches in linear
  time (:mod:`mentorflow.patterns`), and ``unevaluatedProperties`` may not be combined with
  ``patternProperties`` (jsonschema matches those with Python's backtracking ``re``).

Every refusal names the JSON pointer of the offending subschema or pattern.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from mentorflow.errors import Problem
from mentorflow.i18n import _
from mentorflow.patterns import unsupported
from mentorflow.validation import MAX_DEPTH, pointer, split_pointer

MAX_DOCUMENT_NODES = 100_000
"""JSON values (objects, lists, texts, numbers ...) in one workflow document; a template has about 2,300."""
MAX_SUBSCHEMAS = 2_000
"""Subschemas in one embedded schema; the largest form of a template has 51."""
MAX_COST = 1_000
"""Subschemas one check may apply to one value of the data; a template's costliest form needs 34. A check
that fails everywhere takes about 60 µs per subschema, so this is at most about 60 ms per value."""
MAX_CHECK_DEPTH = 128
"""Nested subschemas (following ``$ref``) one check may descend through; templates need 6."""
DATA_DEPTH = MAX_DEPTH
"""Submitted data is never nested deeper (mentorflow.validation), so recursion through the data ends there."""

_IN_PLACE = frozenset({"not", "if", "then", "else"})
_IN_PLACE_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_IN_PLACE_MAPS = frozenset({"dependentSchemas"})
_CHILD = frozenset({"items", "additionalItems", "additionalProperties", "contains", "propertyNames",
                    "unevaluatedItems", "unevaluatedProperties", "contentSchema"})
_CHILD_LISTS = frozenset({"prefixItems", "items"})
_CHILD_MAPS = frozenset({"properties", "patternProperties"})
_DEFINITIONS = frozenset({"$defs", "definitions"})
# Which values of the data a subschema applies to. Subschemas of a "one" group never apply to the same
# value (each property name, each position has its own), so only the costliest of them counts per value;
# subschemas of an "all" group may all apply to the same value, so they add up.
_GROUPS = {"properties": "object:one", "additionalProperties": "object:one", "patternProperties": "object:all",
           "unevaluatedProperties": "object:all", "propertyNames": "object:all", "prefixItems": "array:one",
           "items": "array:one", "additionalItems": "array:one", "contains": "array:all",
           "unevaluatedItems": "array:all", "contentSchema": "string:all"}
IN_PLACE = ""
_REFS = ("$ref", "$dynamicRef")
_UNEVALUATED = ("unevaluatedProperties", "unevaluatedItems")


def embedded_schemas(document: Any) -> Iterator[tuple[list[Any], Any]]:
    """Every schema a workflow document carries that data is later validated against, with its path."""
    if not isinstance(document, dict):
        return
    forms = document.get("forms")
    if isinstance(forms, dict):
        for name, form in forms.items():
            if isinstance(form, dict) and isinstance(form.get("schema"), dict):
                yield ["forms", name, "schema"], form["schema"]
    programme = document.get("programme")
    settings = programme.get("settings") if isinstance(programme, dict) else None
    matching = settings.get("matching") if isinstance(settings, dict) else None
    if isinstance(matching, dict) and isinstance(matching.get("profile_schema"), dict):
        yield ["programme", "settings", "matching", "profile_schema"], matching["profile_schema"]


def cost_problems(document: Any, source: str = "") -> list[Problem]:
    """Every way ``document`` exceeds the bounds (empty when it is within them)."""
    nodes = count_nodes(document, MAX_DOCUMENT_NODES)
    if nodes > MAX_DOCUMENT_NODES:
        return [Problem("", _("has more than {n} values; a workflow document must be smaller").format(
            n=MAX_DOCUMENT_NODES), source)]
    problems: list[Problem] = []
    for path, schema in embedded_schemas(document):
        problems += schema_cost_problems(schema, path, source)
    return problems


def count_nodes(value: Any, limit: int) -> int:
    """JSON values in ``value``, stopping early once past ``limit`` (no recursion)."""
    count = 0
    stack = [value]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def schema_cost_problems(schema: Any, path: list[Any], source: str = "") -> list[Problem]:
    """The bounds one embedded schema exceeds, located under ``path`` (its place in the document)."""
    def at(loc: str, *more: Any) -> str:
        return pointer([*path, *split_pointer(loc), *more])

    shape = _Shape.of(schema)
    problems = [Problem(at(loc, *more), _("the pattern {pattern} cannot be used: {reason}. Patterns are "
                                          "matched in linear time, without backreferences or lookaround").format(
        pattern=pattern, reason=reason), source) for loc, more, pattern, reason in shape.refused_patterns]
    if shape.subschemas > MAX_SUBSCHEMAS:
        problems.append(Problem(pointer(path), _("has more than {n} subschemas").format(n=MAX_SUBSCHEMAS),
                                source))
        return problems
    if shape.unevaluated and shape.pattern_properties:
        loc, keyword = shape.unevaluated[0]
        problems.append(Problem(at(loc, keyword), _("'{keyword}' cannot be combined with 'patternProperties' "
                                                    "in the same schema").format(keyword=keyword), source))
    estimate = Estimate.of(schema)
    for loc in estimate.over_budget():
        problems.append(Problem(at(loc), _("checking data against this subschema could take {n} steps or more "
                                           "(at most {max} are allowed): its anyOf, oneOf, allOf and $ref "
                                           "multiply").format(n=estimate.cost(loc), max=MAX_COST), source))
    deep = estimate.too_deep()
    if deep is not None:
        problems.append(Problem(at(deep), _("checking data here would descend through more than {n} nested "
                                            "subschemas").format(n=MAX_CHECK_DEPTH), source))
    return problems


@dataclass
class _Shape:
    """What one walk over a schema's subschemas finds: their number, refused patterns, risky keywords."""

    subschemas: int = 0
    refused_patterns: list[tuple[str, tuple[Any, ...], str, str]] = field(default_factory=list)
    unevaluated: list[tuple[str, str]] = field(default_factory=list)
    pattern_properties: bool = False

    @classmethod
    def of(cls, schema: Any) -> _Shape:
        shape = cls()
        stack: list[tuple[str, Any]] = [("", schema)]
        while stack and shape.subschemas <= MAX_SUBSCHEMAS:
            loc, node = stack.pop()
            shape.subschemas += 1
            if not isinstance(node, dict):
                continue
            if isinstance(node.get("pattern"), str):
                reason = unsupported(node["pattern"])
                if reason:
                    shape.refused_patterns.append((loc, ("pattern",), node["pattern"], reason))
            for keyword in _UNEVALUATED:
                if keyword in node:
                    shape.unevaluated.append((loc, keyword))
            for key, value in node.items():
                if key == "patternProperties" and isinstance(value, dict):
                    shape.pattern_properties = True
                    for pattern in value:
                        reason = unsupported(pattern)
                        if reason:
                            shape.refused_patterns.append((loc, ("patternProperties", pattern), pattern, reason))
                if (key in _IN_PLACE or key in _CHILD) and isinstance(value, dict | bool):
                    stack.append((_join(loc, key), value))
                elif (key in _IN_PLACE_LISTS or key in _CHILD_LISTS) and isinstance(value, list):
                    stack.extend((_join(loc, key, i), v) for i, v in enumerate(value))
                elif (key in _IN_PLACE_MAPS or key in _CHILD_MAPS or key in _DEFINITIONS) and isinstance(value, dict):
                    stack.extend((_join(loc, key, name), v) for name, v in value.items())
        return shape


def _join(loc: str, *parts: Any) -> str:
    return loc + pointer(parts)


def _cap(value: int) -> int:
    # Costs are compared with MAX_COST only; capping keeps a 4^5000 fan-out from becoming a huge number.
    return min(value, MAX_COST + 1)


_Key = tuple[str, int]  # (location of a subschema in its schema, depth left in the data)


class Estimate:
    """The worst-case cost and check depth of every subschema one check of the root can reach."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self._nodes: dict[str, Any] = {"": schema}
        self._anchors = _anchors(schema)
        self._costs: dict[_Key, int] = {}
        self._evaluated: dict[_Key, int] = {}  # extra work of unevaluated*: jsonschema re-checks in-place subschemas
        self._heights: dict[_Key, int] = {}
        self._deps: dict[_Key, list[tuple[_Key, str]]] = {}

    @classmethod
    def of(cls, schema: Any) -> Estimate:
        estimate = cls(schema)
        estimate._run(("", DATA_DEPTH))
        return estimate

    def cost(self, loc: str = "") -> int:
        """The cost of the subschema at ``loc`` (capped just above :data:`MAX_COST`)."""
        return max((c for (at, _depth), c in self._costs.items() if at == loc), default=0)

    def height(self) -> int:
        return self._heights.get(("", DATA_DEPTH), 0)

    def over_budget(self) -> list[str]:
        """The smallest subschemas over budget: over :data:`MAX_COST` while everything they apply is within it."""
        found = {key[0] for key, cost in self._costs.items()
                 if cost > MAX_COST and all(self._costs.get(dep, 0) <= MAX_COST for dep, _ in self._deps[key])}
        return sorted(found)[:3]

    def too_deep(self) -> str | None:
        """Where the deepest chain of nested subschemas passes :data:`MAX_CHECK_DEPTH`, if it does."""
        key: _Key = ("", DATA_DEPTH)
        if self._heights.get(key, 0) <= MAX_CHECK_DEPTH:
            return None
        for _step in range(MAX_CHECK_DEPTH):
            deps = [dep for dep, _ in self._deps.get(key, ()) if dep in self._heights]
            if not deps:
                break
            key = max(deps, key=lambda dep: self._heights[dep])
        return key[0]

    # -- the walk ---------------------------------------------------------------------------------------
    def _run(self, root: _Key) -> None:
        """Post-order over (subschema, data depth) pairs without recursion; a pair met again while it is
        being computed is an in-place cycle (the loader refuses those), counted as nothing."""
        active: set[_Key] = set()
        stack: list[tuple[_Key, bool]] = [(root, False)]
        while stack:
            key, done = stack.pop()
            if not done:
                if key in self._costs or key in active:
                    continue
                active.add(key)
                self._deps[key] = self._dependencies(key)
                stack.append((key, True))
                stack.extend((dep, False) for dep, _ in self._deps[key] if dep not in self._costs)
                continue
            active.discard(key)
            deps = self._deps[key]
            evaluated = sum(self._costs.get(dep, 0) + self._evaluated.get(dep, 0) for dep, group in deps
                            if group == IN_PLACE)
            cost = 1 + sum(self._costs.get(dep, 0) for dep, group in deps if group == IN_PLACE) + _child_cost(
                [(group, self._costs.get(dep, 0)) for dep, group in deps if group != IN_PLACE])
            node = self._nodes.get(key[0])
            if isinstance(node, dict) and any(k in node for k in _UNEVALUATED):
                cost += evaluated
            self._costs[key] = _cap(cost)
            self._evaluated[key] = _cap(evaluated)
            self._heights[key] = 1 + max((self._heights.get(dep, 0) for dep, _ in deps), default=0)

    def _dependencies(self, key: _Key) -> list[tuple[_Key, str]]:
        """The subschemas a check of ``key`` applies: ((location, data depth), :data:`IN_PLACE` for the same
        value or the group of values below it, as in :data:`_GROUPS`)."""
        loc, depth = key
        node = self._nodes.get(loc)
        if not isinstance(node, dict):
            return []
        out: list[tuple[_Key, str]] = []

        def add(at: str, value: Any, group: str) -> None:
            if not isinstance(value, dict | bool) or (group != IN_PLACE and depth == 0):
                return  # data at the depth limit has no values below it
            self._nodes.setdefault(at, value)
            out.append(((at, depth if group == IN_PLACE else depth - 1), group))

        for keyword, value in node.items():
            group = _GROUPS.get(keyword, IN_PLACE)
            if keyword in _IN_PLACE or keyword in _CHILD:
                add(_join(loc, keyword), value, group)
            elif (keyword in _IN_PLACE_LISTS or keyword in _CHILD_LISTS) and isinstance(value, list):
                for i, sub in enumerate(value):
                    add(_join(loc, keyword, i), sub, group)
            elif (keyword in _IN_PLACE_MAPS or keyword in _CHILD_MAPS) and isinstance(value, dict):
                for name, sub in value.items():
                    add(_join(loc, keyword, name), sub, group)
            elif keyword in _REFS and isinstance(value, str):
                target = self._resolve(value)
                if target is not None:
                    add(target[0], target[1], IN_PLACE)
        return out

    def _resolve(self, ref: str) -> tuple[str, Any] | None:
        """The location and subschema a local reference leads to (None when it leads nowhere: the loader
        reports that)."""
        if not ref.startswith("#"):
            return None
        fragment = unquote(ref[1:])
        if fragment and not fragment.startswith("/"):
            loc = self._anchors.get(fragment)
            return None if loc is None else (loc, self._lookup(split_pointer(loc)))
        tokens = split_pointer(fragment)
        target = self._lookup(tokens)
        return None if target is None else (pointer(tokens), target)

    def _lookup(self, tokens: list[str]) -> Any:
        node: Any = self.schema
        for token in tokens:
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node


def _child_cost(costs: list[tuple[str, int]]) -> int:
    """The most any one value below the schema's value can cost: per kind of data (object, array, text), the
    costliest of its "one" group plus all of its "all" group."""
    total: dict[str, int] = {}
    for kind in {group.split(":")[0] for group, _cost in costs}:
        one = max((c for g, c in costs if g == f"{kind}:one"), default=0)
        total[kind] = one + sum(c for g, c in costs if g == f"{kind}:all")
    return max(total.values(), default=0)


def _anchors(schema: Any) -> dict[str, str]:
    """``$anchor`` and ``$dynamicAnchor`` names and the locations of the subschemas that carry them."""
    found: dict[str, str] = {}
    stack: list[tuple[str, Any]] = [("", schema)]
    seen = 0
    while stack and seen <= MAX_SUBSCHEMAS * 10:
        loc, node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            for keyword in ("$anchor", "$dynamicAnchor"):
                if isinstance(node.get(keyword), str):
                    found.setdefault(node[keyword], loc)
            stack.extend((_join(loc, k), v) for k, v in node.items() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((_join(loc, i), v) for i, v in enumerate(node))
    return found
