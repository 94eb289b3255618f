"""The JSON Schemas (2020-12) for workflows, programmes and forms, and the ready programme templates.

Shipped inside the wheel; read them with :func:`load_schema` and :func:`template_paths`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

SCHEMA_NAMES = ("workflow", "programme", "form")
BASE_URI = "https://mentorflow.dev/schemas/v1/"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed ``<name>.schema.json`` (``workflow``, ``programme`` or ``form``)."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"no schema called {name!r}; choose one of {', '.join(SCHEMA_NAMES)}")
    schema: dict[str, Any] = json.loads(files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8"))
    return schema


def template_paths() -> dict[str, Traversable]:
    """The built-in programme templates by name (file stem)."""
    folder = files(__name__).joinpath("programmes")
    return {
        entry.name.removesuffix(".json"): entry
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }
