"""The agreements plugin's part of a programme template: ``extend(document)`` adds it to a lifecycle workflow.

``document`` is a workflow built on mentorflow's lifecycle (states ``contracting``, ``goal_setting``,
``reflecting``, ``adjusting``; transitions ``sign_agreement`` and ``agree``), such as the shipped templates.
``extend`` returns a copy with:

- form ``agreement``: the programme's agreement terms (kept when the document already has one, so a
  programme's own agreement form survives); how often and how the pair meets are labelled choices, and the
  duration is chosen from :data:`DURATION_LABELS` (3 to 12 months; the data stays an ISO 8601 period);
- form ``agreement_signature``: gains an optional ``version`` (the version the signer read);
- transition ``propose_agreement`` (contracting; mentor, mentee, coordinator): ``agreements.propose``;
- transition ``sign_agreement``: also leaves from the active states so amendments can be signed,
  with guard ``agreements.awaiting_signature`` and effect ``agreements.sign``;
- transition ``agree``: guard ``agreements.signed`` for mentor and mentee instead of ``fired_by_roles``;
- transition ``amend_agreement`` (goal_setting, reflecting, adjusting; mentor, mentee): ``agreements.amend``.

Extending twice gives the same document as extending once, so templates that already contain these
additions can be extended safely.
"""

from __future__ import annotations

import copy
from typing import Any

from mentorflow.workflow.fragments import add_call, labels, transition

ACTIVE_STATES = ["goal_setting", "reflecting", "adjusting"]


def _text(max_length: int = 5000) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


FREQUENCY_LABELS = {
    "weekly": labels("Every week", "Hver uge"),
    "fortnightly": labels("Every two weeks", "Hver anden uge"),
    "monthly": labels("Every month", "Hver måned"),
    "as_needed": labels("When needed", "Efter behov"),
}
FORMAT_LABELS = {
    "in_person": labels("In person", "Fysisk"), "video": labels("Video", "Video"),
    "phone": labels("Phone", "Telefon"), "mixed": labels("A mix of these", "En blanding"),
}
DURATION_LABELS = {
    "P3M": labels("3 months", "3 måneder"), "P6M": labels("6 months", "6 måneder"),
    "P9M": labels("9 months", "9 måneder"), "P12M": labels("12 months", "12 måneder"),
}
"""The durations a person chooses from (the form's select); the data stays an ISO 8601 period."""

AGREEMENT_FORM: dict[str, Any] = {
    "title": labels("Mentoring agreement", "Mentoraftale"),
    "description": labels("What you agree on for the mentoring relationship. Both of you sign it.",
                           "Det, I aftaler om mentorforløbet. I underskriver det begge."),
    "schema": {
        "type": "object",
        "additionalProperties": False,
        "required": ["mentor_expectations", "mentee_expectations", "meeting_frequency", "meeting_format",
                     "confidentiality", "duration", "ending"],
        "properties": {
            "mentor_expectations": _text(),
            "mentee_expectations": _text(),
            "meeting_frequency": {"enum": ["weekly", "fortnightly", "monthly", "as_needed"]},
            "meeting_format": {"enum": ["in_person", "video", "phone", "mixed"]},
            "meeting_length_minutes": {"type": "integer", "minimum": 15, "maximum": 480},
            "confidentiality": _text(),
            "duration": {"type": "string", "pattern": "^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?$",
                         "description": "an ISO 8601 duration such as P6M"},
            "ending": _text(),
            "other": {"type": "string", "maxLength": 5000},
        },
    },
    "fields": {
        "mentor_expectations": {"label": labels("What the mentee can expect of the mentor",
                                                 "Hvad mentee kan forvente af mentor"), "widget": "textarea"},
        "mentee_expectations": {"label": labels("What the mentor can expect of the mentee",
                                                 "Hvad mentor kan forvente af mentee"), "widget": "textarea"},
        "meeting_frequency": {"label": labels("How often you meet", "Hvor ofte I mødes"), "widget": "select",
                              "choices": FREQUENCY_LABELS},
        "meeting_format": {"label": labels("How you meet", "Hvordan I mødes"), "widget": "select",
                           "choices": FORMAT_LABELS},
        "meeting_length_minutes": {"label": labels("Length of a meeting (minutes)", "Mødernes længde (minutter)"),
                                   "widget": "number"},
        "confidentiality": {"label": labels("Confidentiality", "Fortrolighed"), "widget": "textarea"},
        "duration": {"label": labels("Duration", "Varighed"),
                     "widget": "select", "choices": DURATION_LABELS},
        "ending": {"label": labels("How either of you can end the relationship",
                                    "Hvordan hver af jer kan afslutte forløbet"), "widget": "textarea"},
        "other": {"label": labels("Anything else", "Andet"), "widget": "textarea"},
    },
}

PROPOSE_AGREEMENT: dict[str, Any] = {
    "id": "propose_agreement", "from": "contracting", "roles": ["mentor", "mentee", "coordinator"],
    "form": "agreement", "effects": [{"name": "agreements.propose"}],
    "label": labels("Propose the agreement", "Foreslå aftalen"),
}
AMEND_AGREEMENT: dict[str, Any] = {
    "id": "amend_agreement", "from": list(ACTIVE_STATES), "roles": ["mentor", "mentee"],
    "form": "agreement", "effects": [{"name": "agreements.amend"}],
    "label": labels("Change the agreement", "Ændr aftalen"),
    "description": labels("Both of you sign the changed agreement again.",
                           "I underskriver begge den ændrede aftale igen."),
}


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with the agreements plugin's forms, transitions, effects and guards."""
    doc = copy.deepcopy(document)
    doc.setdefault("forms", {}).setdefault("agreement", copy.deepcopy(AGREEMENT_FORM))
    signature = doc["forms"]["agreement_signature"]
    signature["schema"]["properties"].setdefault("version", {"type": "integer", "minimum": 1})
    signature.setdefault("fields", {}).setdefault("version", {
        "label": labels("Version you read", "Version, du har læst"), "widget": "number"})

    sign = transition(doc, "sign_agreement", "agreements")
    sources = sign["from"] if isinstance(sign["from"], list) else [sign["from"]]
    sign["from"] = sources + [s for s in ACTIVE_STATES if s not in sources]
    add_call(sign, "guards", {"name": "agreements.awaiting_signature"})
    add_call(sign, "effects", {"name": "agreements.sign"})

    agree = transition(doc, "agree", "agreements")
    if not any(g["name"] == "agreements.signed" for g in agree.get("guards", ())):
        # The signatures replace the lifecycle's stand-in (both sides fired sign_agreement).
        agree["guards"] = [g for g in agree.get("guards", []) if g["name"] != "fired_by_roles"]
        agree["guards"].append({"name": "agreements.signed", "params": {"roles": ["mentor", "mentee"]}})

    ids = {t["id"] for t in doc["transitions"]}
    if "propose_agreement" not in ids:
        at = doc["transitions"].index(sign)
        doc["transitions"][at:at] = [copy.deepcopy(PROPOSE_AGREEMENT)]
    if "amend_agreement" not in ids:
        doc["transitions"].append(copy.deepcopy(AMEND_AGREEMENT))
    return doc
