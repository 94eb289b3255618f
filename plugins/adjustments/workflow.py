"""The adjustments plugin's part of a programme template: ``extend(document)`` adds it to a lifecycle workflow.

``document`` is a workflow built on mentorflow's lifecycle (transitions ``propose_adjustment``,
``accept_adjustment``, ``reject_adjustment``; form ``goal`` whose ``category`` choices a proposed new goal
may use), such as the shipped templates. ``extend`` returns a copy with:

- form ``adjustment``: replaced by a list of ``items`` (revise, drop or add a goal, change the cadence or
  the meeting format, amend the agreement) and an optional ``rationale``; each item's fields are labelled
  (``fields.items.items``), the new cadence is chosen from :data:`CADENCE_LABELS` (weekly to every two
  months; the data is still an ISO 8601 period, and any period in the programme's range is accepted),
  and when the goals plugin adds the goals (``goals.add``) an item's goal is chosen from ``goals.open``;
- form ``adjustment_rejection``: the ``reason`` a proposal is declined;
- ``propose_adjustment`` gets effect ``adjustments.propose``;
- ``accept_adjustment`` gets guard ``adjustments.other_side`` and effect ``adjustments.accept``;
- ``reject_adjustment`` gets form ``adjustment_rejection``, guard ``adjustments.other_side`` and effect
  ``adjustments.reject``;
- ``programme.settings.adjustments`` (unless the programme has its own): default meeting format and the
  cadence range.

The adjustment form is replaced only while ``propose_adjustment`` does not propose adjustments yet, so
extending twice gives the same document as extending once.
"""

from __future__ import annotations

import copy
from typing import Any

from mentorflow.workflow.fragments import add_call, labels, transition, uses_effect

DURATION = "^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$"
MEETING_FORMATS = ["in_person", "video", "phone", "chat"]
DEFAULT_CATEGORIES = ["career", "skills", "personal_growth", "academic", "business"]
SETTINGS: dict[str, Any] = {
    "defaults": {"meeting_format": "video"},
    "cadence_range": {"min": "P7D", "max": "P30D"},
}


def _kind(kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"required": list(properties), "additionalProperties": False,
                     "properties": {"kind": {}, **properties}}}


KIND_LABELS = {
    "revise_goal": labels("Revise a goal", "Revidér et mål"),
    "drop_goal": labels("Drop a goal", "Drop et mål"),
    "add_goal": labels("Add a goal", "Tilføj et mål"),
    "change_cadence": labels("Change how often you meet", "Ændr hvor ofte I mødes"),
    "change_meeting_format": labels("Change how you meet", "Ændr hvordan I mødes"),
    "amend_agreement": labels("Amend the agreement", "Ændr aftalen"),
}
CATEGORY_LABELS = {
    "career": labels("Career", "Karriere"), "skills": labels("Skills", "Færdigheder"),
    "personal_growth": labels("Personal growth", "Personlig udvikling"),
    "academic": labels("Studies", "Studier"), "business": labels("Business", "Forretning"),
}
FORMAT_LABELS = {"in_person": labels("In person", "Fysisk"), "video": labels("Video", "Video"),
                 "phone": labels("Phone", "Telefon"), "chat": labels("Chat", "Chat")}
CADENCE_LABELS = {
    "P7D": labels("Every week", "Hver uge"),
    "P14D": labels("Every two weeks", "Hver anden uge"),
    "P21D": labels("Every three weeks", "Hver tredje uge"),
    "P1M": labels("Every month", "Hver måned"),
    "P2M": labels("Every two months", "Hver anden måned"),
}
"""The cadences a person chooses from (the form's select); the data stays an ISO 8601 period."""


def _item_fields(categories: list[str], goal_choices: str | None) -> dict[str, Any]:
    """Labels of an item's properties: the shared forms edit each item as a group of fields."""
    goal = {"label": labels("Which goal", "Hvilket mål"), "widget": "select"}
    if goal_choices:
        goal["choices_from"] = goal_choices
    return {
        "kind": {"label": labels("What do you want to change?", "Hvad vil du ændre?"), "widget": "select",
                 "choices": copy.deepcopy(KIND_LABELS)},
        "goal_id": goal,
        "text": {"label": labels("New wording", "Ny formulering"), "widget": "textarea"},
        "reason": {"label": labels("Why drop it?", "Hvorfor droppe det?"), "widget": "textarea"},
        "title": {"label": labels("The new goal", "Det nye mål")},
        "category": {"label": labels("Category", "Kategori"), "widget": "select",
                     "choices": {c: copy.deepcopy(CATEGORY_LABELS[c]) for c in categories if c in CATEGORY_LABELS}},
        "period": {"label": labels("How often to meet", "Hvor ofte I skal mødes"), "widget": "select",
                   "choices": copy.deepcopy(CADENCE_LABELS)},
        "format": {"label": labels("How to meet", "Hvordan I skal mødes"), "widget": "select",
                   "choices": copy.deepcopy(FORMAT_LABELS)},
    }


def adjustment_form(categories: list[str], goal_choices: str | None = None) -> dict[str, Any]:
    """The proposal form: one item per change, each of a known kind with exactly its fields.

    ``goal_choices`` names the choices provider of the goal an item revises or drops (``goals.open``
    when the goals plugin keeps the relationship's goals); without it the goal is a number.
    """
    goal_id = {"type": "integer", "minimum": 1}
    item = {
        "type": "object", "required": ["kind"],
        "properties": {"kind": {"enum": ["revise_goal", "drop_goal", "add_goal", "change_cadence",
                                         "change_meeting_format", "amend_agreement"]}},
        "allOf": [
            _kind("revise_goal", {"goal_id": goal_id, "text": {"type": "string", "minLength": 3, "maxLength": 200}}),
            _kind("drop_goal", {"goal_id": goal_id, "reason": {"type": "string", "minLength": 1, "maxLength": 1000}}),
            _kind("add_goal", {"title": {"type": "string", "minLength": 3, "maxLength": 200},
                               "category": {"enum": categories}}),
            _kind("change_cadence", {"period": {"type": "string", "pattern": DURATION,
                                                "description": "an ISO 8601 period such as P7D"}}),
            _kind("change_meeting_format", {"format": {"enum": MEETING_FORMATS}}),
            _kind("amend_agreement", {"text": {"type": "string", "minLength": 1, "maxLength": 5000}}),
        ],
    }
    return {
        "title": {"en": "Adjustment", "da": "Justering"},
        "schema": {"type": "object", "required": ["items"], "additionalProperties": False,
                   "properties": {"items": {"type": "array", "minItems": 1, "maxItems": 20, "items": item},
                                  "rationale": {"type": "string", "maxLength": 5000}}},
        "fields": {
            "items": {"label": {"en": "What do you propose to change?", "da": "Hvad foreslår du at ændre?"},
                      "widget": "list", "item_label": labels("Change", "Ændring"),
                      "items": _item_fields(categories, goal_choices)},
            "rationale": {"label": {"en": "Why?", "da": "Hvorfor?"}, "widget": "textarea"},
        },
    }


REJECTION_FORM = {
    "title": {"en": "Decline the adjustment", "da": "Afvis justeringen"},
    "schema": {"type": "object", "required": ["reason"], "additionalProperties": False,
               "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 2000}}},
    "fields": {"reason": {"label": {"en": "Why not?", "da": "Hvorfor ikke?"}, "widget": "textarea"}},
}


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` (built on the lifecycle) with the adjustments plugin's additions."""
    doc = copy.deepcopy(document)
    propose = transition(doc, "propose_adjustment", "adjustments")
    if not any(e.get("name") == "adjustments.propose" for e in propose.get("effects", ())):
        goal_schema = doc.get("forms", {}).get("goal", {}).get("schema", {})
        categories = goal_schema.get("properties", {}).get("category", {}).get("enum") or DEFAULT_CATEGORIES
        uses_goals = uses_effect(doc, "goals.add")
        doc.setdefault("forms", {})[propose.get("form") or "adjustment"] = adjustment_form(
            list(categories), "goals.open" if uses_goals else None)
        propose.setdefault("form", "adjustment")
        propose.setdefault("effects", []).append({"name": "adjustments.propose"})
    doc["forms"].setdefault("adjustment_rejection", copy.deepcopy(REJECTION_FORM))
    accept = transition(doc, "accept_adjustment", "adjustments")
    add_call(accept, "guards", {"name": "adjustments.other_side"})
    add_call(accept, "effects", {"name": "adjustments.accept"})
    reject = transition(doc, "reject_adjustment", "adjustments")
    reject.setdefault("form", "adjustment_rejection")
    add_call(reject, "guards", {"name": "adjustments.other_side"})
    add_call(reject, "effects", {"name": "adjustments.reject"})
    doc["programme"].setdefault("settings", {}).setdefault("adjustments", copy.deepcopy(SETTINGS))
    return doc
