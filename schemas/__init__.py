"""The JSON Schemas (2020-12) for workflows, programmes and forms, and the ready programme templates.

Shipped inside the wheel; read them with :func:`load_schema` and :func:`template_paths`. The files name no
language: their ``$defs/labels`` (a text by language code) is filled in at load time from
:func:`mentorflow.i18n.supported_locales`, so a new catalogue is a new language the schemas accept.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from mentorflow.i18n import labels_schema, supported_locales

SCHEMA_NAMES = ("workflow", "programme", "form")
BASE_URI = "https://mentorflow.dev/schemas/v1/"


def load_schema(name: str) -> dict[str, Any]:
    """The parsed ``<name>.schema.json`` (``workflow``, ``programme`` or ``form``), its labels in today's languages."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"no schema called {name!r}; choose one of {', '.join(SCHEMA_NAMES)}")
    return _load(name, supported_locales())


@cache
def _load(name: str, _locales: tuple[str, ...]) -> dict[str, Any]:
    # ``_locales`` is only the cache key: a schema is made again when the catalogues change.
    schema: dict[str, Any] = json.loads(files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8"))
    if "labels" in schema.get("$defs", {}):
        schema["$defs"]["labels"] = labels_schema()
    return schema


def template_paths() -> dict[str, Traversable]:
    """The built-in programme templates by name (file stem)."""
    folder = files(__name__).joinpath("programmes")
    return {
        entry.name.removesuffix(".json"): entry
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }
