"""The reflections plugin's part of a programme template: ``extend(document)`` adds it to a lifecycle workflow.

``document`` is a workflow built on mentorflow's lifecycle (transition ``submit_reflection``; states
``goal_setting``, ``reflecting``, ``adjusting``), such as the shipped templates. ``extend`` returns a copy with:

- form ``reflection`` becomes the full check-in: progress per goal, what went well, what to change,
  trust and engagement (1-5), the overall ``health`` score the lifecycle's form had, and free text; when
  the goals plugin adds the goals (``goals.add``), progress has one group per open goal (``goals.open``);
  payloads valid for the lifecycle's form stay valid;
- transition ``submit_reflection`` gets effect ``reflections.record``;
- form ``pulse`` (private: satisfaction 1-5, comment) and transition ``answer_pulse`` (mentor or mentee,
  in goal_setting/reflecting/adjusting) with effect ``reflections.pulse``;
- ``programme.settings.reflections.pulse`` (unless the programme has its own): day 30, then every 60 days.

The reflection form is replaced only while ``submit_reflection`` does not record reflections yet, so a
programme's own check-in questions (added after extending) survive extending again; extending twice
gives the same document as extending once.
"""

from __future__ import annotations

import copy
from typing import Any

from mentorflow.workflow.fragments import add_transitions, has_call, transition, uses_effect

SCORE = {"type": "integer", "minimum": 1, "maximum": 5}

REFLECTION_FORM: dict[str, Any] = {
    "title": {"en": "Reflection", "da": "Refleksion"},
    "description": {"en": "A short check-in on how the mentoring is going.",
                    "da": "En kort status på, hvordan mentorforløbet går."},
    "schema": {
        "type": "object",
        "required": ["went_well"],
        "additionalProperties": False,
        "properties": {
            "progress": {
                "type": "array",
                "maxItems": 50,
                "items": {
                    "type": "object",
                    "required": ["goal_id"],
                    "additionalProperties": False,
                    "properties": {
                        "goal_id": {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 64},
                                              {"type": "integer", "minimum": 1}]},
                        "percent": {"type": "integer", "minimum": 0, "maximum": 100},
                        "note": {"type": "string", "maxLength": 2000},
                    },
                },
            },
            "went_well": {"type": "string", "minLength": 1, "maxLength": 5000},
            "to_change": {"type": "string", "maxLength": 5000},
            "trust": SCORE,
            "engagement": SCORE,
            "health": SCORE,
            "notes": {"type": "string", "maxLength": 5000},
        },
    },
    "fields": {
        "progress": {"label": {"en": "Progress per goal", "da": "Fremskridt pr. mål"}, "widget": "list",
                     "item_label": {"en": "Goal", "da": "Mål"}, "items": {
                         "goal_id": {"label": {"en": "Goal", "da": "Mål"}},
                         "percent": {"label": {"en": "How far along (%)", "da": "Hvor langt (%)"}, "widget": "number"},
                         "note": {"label": {"en": "Note", "da": "Note"}, "widget": "textarea"}}},
        "went_well": {"label": {"en": "What went well?", "da": "Hvad gik godt?"}, "widget": "textarea"},
        "to_change": {"label": {"en": "What should change?", "da": "Hvad skal ændres?"}, "widget": "textarea"},
        "trust": {"label": {"en": "Trust between us (1-5)", "da": "Tillid mellem os (1-5)"}, "widget": "scale"},
        "engagement": {"label": {"en": "Engagement (1-5)", "da": "Engagement (1-5)"}, "widget": "scale"},
        "health": {"label": {"en": "How is the relationship going (1-5)?",
                             "da": "Hvordan går samarbejdet (1-5)?"}, "widget": "scale"},
        "notes": {"label": {"en": "Anything else", "da": "Andet"}, "widget": "textarea"},
    },
}

PULSE_FORM: dict[str, Any] = {
    "title": {"en": "Pulse survey", "da": "Pulsmåling"},
    "private": True,
    "schema": {
        "type": "object",
        "required": ["satisfaction"],
        "additionalProperties": False,
        "properties": {
            "satisfaction": SCORE,
            "comment": {"type": "string", "maxLength": 2000},
        },
    },
    "fields": {
        "satisfaction": {"label": {"en": "How satisfied are you with the mentoring (1-5)?",
                                   "da": "Hvor tilfreds er du med mentorforløbet (1-5)?"}, "widget": "scale"},
        "comment": {"label": {"en": "Comment", "da": "Kommentar"}, "widget": "textarea"},
    },
}

ANSWER_PULSE: dict[str, Any] = {
    "id": "answer_pulse",
    "from": ["goal_setting", "reflecting", "adjusting"],
    "roles": ["mentor", "mentee"],
    "form": "pulse",
    "effects": [{"name": "reflections.pulse"}],
    "label": {"en": "Answer the pulse survey", "da": "Besvar pulsmålingen"},
}


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with the reflections plugin's forms, transitions, effects and settings."""
    doc = copy.deepcopy(document)
    forms = doc.setdefault("forms", {})
    forms.setdefault("pulse", copy.deepcopy(PULSE_FORM))
    submit = transition(doc, "submit_reflection", "reflections")
    if not has_call(submit, "effects", "reflections.record"):
        form = forms[submit.get("form") or "reflection"] = copy.deepcopy(REFLECTION_FORM)
        if uses_effect(doc, "goals.add"):
            # With the goals plugin's goals: one group per open goal, named by its title.
            progress = form["fields"]["progress"]
            progress["items"]["goal_id"] = {"label": {"en": "Goal", "da": "Mål"}, "widget": "select",
                                            "choices_from": "goals.open"}
            progress["row_per_choice"] = "goal_id"
        submit.setdefault("form", "reflection")
        submit.setdefault("effects", []).append({"name": "reflections.record"})
    add_transitions(doc, [ANSWER_PULSE])
    settings = doc["programme"].setdefault("settings", {})
    settings.setdefault("reflections", {"pulse": {"first": "P30D", "every": "P60D"}})
    return doc
