"""Helpers for a plugin's workflow fragment: the ``extend(document)`` that adds the plugin to a lifecycle workflow.

A plugin's ``workflow.py`` takes a workflow document built on mentorflow's lifecycle (such as the shipped
templates) and returns a copy with the plugin's forms, transitions, guards, effects and settings. Every
fragment needs the same few steps: find a lifecycle transition or say clearly that the document lacks it,
add a guard or effect call once (keeping a call the programme has customised), add transitions the
document does not have yet, and write the English and Danish labels. They live here so that extending
twice gives the same document as extending once in every plugin, by the same rules.

These functions change the document they are given; a fragment's ``extend`` deep-copies its input first.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

__all__ = ["add_call", "add_transitions", "has_call", "labels", "transition", "uses_effect"]

CallKey = str
"""``"guards"`` or ``"effects"``: the list of calls on a transition."""


def labels(en: str, da: str) -> dict[str, str]:
    """A label in every language a workflow document must carry (English and Danish)."""
    return {"en": en, "da": da}


def transition(document: dict[str, Any], transition_id: str, plugin: str) -> dict[str, Any]:
    """The document's transition ``transition_id``, which ``plugin``'s fragment extends.

    A document without it is not built on the lifecycle the fragment expects: :class:`ValueError` names
    the plugin and the transition, so the template author knows which part is missing.
    """
    for candidate in document["transitions"]:
        if candidate["id"] == transition_id:
            found: dict[str, Any] = candidate
            return found
    raise ValueError(f"the {plugin} plugin extends the lifecycle's transition {transition_id!r}, which this "
                     "workflow does not have")


def has_call(transition: dict[str, Any], key: CallKey, name: str) -> bool:
    """Whether ``transition`` already calls the guard or effect ``name`` (``key`` is ``guards`` or ``effects``)."""
    return any(call.get("name") == name for call in transition.get(key, ()))


def add_call(transition: dict[str, Any], key: CallKey, call: dict[str, Any]) -> None:
    """Append a guard or effect call unless the transition already calls one of that name (maybe customised)."""
    if not has_call(transition, key, call["name"]):
        transition.setdefault(key, []).append(call)


def add_transitions(document: dict[str, Any], transitions: Iterable[dict[str, Any]]) -> None:
    """Append a copy of each of ``transitions`` whose id the document does not have yet (its own version stays)."""
    ids = {t["id"] for t in document["transitions"]}
    document["transitions"].extend(copy.deepcopy(t) for t in transitions if t["id"] not in ids)


def uses_effect(document: dict[str, Any], name: str) -> bool:
    """Whether any transition of the document calls the effect ``name`` (another plugin's part is present)."""
    return any(e.get("name") == name for t in document["transitions"] for e in t.get("effects", ()))
