"""Load-time checks of a workflow for the members plugin.

- ``programme.settings.members.leave_reasons``, when given, maps reason ids to labels in English and
  Danish (at most 20 of them);
- a transition that lets members join (``members.join``) needs a format with room for more than one
  member in some role: in a pair there is nobody to add.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mentorflow import Problem
from mentorflow.i18n import _
from mentorflow.validation import pointer
from mentorflow.workflow.model import Workflow

BASE = "/programme/settings/members"
REASON_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_REASONS = 20


def check_workflow(workflow: Workflow, document: dict[str, Any]) -> list[Problem]:
    """Every problem this plugin finds in a workflow document."""
    problems = _settings_problems((workflow.programme.get("settings") or {}).get("members"))
    fmt = workflow.format
    if fmt.is_pair:
        for i, transition in enumerate(document.get("transitions") or ()):
            if any(isinstance(c, Mapping) and c.get("name") == "members.join" for c in transition.get("effects") or ()):
                problems.append(Problem(pointer(["transitions", i, "effects"]), _(
                    "members join groups, circles and co-mentoring; this programme's format is a pair "
                    "(set programme.format)")))
    return problems


def _settings_problems(settings: Any) -> list[Problem]:
    if settings is None:
        return []
    if not isinstance(settings, Mapping):
        return [Problem(BASE, _("must be an object such as {\"leave_reasons\": {...}}"))]
    problems = [Problem(f"{BASE}/{key}", _("'{name}' is not allowed here (misspelt?)").format(name=key))
                for key in sorted(set(settings) - {"leave_reasons"})]
    reasons = settings.get("leave_reasons")
    if reasons is None:
        return problems
    if not isinstance(reasons, Mapping) or not reasons or len(reasons) > MAX_REASONS:
        return [*problems, Problem(f"{BASE}/leave_reasons", _(
            "must be an object of 1 to {max} reasons, each an id with its label in English and Danish").format(
                max=MAX_REASONS))]
    for rid, label in reasons.items():
        at = f"{BASE}/leave_reasons/{rid}"
        if not REASON_ID.match(str(rid)):
            problems.append(Problem(at, _("a reason id is lower-case letters, digits and _ (at most 64)")))
        texts = [label.get(k) if isinstance(label, Mapping) else None for k in ("en", "da")]
        if not all(isinstance(text, str) and text.strip() for text in texts):
            problems.append(Problem(at, _("needs a label in English and Danish: {\"en\": \"...\", \"da\": \"...\"}")))
        elif any(len(label[k]) > 200 for k in ("en", "da")):
            problems.append(Problem(at, _("a label has at most 200 characters")))
    return problems
