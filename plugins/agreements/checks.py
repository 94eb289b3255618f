"""Load-time checks of a workflow for the agreements plugin.

- a transition proposing or amending an agreement carries a form (its data are the terms);
- a transition signing is fired by the mentor or the mentee only (a signature has a signer);
- signing, amending and the signature guards need some transition that proposes an agreement,
  and ``agreements.signed`` needs a transition that signs: otherwise they could never pass.
"""

from __future__ import annotations

from typing import Any

from mentorflow import Problem
from mentorflow.i18n import _
from mentorflow.validation import pointer
from mentorflow.workflow.model import Workflow

from .store import AMEND, AWAITING_GUARD, PROPOSE, SIGN, SIGNED_GUARD, SIGNING_ROLES


def _calls(document: dict[str, Any], key: str) -> list[tuple[int, int, dict[str, Any], str]]:
    """``(transition index, call index, transition, name)`` for every guard or effect call."""
    found = []
    for i, transition in enumerate(document.get("transitions") or ()):
        if not isinstance(transition, dict):
            continue
        for j, call in enumerate(transition.get(key) or ()):
            if isinstance(call, dict) and isinstance(call.get("name"), str):
                found.append((i, j, transition, call["name"]))
    return found


def check_workflow(workflow: Workflow, document: dict[str, Any]) -> list[Problem]:
    """Every problem this plugin finds in a workflow document."""
    problems: list[Problem] = []
    effects = _calls(document, "effects")
    guards = _calls(document, "guards")
    used = {name for *_rest, name in effects}
    for i, j, transition, name in effects:
        if name in (PROPOSE, AMEND) and not transition.get("form"):
            problems.append(Problem(pointer(["transitions", i, "effects", j]), _(
                "effect {effect} stores the transition's form data as the agreement terms; give the transition "
                "a form").format(effect=name)))
        if name == SIGN:
            others = sorted(set(transition.get("roles") or ()) - set(SIGNING_ROLES))
            if others:
                problems.append(Problem(pointer(["transitions", i, "roles"]), _(
                    "effect {effect} records the signature of a member of the relationship; remove {roles}").format(
                        effect=name, roles=", ".join(others))))
        if name in (SIGN, AMEND) and PROPOSE not in used:
            problems.append(Problem(pointer(["transitions", i, "effects", j]), _(
                "no transition has the effect {needed}, so there is never an agreement for {effect}").format(
                    needed=PROPOSE, effect=name)))
    for i, j, _transition, name in guards:
        if name in (SIGNED_GUARD, AWAITING_GUARD) and PROPOSE not in used:
            problems.append(Problem(pointer(["transitions", i, "guards", j]), _(
                "no transition has the effect {needed}, so guard {guard} could never pass").format(
                    needed=PROPOSE, guard=name)))
        elif name == SIGNED_GUARD and SIGN not in used:
            problems.append(Problem(pointer(["transitions", i, "guards", j]), _(
                "no transition has the effect {needed}, so guard {guard} could never pass").format(
                    needed=SIGN, guard=name)))
    return problems
