"""HTML forms from a workflow form's JSON Schema, and form posts back into typed JSON data (shared by integrations).

The top level of the schema becomes fields. An array of objects becomes repeated groups of fields
(widget ``rows``): control ``items-0-kind`` is property ``kind`` of the first item. Items whose schema
has kinds (``allOf`` of ``if``/``then`` on a property's ``const``, or ``oneOf``/``anyOf`` of such
objects) show a select of the kind and the fields of every kind, each saying which kinds it is for;
only the chosen kind's fields are submitted. With ``row_per_choice`` there is one group per choice of
an item property (one per goal), that property being fixed. Groups left empty are left out. An object
with declared ``properties`` (widget ``group``) is a fieldset with one control per property: control
``ratings-communication`` is its property ``communication``, labelled (and given choices) by the
metadata's ``items``. Other nested objects and arrays are edited as JSON text.

A field's choices come from its schema's ``enum`` (labelled by the metadata's ``choices``), with
``choices_from`` from the choices providers' options the caller passes in (see
:meth:`mentorflow.Engine.form_choices`), or, for a field without ``enum``, from the metadata's
``choices`` alone: the values on offer (a period such as ``P7D`` shown as "Every week").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mentorflow.choices import ANNOTATION
from mentorflow.i18n import _, localized, same_in_every_language
from mentorflow.workflow.model import Form

SEEN_VERSION = "_seen_version"
"""The hidden control carrying the relationship version a form was rendered at (the concurrency check).

Not a name a form field can have (field names are slugs: they begin with a letter), so a form's own field
called ``version`` (the agreement version a signer read) is posted and recorded, not taken for it."""
FREE_ROWS = 3
"""Groups shown for an array of objects without ``row_per_choice`` (at least one more than those filled in)."""
Options = Mapping[str, Sequence[tuple[Any, str]]]
"""Choices providers' options by provider name."""


@dataclass(frozen=True)
class Field:
    name: str
    """The control's name in the post (``items-0-kind`` inside a group)."""
    label: str
    help: str
    widget: str
    required: bool
    choices: tuple[tuple[str, str], ...]
    minimum: int | None
    maximum: int | None
    value: Any
    path: str = ""
    """Where its problems point, without the leading slash (``goal_id``, ``items/0/kind``); empty: nowhere."""
    rows: tuple[Row, ...] = ()
    """For widget ``rows``: the groups, one per item."""
    kinds: tuple[str, ...] = ()
    """Inside a group of several kinds: the kinds this field is for (empty: every kind)."""
    kind_switch: bool = False
    """Inside a group of several kinds: this select chooses the kind."""
    parts: tuple[Field, ...] = ()
    """For widget ``group`` (an object with declared properties): one control per property."""


@dataclass(frozen=True)
class Row:
    """One item of an array of objects: a fieldset with a legend."""

    legend: str
    path: str
    """``items/0``: where problems with the item point (empty while the group is left empty)."""
    fields: tuple[Field, ...]
    fixed: tuple[tuple[str, str], ...] = ()
    """Hidden ``(name, value)`` pairs: the choice a ``row_per_choice`` group is about."""
    error_keys: tuple[str, ...] = field(default=())
    """Problem paths shown at the group's legend (the item itself and its fixed property)."""


def _widget(spec: dict[str, Any], declared: str | None) -> str:
    if declared:
        return declared
    if "enum" in spec:
        return "select"
    kind = spec.get("type")
    if spec.get("const") is True or kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if spec.get("format") == "date":
        return "date"
    if kind in ("array", "object"):
        return "json"
    if spec.get("maxLength", 0) > 300:
        return "textarea"
    return "text"


def fields(form: Form, values: Mapping[str, Any] | None = None, options: Options | None = None) -> list[Field]:
    """The form's fields in schema order, labelled in the current language.

    ``values`` are what to show: posted strings by control name (a form shown again with its problems)
    or typed data. ``options`` are the choices providers' options by provider name, for the fields
    with ``choices_from``; without them such a field offers nothing.
    """
    props = form.schema.get("properties", {})
    required = set(form.schema.get("required", ()))
    values = values or {}
    options = options or {}
    out = []
    for name, spec in props.items():
        meta = form.fields.get(name, {})
        shape = _items_shape(spec, meta)
        if shape is not None:
            out.append(_rows_field(name, spec, meta, shape, values, options, name in required))
            continue
        keys = _object_props(spec, meta)
        if keys is not None:
            out.append(_group_field(name, spec, meta, keys, values, options, name in required))
            continue
        out.append(_field(name, name, spec, meta, values.get(name), options, required=name in required))
    return out


def _label(meta: Mapping[str, Any], name: str) -> str:
    return localized(meta.get("label")) or name.replace("_", " ").capitalize()


def _field(name: str, path: str, spec: Mapping[str, Any], meta: Mapping[str, Any], value: Any, options: Options,
           *, required: bool, prop: str | None = None, kinds: tuple[str, ...] = (),
           kind_labels: Mapping[str, str] | None = None, kind_switch: bool = False) -> Field:
    """One control; ``kinds`` (with their labels) says which kinds of item it belongs to."""
    provider = meta.get(ANNOTATION)
    offered = _offered_values(spec, meta)
    if isinstance(provider, str):
        widget = "select"
        choices = tuple((str(v), label) for v, label in options.get(provider, ()))
    else:
        widget = _widget(spec, meta.get("widget") or ("select" if offered else None))
        choices = tuple((str(v), _choice_label(meta, v)) for v in offered or spec.get("enum", ()))
    if widget == "list":
        widget = "json"
    if widget == "json" and value is not None and not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    elif widget == "select" and value is not None:
        value = str(value)  # the options' values are text
    help_text = localized(meta.get("help"))
    if kinds:
        only = _("Only for: {kinds}").format(kinds=", ".join((kind_labels or {}).get(k, k) for k in kinds))
        help_text = f"{help_text} {only}" if help_text else only
    return Field(name=name, label=_label(meta, prop or name), help=help_text,
                 widget=widget, required=required, choices=choices, minimum=spec.get("minimum"),
                 maximum=spec.get("maximum"), value=value, path=path, kinds=kinds, kind_switch=kind_switch)


def _choice_label(meta: Mapping[str, Any], value: Any) -> str:
    labels = meta.get("choices", {})
    return localized(labels.get(str(value))) if str(value) in labels else str(value).replace("_", " ")


def _offered_values(spec: Mapping[str, Any], meta: Mapping[str, Any]) -> tuple[str, ...]:
    """The values a field without ``enum`` offers through its metadata's ``choices`` (none: typed freely)."""
    labels = meta.get("choices")
    if "enum" in spec or not isinstance(labels, Mapping):
        return ()
    return tuple(str(value) for value in labels)


# -- objects with declared properties: one control per property -------------------------------------
def _object_props(spec: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, Mapping[str, Any]] | None:
    """An object's properties by name (the schema's, then those only ``items`` labels), or None for other fields.

    A property only the metadata names gets the schema's ``additionalProperties`` (when that is a schema).
    """
    declared = spec.get("properties")
    if spec.get("type") != "object" or not isinstance(declared, Mapping) or not declared:
        return None
    props: dict[str, Mapping[str, Any]] = {key: sub if isinstance(sub, Mapping) else {}
                                           for key, sub in declared.items()}
    extra = spec.get("additionalProperties")
    labelled = meta.get("items")
    for key in (labelled if isinstance(labelled, Mapping) and isinstance(extra, Mapping) else ()):
        props.setdefault(key, extra)
    return props


def _group_field(name: str, spec: Mapping[str, Any], meta: Mapping[str, Any], props: Mapping[str, Mapping[str, Any]],
                 values: Mapping[str, Any], options: Options, required: bool) -> Field:
    """A fieldset with a control per property: ``ratings-communication``, its problems at ``ratings/communication``."""
    typed = values.get(name)
    shown = dict(typed) if isinstance(typed, Mapping) else {key: values.get(f"{name}-{key}") for key in props}
    item_meta = meta.get("items") if isinstance(meta.get("items"), Mapping) else {}
    own_required = set(spec.get("required", ()))
    parts = tuple(_field(f"{name}-{key}", f"{name}/{key}", sub, item_meta.get(key, {}), shown.get(key), options,
                         required=key in own_required, prop=key) for key, sub in props.items())
    return Field(name=name, label=_label(meta, name), help=localized(meta.get("help")), widget="group",
                 required=required, choices=(), minimum=None, maximum=None, value=None, path=name, parts=parts)


# -- arrays of objects: repeated groups of fields ----------------------------------------------------
@dataclass(frozen=True)
class _Items:
    """What an array of objects' items look like, for its groups of fields."""

    props: dict[str, Mapping[str, Any]]
    """Every property an item may have (of every kind), in order."""
    meta: Mapping[str, Any]
    """``fields.<name>.items``: labels and choices of the properties."""
    switch: str | None = None
    """The property whose ``const`` picks the kind, if the items have kinds."""
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each kind's own properties (besides those every item has)."""
    common: tuple[str, ...] = ()
    """Properties every item may have, whatever its kind."""
    fixed: str | None = None
    """``row_per_choice``: the property with one group per choice."""

    def kinds_of(self, prop: str) -> tuple[str, ...]:
        if self.switch is None or prop in self.common:
            return ()
        return tuple(kind for kind, own in self.variants.items() if prop in own)

    def keep(self, kind: str | None) -> tuple[str, ...]:
        """The properties an item of ``kind`` submits (all of them when there are no kinds or none is chosen)."""
        if self.switch is None or kind not in self.variants:
            return tuple(self.props)
        return tuple(p for p in self.props if p in (self.switch, *self.common) or p in self.variants[kind])


def _kind_of(schema: Any) -> tuple[str, Any] | None:
    """``(property, value)`` when ``schema`` holds exactly for one value of one property (``{"const": ..}``)."""
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    consts = [(p, s["const"]) for p, s in (props or {}).items() if isinstance(s, Mapping) and "const" in s]
    return consts[0] if len(consts) == 1 else None


def _items_shape(spec: Mapping[str, Any], meta: Mapping[str, Any]) -> _Items | None:
    """The shape of an array of objects' items, or None for any other field (edited as it always was)."""
    items = spec.get("items")
    if spec.get("type") != "array" or not isinstance(items, Mapping) \
            or not isinstance(items.get("properties"), Mapping):
        return None
    props: dict[str, Mapping[str, Any]] = dict(items["properties"])
    variants: dict[str, tuple[str, ...]] = {}
    switch = None
    kinded: list[tuple[Any, Any]] = [(sub.get("if"), sub.get("then")) for sub in items.get("allOf", ())
                                     if isinstance(sub, Mapping)]
    kinded += [(sub, sub) for key in ("oneOf", "anyOf") for sub in items.get(key, ()) if isinstance(sub, Mapping)]
    for condition, schema in kinded:
        found = _kind_of(condition)
        if found is None or not isinstance(schema, Mapping) or switch not in (None, found[0]):
            continue
        switch, kind = found
        own = {p: s for p, s in (schema.get("properties") or {}).items() if p != switch}
        for prop, prop_spec in own.items():
            if not props.get(prop):
                props[prop] = prop_spec
        variants[str(kind)] = tuple(own)
    item_meta = meta.get("items") if isinstance(meta.get("items"), Mapping) else {}
    fixed = meta.get("row_per_choice")
    fixed = fixed if isinstance(fixed, str) and fixed in props else None
    common = tuple(p for p in items["properties"] if p != switch) if switch else tuple(props)
    return _Items(props, item_meta, switch, variants, common, fixed)


def _posted_rows(name: str, shape: _Items, values: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """Each group's values by its index: from posted controls (``name-0-prop``) or from typed data."""
    typed = values.get(name)
    if isinstance(typed, list):
        return {i: dict(item) for i, item in enumerate(typed) if isinstance(item, Mapping)}
    rows: dict[int, dict[str, Any]] = {}
    prefix = f"{name}-"
    for key, value in values.items():
        index, _sep, prop = key[len(prefix):].partition("-") if key.startswith(prefix) else ("", "", "")
        if index.isdigit() and prop in shape.props:
            rows.setdefault(int(index), {})[prop] = value
    return dict(sorted(rows.items()))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _empty(row: Mapping[str, Any], shape: _Items) -> bool:
    """A group nobody filled in (its fixed choice does not count)."""
    return all(_blank(value) for prop, value in row.items() if prop != shape.fixed)


def _positions(rows: Mapping[int, Mapping[str, Any]], shape: _Items) -> dict[int, int]:
    """Group index -> the item's position in the submitted array (groups left empty are not submitted)."""
    filled = [index for index, row in rows.items() if not _empty(row, shape)]
    return {index: position for position, index in enumerate(filled)}


def _rows_field(name: str, spec: Mapping[str, Any], meta: Mapping[str, Any], shape: _Items,
                values: Mapping[str, Any], options: Options, required: bool) -> Field:
    posted = _posted_rows(name, shape, values)
    if shape.fixed is not None:
        # One group per choice, in the provider's order; a group's index is its choice's place.
        provider = shape.meta.get(shape.fixed, {}).get(ANNOTATION)
        choices = list(options.get(provider, ())) if isinstance(provider, str) else []
        typed = isinstance(values.get(name), list)
        by_value = {str(row.get(shape.fixed)): row for row in posted.values()} if typed else {}
        rows = {i: {**(by_value.get(str(value), {}) if typed else posted.get(i, {})), shape.fixed: value}
                for i, (value, _label) in enumerate(choices)}
        legends = {i: label for i, (_value, label) in enumerate(choices)}
    else:
        limit = spec.get("maxItems") if isinstance(spec.get("maxItems"), int) else None
        count = max(FREE_ROWS, max(posted, default=-1) + 2)
        count = min(count, max(limit, len(posted))) if limit else count
        rows = {i: posted.get(i, {}) for i in range(count)}
        word = localized(meta.get("item_label")) or _("Item")
        legends = {i: _("{item} {n}").format(item=word, n=i + 1) for i in rows}
    positions = _positions(rows, shape)
    kind_meta = shape.meta.get(shape.switch, {}) if shape.switch else {}
    kind_labels = {kind: _choice_label(kind_meta, kind) for kind in shape.variants}
    groups = []
    for index, row in rows.items():
        at = f"{name}/{positions[index]}" if index in positions else ""
        controls = tuple(
            _field(f"{name}-{index}-{prop}", f"{at}/{prop}" if at else "", prop_spec, shape.meta.get(prop, {}),
                   row.get(prop), options, required=False, prop=prop, kinds=shape.kinds_of(prop),
                   kind_labels=kind_labels, kind_switch=prop == shape.switch)
            for prop, prop_spec in shape.props.items() if prop != shape.fixed)
        fixed = ((f"{name}-{index}-{shape.fixed}", str(row[shape.fixed])),) if shape.fixed else ()
        keys = (at, f"{at}/{shape.fixed}") if at and shape.fixed else (at,) if at else ()
        groups.append(Row(legends[index], at, controls, fixed, keys))
    return Field(name=name, label=_label(meta, name), help=localized(meta.get("help")), widget="rows",
                 required=required, choices=(), minimum=None, maximum=None, value=None, path=name,
                 rows=tuple(groups))


class FormDecodeError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


_ABSENT = object()


def decode(form: Form, posted: Mapping[str, str]) -> dict[str, Any]:
    """Typed data from posted strings; empty optional fields are left out so the schema sees absence.

    An array of objects is assembled from its groups (``items-0-kind``, ...): groups left empty are
    dropped, an item of a kind keeps only that kind's properties, and each property is converted to its
    type. An object with declared properties is assembled from its controls (``ratings-communication``)
    the same way. A text that is not of its field's type is a :class:`FormDecodeError` naming the
    field's path in the data (``items/0/goal_id``, ``ratings/communication``).
    """
    data: dict[str, Any] = {}
    required = set(form.schema.get("required", ()))
    for name, spec in form.schema.get("properties", {}).items():
        meta = form.fields.get(name, {})
        shape = _items_shape(spec, meta)
        keys = _object_props(spec, meta) if shape is None else None
        if shape is not None:
            value = _decode_rows(name, shape, posted, name in required)
        elif keys is not None:
            value = _decode_object(name, keys, posted, name in required)
        else:
            value = _decode_value(spec, posted.get(name), name)
        if value is not _ABSENT:
            data[name] = value
    return data


def _decode_rows(name: str, shape: _Items, posted: Mapping[str, str], required: bool) -> Any:
    items: list[dict[str, Any]] = []
    for row in _posted_rows(name, shape, posted).values():
        if _empty(row, shape):
            continue
        kind = row.get(shape.switch) if shape.switch else None
        item = {}
        for prop in shape.keep(kind.strip() if isinstance(kind, str) else None):
            value = _decode_value(shape.props[prop], row.get(prop), f"{name}/{len(items)}/{prop}")
            if value is not _ABSENT:
                item[prop] = value
        items.append(item)
    # Absent rather than empty, so that "required" says what is missing; a required list may be empty.
    return items if items or required else _ABSENT


def _decode_object(name: str, props: Mapping[str, Mapping[str, Any]], posted: Mapping[str, str],
                   required: bool) -> Any:
    """An object from its controls (``ratings-communication``), each property of its own type; empty ones left out.

    Nothing filled in is an empty object when the field is required (so whoever checks it names each
    missing property) and absent otherwise.
    """
    data = {}
    for key, spec in props.items():
        value = _decode_value(spec, posted.get(f"{name}-{key}"), f"{name}/{key}")
        if value is not _ABSENT:
            data[key] = value
    return data if data or required else _ABSENT


def _types(spec: Mapping[str, Any]) -> set[str]:
    """The JSON types a schema allows, its ``anyOf``/``oneOf`` alternatives included."""
    kind = spec.get("type")
    found = set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()
    for key in ("anyOf", "oneOf"):
        for sub in spec.get(key, ()):
            if isinstance(sub, Mapping):
                found |= _types(sub)
    return found


def _decode_value(spec: Mapping[str, Any], raw: Any, path: str) -> Any:
    """One posted text as its schema's type (``_ABSENT`` for an empty optional field)."""
    kinds = _types(spec)
    if spec.get("const") is True or "boolean" in kinds:
        return True if raw is not None else False if "boolean" in kinds else _ABSENT
    if not isinstance(raw, str) or raw.strip() == "":
        return _ABSENT
    raw = raw.strip()
    for value in spec.get("enum", ()):
        if str(value) == raw:
            return value  # an enumeration of numbers gets the number
    if "integer" in kinds and (kinds <= {"integer", "number"} or raw.lstrip("-").isdigit()):
        try:
            return int(raw)
        except ValueError:
            raise FormDecodeError(path, _("must be a whole number")) from None
    if "number" in kinds and not kinds & {"string"}:
        try:
            return float(raw)
        except ValueError:
            raise FormDecodeError(path, _("must be a number")) from None
    if kinds & {"array", "object"} and not kinds & {"string"}:
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise FormDecodeError(path, _("must be valid JSON")) from None
    return raw


def schema_form(name: str, schema: dict[str, Any], title: dict[str, str] | str | None = None) -> Form:
    """A form for a bare JSON Schema (a matching profile, say), labelled from its properties' annotations.

    A property's ``x-label`` (``{"en": .., "da": ..}``), else its ``title``, becomes its label; ``x-help``,
    else ``description``, its help; enums become choices. The result is only for :func:`fields` and
    :func:`decode`: validation stays with whoever owns the schema.
    """
    labels = {}
    for prop, spec in (schema.get("properties") or {}).items():
        if isinstance(spec, dict):
            labels[prop] = {key: spec.get(f"x-{key}") or spec.get(plain) for key, plain in
                            (("label", "title"), ("help", "description")) if spec.get(f"x-{key}") or spec.get(plain)}
    title_labels = same_in_every_language(title) if isinstance(title, str) else dict(title or {})
    return Form(name=name, title=title_labels, schema=schema, validator=None, fields=labels)
