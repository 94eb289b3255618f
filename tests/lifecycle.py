"""The plain lifecycle every shipped template is built on, for tests of the engine and of single plugins.

``schemas/lifecycle.json`` holds the lifecycle's states, transitions, timers and forms without any plugin's
additions; ``scripts/build_templates.py`` composes the programme templates from it. Tests of the engine's
mechanics publish it, so what they assert does not depend on which plugins the shipped default includes.
"""

from __future__ import annotations

from typing import Any

from mentorflow.testing import default_workflow, lifecycle_workflow


def base_workflow() -> dict[str, Any]:
    """A fresh copy of the plain lifecycle (no plugin effects, guards, forms or settings)."""
    return lifecycle_workflow()


def plain(document: dict[str, Any]) -> dict[str, Any]:
    """``document``, or the plain lifecycle when ``document`` is the shipped default.

    The plugins' tests extend ``default_workflow()`` with their own plugin only; they were written when
    the default was the plain lifecycle. Now that the default holds every lifecycle plugin, the
    ``tests/workflows_<plugin>.py`` re-exports start those tests from the plain lifecycle instead.
    """
    return base_workflow() if document == default_workflow() else document
