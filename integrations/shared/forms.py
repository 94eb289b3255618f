"""HTML forms from a workflow form's JSON Schema, and form posts back into typed JSON data (shared by integrations).

Only the top level of the schema becomes fields (what workflow forms use);
nested objects and arrays of objects are edited as JSON text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mentorflow.i18n import _, localized
from mentorflow.workflow.model import Form


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    help: str
    widget: str
    required: bool
    choices: tuple[tuple[str, str], ...]
    minimum: int | None
    maximum: int | None
    value: Any


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


def fields(form: Form, values: dict[str, Any] | None = None) -> list[Field]:
    """The form's fields in schema order, labelled in the current language."""
    props = form.schema.get("properties", {})
    required = set(form.schema.get("required", ()))
    values = values or {}
    out = []
    for name, spec in props.items():
        meta = form.fields.get(name, {})
        widget = _widget(spec, meta.get("widget"))
        if widget == "list":
            widget = "json"
        choices = tuple((str(v), _choice_label(meta, v)) for v in spec.get("enum", ()))
        out.append(Field(name=name, label=localized(meta.get("label")) or name.replace("_", " ").capitalize(),
                         help=localized(meta.get("help")), widget=widget, required=name in required,
                         choices=choices, minimum=spec.get("minimum"), maximum=spec.get("maximum"),
                         value=values.get(name)))
    return out


def _choice_label(meta: dict[str, Any], value: Any) -> str:
    labels = meta.get("choices", {})
    return localized(labels.get(str(value))) if str(value) in labels else str(value).replace("_", " ")


class FormDecodeError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def decode(form: Form, posted: dict[str, str]) -> dict[str, Any]:
    """Typed data from posted strings; empty optional fields are left out so the schema sees absence."""
    data: dict[str, Any] = {}
    for name, spec in form.schema.get("properties", {}).items():
        raw = posted.get(name)
        kind = spec.get("type")
        if spec.get("const") is True or kind == "boolean":
            if raw is not None:
                data[name] = True
            elif kind == "boolean":
                data[name] = False
            continue
        if raw is None or raw.strip() == "":
            continue
        raw = raw.strip()
        if kind == "integer":
            try:
                data[name] = int(raw)
            except ValueError:
                raise FormDecodeError(name, _("must be a whole number")) from None
        elif kind == "number":
            try:
                data[name] = float(raw)
            except ValueError:
                raise FormDecodeError(name, _("must be a number")) from None
        elif kind in ("array", "object"):
            try:
                data[name] = json.loads(raw)
            except json.JSONDecodeError:
                raise FormDecodeError(name, _("must be valid JSON")) from None
        else:
            data[name] = raw
    return data


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
    title_labels = {"en": title, "da": title} if isinstance(title, str) else dict(title or {})
    return Form(name=name, title=title_labels, schema=schema, validator=None, fields=labels)  # type: ignore[arg-type]
