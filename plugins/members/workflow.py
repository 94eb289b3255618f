"""The members plugin's part of a programme template: ``extend(document)`` lets people join and leave.

``document`` is a workflow built on mentorflow's lifecycle (a running relationship is in ``goal_setting``,
``reflecting``, ``adjusting`` or ``paused``; it ends in ``closed``) whose programme has a group, circle or
co-mentoring ``format``. ``extend`` returns a copy with:

- ``add_member`` (coordinator; running and ``contracting``; form ``member_join``; effect ``members.join``);
- ``leave_group`` (every member role of the format, coordinator; running states; form ``member_leave``;
  guard ``members.others_remain``; effect ``members.leave``): the group goes on;
- ``last_member_leaves`` (the same; to ``closed``; guard ``members.last_to_leave``; effect
  ``members.leave``): the last mentee or peer leaving ends the group, with no fault and no closing forms.

A transition or form the document already has is kept as it is, so extending twice gives the same document.
"""

from __future__ import annotations

import copy
from typing import Any

from mentorflow.members import format_of
from mentorflow.workflow.fragments import add_transitions, labels

from .settings import DEFAULT_REASONS

RUNNING = ["goal_setting", "reflecting", "adjusting", "paused"]
JOINABLE = ["contracting", *RUNNING]

FORMS: dict[str, Any] = {
    "member_join": {
        "title": labels("Add a member", "Tilføj et medlem"),
        "schema": {"type": "object", "required": ["person_id", "role"], "additionalProperties": False,
                   "properties": {"person_id": {"type": "integer", "minimum": 1},
                                  "role": {"enum": ["mentee", "mentor", "facilitator", "peer"]}}},
        "fields": {"person_id": {"label": labels("Person", "Person"), "widget": "select",
                                 "choices_from": "members.candidates"},
                   "role": {"label": labels("Role", "Rolle"), "widget": "select", "choices": {
                       "mentee": labels("Mentee", "Mentee"), "mentor": labels("Mentor", "Mentor"),
                       "facilitator": labels("Facilitator", "Facilitator"), "peer": labels("Peer", "Deltager")}}},
    },
    "member_leave": {
        "title": labels("Leave", "Forlad"),
        "schema": {"type": "object", "required": ["reason"], "additionalProperties": False,
                   "properties": {"person_id": {"type": "integer", "minimum": 1},
                                  "reason": {"type": "string", "minLength": 1, "maxLength": 64}}},
        "fields": {"person_id": {"label": labels("Who leaves (coordinators)", "Hvem forlader (koordinatorer)"),
                                 "widget": "select", "choices_from": "members.current"},
                   "reason": {"label": labels("Why (no one is at fault)", "Hvorfor (ingen har skylden)"),
                              "widget": "select", "choices_from": "members.leave_reasons"}},
    },
}


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` where members can join and leave (see the module docstring)."""
    doc = copy.deepcopy(document)
    roles = [*format_of(doc["programme"]).member_roles, "coordinator"]
    forms = doc.setdefault("forms", {})
    for name, form in FORMS.items():
        forms.setdefault(name, copy.deepcopy(form))
    add_transitions(doc, [
        {"id": "add_member", "from": JOINABLE, "roles": ["coordinator"], "form": "member_join",
         "effects": [{"name": "members.join"}], "label": labels("Add a member", "Tilføj et medlem")},
        {"id": "leave_group", "from": RUNNING, "roles": roles, "form": "member_leave",
         "guards": [{"name": "members.others_remain"}], "effects": [{"name": "members.leave"}],
         "label": labels("Leave the group", "Forlad gruppen")},
        {"id": "last_member_leaves", "from": RUNNING, "to": "closed", "roles": roles, "form": "member_leave",
         "guards": [{"name": "members.last_to_leave"}], "effects": [{"name": "members.leave"}],
         "label": labels("The last member leaves", "Det sidste medlem forlader gruppen")},
    ])
    return doc


__all__ = ["DEFAULT_REASONS", "FORMS", "extend"]
