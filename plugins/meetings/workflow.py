"""The meetings plugin's part of a programme template: ``extend(document)`` adds it to a lifecycle workflow.

``document`` is a workflow built on mentorflow's lifecycle (states ``contracting``, ``goal_setting``,
``reflecting``, ``adjusting``, ``closing``), such as the shipped templates. ``extend`` returns a copy with:

- form ``meeting`` (private, so the audit timeline shows its data to the author only; the pair reads the
  shared fields through the meetings API): date, duration_minutes, format, agenda, shared_notes,
  private_notes, rating 1-4;
- in a programme whose format is not a pair (a group, a circle, co-mentoring), the meeting form's ``attended``:
  one checkbox per current member (``meetings.members``), who attended the group meeting;
- form ``meeting_rating`` (private): meeting_id (chosen from ``meetings.logged``), rating 1-4, private_notes;
- transitions ``log_meeting`` (effect ``meetings.log``) and ``rate_meeting`` (effect ``meetings.rate``):
  actions of the mentor or the mentee in every state but paused and closed.

Forms and transitions the document already has are kept; extending twice gives the same document as
extending once.
"""

from __future__ import annotations

import copy
from typing import Any

from mentorflow.workflow.fragments import add_transitions

STATES = ["contracting", "goal_setting", "reflecting", "adjusting", "closing"]
RATING = {"type": "integer", "minimum": 1, "maximum": 4}
PRIVATE_NOTES = {"type": "string", "maxLength": 5000}
RATING_FIELD = {"label": {"en": "How was the meeting (1-4)? Only you see this.",
                          "da": "Hvordan var mødet (1-4)? Kun du ser dette."}, "widget": "scale"}
NOTES_FIELD = {"label": {"en": "Private notes (only you see these)", "da": "Private noter (kun du ser dem)"},
               "widget": "textarea"}

FORMAT_LABELS = {"in_person": {"en": "In person", "da": "Fysisk"}, "video": {"en": "Video", "da": "Video"},
                 "phone": {"en": "Phone", "da": "Telefon"}, "chat": {"en": "Chat", "da": "Chat"}}

MEETING_FORM: dict[str, Any] = {
    "title": {"en": "Meeting", "da": "Møde"},
    "private": True,
    "schema": {
        "type": "object",
        "required": ["date", "duration_minutes", "format"],
        "additionalProperties": False,
        "properties": {
            "date": {"type": "string", "format": "date"},
            "duration_minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
            "format": {"enum": ["in_person", "video", "phone", "chat"]},
            "agenda": {"type": "string", "maxLength": 5000},
            "shared_notes": {"type": "string", "maxLength": 10000},
            "private_notes": PRIVATE_NOTES,
            "rating": RATING,
        },
    },
    "fields": {
        "date": {"label": {"en": "Date", "da": "Dato"}, "widget": "date"},
        "duration_minutes": {"label": {"en": "Length (minutes)", "da": "Varighed (minutter)"}, "widget": "number"},
        "format": {"label": {"en": "How did you meet?", "da": "Hvordan mødtes I?"}, "widget": "select",
                   "choices": FORMAT_LABELS},
        "agenda": {"label": {"en": "Agenda", "da": "Dagsorden"}, "widget": "textarea"},
        "shared_notes": {"label": {"en": "Notes for both of you", "da": "Noter til jer begge"}, "widget": "textarea"},
        "private_notes": NOTES_FIELD,
        "rating": RATING_FIELD,
    },
}

RATING_FORM: dict[str, Any] = {
    "title": {"en": "Your view of the meeting", "da": "Dit syn på mødet"},
    "private": True,
    "schema": {
        "type": "object",
        "required": ["meeting_id"],
        "additionalProperties": False,
        "properties": {
            "meeting_id": {"type": "integer", "minimum": 1},
            "rating": RATING,
            "private_notes": PRIVATE_NOTES,
        },
    },
    "fields": {
        "meeting_id": {"label": {"en": "Meeting", "da": "Møde"}, "widget": "select", "choices_from": "meetings.logged"},
        "rating": RATING_FIELD,
        "private_notes": NOTES_FIELD,
    },
}

ATTENDED_SCHEMA: dict[str, Any] = {
    "type": "array", "maxItems": 100,
    "items": {"type": "object", "required": ["person_id"], "additionalProperties": False,
              "properties": {"person_id": {"type": "integer", "minimum": 1}, "present": {"type": "boolean"}}},
}
ATTENDED_FIELD: dict[str, Any] = {
    "label": {"en": "Who attended", "da": "Hvem deltog"}, "widget": "list",
    "item_label": {"en": "Member", "da": "Deltager"}, "row_per_choice": "person_id",
    "items": {"person_id": {"label": {"en": "Member", "da": "Deltager"}, "widget": "select",
                            "choices_from": "meetings.members"},
              "present": {"label": {"en": "Attended", "da": "Deltog"}, "widget": "checkbox"}},
}
"""A group meeting's attendance: one group per member, ticked when they were there."""

TRANSITIONS: list[dict[str, Any]] = [
    {"id": "log_meeting", "from": STATES, "roles": ["mentor", "mentee"], "form": "meeting",
     "effects": [{"name": "meetings.log"}], "label": {"en": "Log a meeting", "da": "Registrér et møde"}},
    {"id": "rate_meeting", "from": STATES, "roles": ["mentor", "mentee"], "form": "meeting_rating",
     "effects": [{"name": "meetings.rate"}],
     "label": {"en": "Rate a meeting", "da": "Bedøm et møde"}},
]


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with the meetings plugin's forms, transitions and effects."""
    doc = copy.deepcopy(document)
    doc.setdefault("forms", {}).setdefault("meeting", copy.deepcopy(MEETING_FORM))
    kind = ((doc.get("programme") or {}).get("format") or {}).get("kind", "pair")
    if kind != "pair":
        meeting = doc["forms"]["meeting"]
        meeting["schema"]["properties"].setdefault("attended", copy.deepcopy(ATTENDED_SCHEMA))
        meeting.setdefault("fields", {}).setdefault("attended", copy.deepcopy(ATTENDED_FIELD))
        shared = meeting["fields"].get("shared_notes") or {}
        if shared.get("label") == MEETING_FORM["fields"]["shared_notes"]["label"]:
            shared["label"] = {"en": "Notes for the group", "da": "Noter til gruppen"}
    doc["forms"].setdefault("meeting_rating", copy.deepcopy(RATING_FORM))
    add_transitions(doc, TRANSITIONS)
    return doc
