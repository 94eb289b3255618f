"""The meetings plugin's workflow additions for its tests, re-exported from the plugin.

:mod:`mentorflow.plugins.meetings.workflow` is the fragment itself.

``extend(default_workflow())`` adds them to the plain lifecycle (see :func:`tests.lifecycle.plain`), the
document the plugin's tests were written against; any other document is extended as it is.
"""

from __future__ import annotations

from typing import Any

from mentorflow.plugins.meetings import workflow
from tests.lifecycle import plain


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """:func:`mentorflow.plugins.meetings.workflow.extend` on ``document`` (the plain lifecycle for the default)."""
    return workflow.extend(plain(document))
