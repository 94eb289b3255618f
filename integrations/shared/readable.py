"""Recorded form data as a person reads it: labels instead of codes, ids and Python text (the history).

:func:`readable` turns one timeline entry's data (already redacted for the viewer by the engine) into
labelled values, using only what the form itself says and the options the viewer is offered anyway:

- an ``enum`` value (or a value the metadata's ``choices`` offer) by its label ("Every week", not ``P7D``);
- a ``choices_from`` value by the provider's label while the viewer is still offered it, else as it is;
- a list of objects as a small list of items, each property labelled (``fields.<name>.items``), an item's
  kind by its label; an object by its properties, labelled the same way;
- booleans as yes/no, dates as dates, an ISO 8601 period without a label in words ("6 months").

Nothing is looked up beyond the options passed in, so nothing is shown that the data does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mentorflow.choices import ANNOTATION
from mentorflow.durations import duration_words
from mentorflow.i18n import _, format_date, format_datetime, localized
from mentorflow.workflow.model import Form

Options = Mapping[str, Sequence[tuple[Any, str]]]
"""Choices providers' options by provider name (what :meth:`mentorflow.Engine.form_choices` returns)."""


@dataclass(frozen=True)
class Shown:
    """One labelled value: plain ``text`` (with ``iso`` for a date), an object's ``parts`` or a list's ``items``."""

    label: str
    text: str = ""
    iso: str = ""
    """For a date or time: its ISO form (the ``datetime`` of a ``<time>`` element)."""
    parts: tuple[Shown, ...] = ()
    items: tuple[tuple[Shown, ...], ...] = ()
    """For a list of objects: each item's properties."""


def readable(form: Form | None, data: Mapping[str, Any] | None, options: Options | None = None) -> list[Shown]:
    """``data`` of ``form`` as labelled values in the form's order (keys the form does not know come last).

    Data without a form (the relationship's start, say) is not shown: it holds ids, not what people wrote.
    """
    if not data or form is None:
        return []
    schema, meta = form.schema, form.fields
    props = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
    order = [key for key in props if key in data] + [key for key in data if key not in props]
    return [_show(key, props.get(key, {}), _meta(meta, key), data[key], options or {}) for key in order]


def recorded_choices(form: Form | None, data: Mapping[str, Any] | None) -> dict[str, set[Any]]:
    """The values ``data`` recorded through fields with ``choices_from``, by provider (what the history names).

    Walks the data as :func:`readable` shows it: top-level fields, and the properties of an object's or a
    list's items. Only hashable plain values are collected (an id, a code).
    """
    found: dict[str, set[Any]] = {}
    if data and form is not None:
        _collect(form.fields, data, found)
    return found


def _collect(meta: Any, value: Mapping[str, Any], found: dict[str, set[Any]]) -> None:
    for key, item in value.items():
        field_meta = _meta(meta, key)
        provider = field_meta.get(ANNOTATION)
        values = item if isinstance(item, list) else [item]
        for one in values:
            if isinstance(one, Mapping):
                _collect(_meta(field_meta, "items"), one, found)
            elif isinstance(provider, str) and isinstance(one, (int, str)) and not isinstance(one, bool):
                found.setdefault(provider, set()).add(one)


def _meta(meta: Any, key: str) -> Mapping[str, Any]:
    found = meta.get(key) if isinstance(meta, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _label(meta: Mapping[str, Any], key: str) -> str:
    return localized(meta.get("label")) or str(key).replace("_", " ").capitalize()


def _show(key: str, spec: Any, meta: Mapping[str, Any], value: Any, options: Options) -> Shown:
    spec = spec if isinstance(spec, Mapping) else {}
    label = _label(meta, key)
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        item_spec = spec.get("items") if isinstance(spec.get("items"), Mapping) else {}
        return Shown(label, items=tuple(_parts(item_spec, _meta(meta, "items"), item, options) for item in value))
    if isinstance(value, Mapping):
        return Shown(label, parts=_parts(spec, _meta(meta, "items"), value, options))
    if isinstance(value, list):
        item_spec = spec.get("items") if isinstance(spec.get("items"), Mapping) else {}
        return Shown(label, text=", ".join(_text(item_spec, meta, v, options)[0] for v in value))
    text, iso = _text(spec, meta, value, options)
    return Shown(label, text=text, iso=iso)


def _properties(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Every property an object's schema names, its kinds' (``allOf``/``oneOf``/``anyOf``) included."""
    found = dict(spec.get("properties") or {}) if isinstance(spec.get("properties"), Mapping) else {}
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in spec.get(key, ()) if isinstance(spec.get(key), list) else ():
            branch = sub.get("then", sub) if isinstance(sub, Mapping) else {}
            for prop, prop_spec in (branch.get("properties") or {}).items():
                if not found.get(prop):
                    found[prop] = prop_spec
    return found


def _parts(spec: Mapping[str, Any], meta: Mapping[str, Any], value: Mapping[str, Any], options: Options
           ) -> tuple[Shown, ...]:
    """An object's properties in its schema's order, each labelled by the metadata's ``items``."""
    props = _properties(spec)
    extra = spec.get("additionalProperties") if isinstance(spec.get("additionalProperties"), Mapping) else {}
    order = [key for key in props if key in value] + [key for key in value if key not in props]
    return tuple(_show(key, props.get(key) or extra, _meta(meta, key), value[key], options) for key in order)


def _text(spec: Mapping[str, Any], meta: Mapping[str, Any], value: Any, options: Options) -> tuple[str, str]:
    """A plain value's text (and its ISO form when it is a date or time)."""
    if value is None:
        return "—", ""
    if isinstance(value, bool):
        return (_("yes") if value else _("no")), ""
    provider = meta.get(ANNOTATION)
    if isinstance(provider, str):
        # Only the label of an option the viewer is offered anyway; otherwise the value as recorded.
        label = next((label for option, label in options.get(provider, ())
                      if option == value and not isinstance(option, bool)), None)
        return (label if label is not None else str(value)), ""
    labels = meta.get("choices")
    if isinstance(labels, Mapping) and str(value) in labels:
        return localized(labels[str(value)]), ""
    if isinstance(value, str) and spec.get("format") in ("date", "date-time"):
        return _when(value, spec["format"])
    if "enum" in spec:
        return str(value).replace("_", " "), ""
    words = duration_words(value) if isinstance(value, str) else None
    return (words or str(value)), ""


def _when(value: str, kind: str) -> tuple[str, str]:
    try:
        if kind == "date":
            return format_date(date.fromisoformat(value)), value
        return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")), "short"), value
    except ValueError:
        return value, ""
