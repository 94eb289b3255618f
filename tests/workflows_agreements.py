"""The agreements plugin's additions to the default lifecycle, for tests and for the shipped templates later.

``extend(document)`` returns a copy of ``document`` (the default workflow or
one built on it) with:

- form ``agreement``: the programme's agreement terms;
- form ``agreement_signature``: gains an optional ``version`` (the version the signer read);
- transition ``propose_agreement`` (contracting; mentor, mentee, coordinator): ``agreements.propose``;
- transition ``sign_agreement`` (kept): also leaves from the active states so amendments can be signed,
  with guard ``agreements.awaiting_signature`` and effect ``agreements.sign``;
- transition ``agree`` (kept): guard ``agreements.signed`` for mentor and mentee instead of ``fired_by_roles``;
- transition ``amend_agreement`` (goal_setting, reflecting, adjusting; mentor, mentee): ``agreements.amend``.
"""

from __future__ import annotations

import copy
from typing import Any

ACTIVE_STATES = ["goal_setting", "reflecting", "adjusting"]


def _labels(en: str, da: str) -> dict[str, str]:
    return {"en": en, "da": da}


def _text(max_length: int = 5000) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


AGREEMENT_FORM: dict[str, Any] = {
    "title": _labels("Mentoring agreement", "Mentoraftale"),
    "description": _labels("What you agree on for the mentoring relationship. Both of you sign it.",
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
        "mentor_expectations": {"label": _labels("What the mentee can expect of the mentor",
                                                 "Hvad mentee kan forvente af mentor"), "widget": "textarea"},
        "mentee_expectations": {"label": _labels("What the mentor can expect of the mentee",
                                                 "Hvad mentor kan forvente af mentee"), "widget": "textarea"},
        "meeting_frequency": {"label": _labels("How often you meet", "Hvor ofte I mødes"), "widget": "select"},
        "meeting_format": {"label": _labels("How you meet", "Hvordan I mødes"), "widget": "select"},
        "meeting_length_minutes": {"label": _labels("Length of a meeting (minutes)", "Mødernes længde (minutter)"),
                                   "widget": "number"},
        "confidentiality": {"label": _labels("Confidentiality", "Fortrolighed"), "widget": "textarea"},
        "duration": {"label": _labels("Duration", "Varighed"),
                     "help": _labels("For example P6M for six months.", "For eksempel P6M for seks måneder.")},
        "ending": {"label": _labels("How either of you can end the relationship",
                                    "Hvordan hver af jer kan afslutte forløbet"), "widget": "textarea"},
        "other": {"label": _labels("Anything else", "Andet"), "widget": "textarea"},
    },
}


def _transition(document: dict[str, Any], transition_id: str) -> dict[str, Any]:
    return next(t for t in document["transitions"] if t["id"] == transition_id)


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with the agreements plugin's forms, transitions, effects and guards."""
    doc = copy.deepcopy(document)
    doc["forms"]["agreement"] = copy.deepcopy(AGREEMENT_FORM)
    signature = doc["forms"]["agreement_signature"]
    signature["schema"]["properties"]["version"] = {"type": "integer", "minimum": 1}
    signature.setdefault("fields", {})["version"] = {"label": _labels("Version you read", "Version, du har læst"),
                                                     "widget": "number"}

    sign = _transition(doc, "sign_agreement")
    sources = sign["from"] if isinstance(sign["from"], list) else [sign["from"]]
    sign["from"] = sources + [s for s in ACTIVE_STATES if s not in sources]
    sign.setdefault("guards", []).append({"name": "agreements.awaiting_signature"})
    sign.setdefault("effects", []).append({"name": "agreements.sign"})

    agree = _transition(doc, "agree")
    agree["guards"] = [g for g in agree.get("guards", []) if g["name"] != "fired_by_roles"]
    agree["guards"].append({"name": "agreements.signed", "params": {"roles": ["mentor", "mentee"]}})

    at = doc["transitions"].index(sign)
    doc["transitions"][at:at] = [{
        "id": "propose_agreement", "from": "contracting", "roles": ["mentor", "mentee", "coordinator"],
        "form": "agreement", "effects": [{"name": "agreements.propose"}],
        "label": _labels("Propose the agreement", "Foreslå aftalen"),
    }]
    doc["transitions"].append({
        "id": "amend_agreement", "from": list(ACTIVE_STATES), "roles": ["mentor", "mentee"],
        "form": "agreement", "effects": [{"name": "agreements.amend"}],
        "label": _labels("Change the agreement", "Ændr aftalen"),
        "description": _labels("Both of you sign the changed agreement again.",
                               "I underskriver begge den ændrede aftale igen."),
    })
    return doc
