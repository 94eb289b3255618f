"""The closure plugin's part of a programme template: ``extend(document)`` adds it to a lifecycle workflow.

``document`` is a workflow built on mentorflow's lifecycle (states ``contracting``, ``goal_setting``,
``reflecting``, ``adjusting``, ``paused``, ``closing``, ``closed``; transitions ``begin_closure``,
``end_early`` and ``close``), such as the shipped templates. ``extend`` returns a copy with:

Settings ``programme.settings.closure`` (unless the programme has its own): neutral early-closure
``reasons``, the ``post_closure_contact`` rule and the ``reopen_window`` (P30D).

Existing transitions:
- ``begin_closure``: guard ``closure.planned_end_reached`` (roles: system) so the ``programme_end`` timer
  waits for an extended end;
- ``end_early``: form ``early_closure``'s ``reason`` becomes an id chosen from the programme's list
  (``closure.reasons``); effect ``closure.end_early``;
- ``close``: no form any more (each side submits its own); guard ``closure.forms_complete``.

New transitions:
- ``request_extension`` (mentor, mentee; goal_setting, reflecting, adjusting, paused; form
  ``extension_request``; effect ``closure.request_extension``);
- ``approve_extension`` / ``decline_extension`` (coordinator; same states; form ``extension_decision``;
  effect ``closure.decide_extension`` with ``decision`` approve / decline);
- ``record_closure_conversation`` (mentor, mentee, coordinator; closing; form ``closure_conversation``;
  effect ``closure.record_conversation``);
- ``submit_closure_form`` (mentor, mentee; closing; form ``closure_form``; effect ``closure.record_form``);
- ``reopen`` (coordinator; closed -> reflecting; guard ``closure.within_reopen_window``; effect
  ``closure.reopen``);
- ``request_rematch`` (mentee, coordinator; closed; effect ``closure.enqueue_rematch``);
- ``reassign_mentor`` (coordinator; contracting, goal_setting, reflecting, adjusting, paused; form
  ``reassignment``; effect ``closure.reassign_mentor``).

Forms ``extension_request``, ``extension_decision``, ``closure_conversation``, ``closure_form`` and
``reassignment`` are added (kept when the document has its own); an extension's period is chosen from
:data:`EXTENSION_LABELS` (1 to 3 months; the data stays an ISO 8601 period); the new mentor is chosen from
``closure.mentors``, and when the goals plugin adds the goals (``goals.add``) the closure form has one
group per goal (``goals.not_dropped``); the lifecycle's ``closure`` form (used
only by ``close``) is removed. The existing transitions are changed only while they lack the closure
effects and guards, so extending twice gives the same document as extending once.
"""

from __future__ import annotations

import copy
from typing import Any

from mentorflow.workflow.fragments import add_transitions, has_call, labels, transition, uses_effect

DURATION = "^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$"
RUNNING = ["goal_setting", "reflecting", "adjusting", "paused"]

REASONS = [
    {"id": "schedule_conflict", "label": {"en": "Our schedules no longer fit together",
                                          "da": "Vores kalendere passer ikke længere sammen"}},
    {"id": "changed_needs", "label": {"en": "Needs have changed", "da": "Behovene har ændret sig"}},
    {"id": "moved_on", "label": {"en": "A new job, study or place", "da": "Nyt job, studie eller sted"}},
    {"id": "not_a_good_fit", "label": {"en": "The match did not fit", "da": "Matchet passede ikke"}},
    {"id": "goals_reached_early", "label": {"en": "Goals reached early", "da": "Målene er nået før tid"}},
    {"id": "other", "label": {"en": "Another reason", "da": "En anden årsag"}},
]
POST_CLOSURE_CONTACT = {
    "en": "You are welcome to stay in touch privately; the programme no longer follows the relationship.",
    "da": "I er velkomne til at holde kontakten privat; programmet følger ikke længere forløbet.",
}


EXTENSION_LABELS = {
    "P1M": labels("1 month", "1 måned"), "P2M": labels("2 months", "2 måneder"),
    "P3M": labels("3 months", "3 måneder"),
}
"""The extensions a person chooses from (the form's select); the data stays an ISO 8601 period."""
ATTAINMENT = ["fully", "partly", "not"]
GOAL_CHOICES = "goals.not_dropped"
"""With the goals plugin, a closure form reports on each of the relationship's goals that was not dropped."""


def _form(en: str, da: str, schema: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {"title": labels(en, da), "schema": {"type": "object", "additionalProperties": False, **schema},
            "fields": fields}


FORMS: dict[str, Any] = {
    "extension_request": _form("Ask for more time", "Bed om mere tid", {
        "required": ["reason"],
        "properties": {"new_end_date": {"type": "string", "format": "date"},
                       "period": {"type": "string", "pattern": DURATION,
                                  "description": "an ISO 8601 period such as P1M"},
                       "reason": {"type": "string", "minLength": 1, "maxLength": 2000}}}, {
        "new_end_date": {"label": labels("New end date", "Ny slutdato"), "widget": "date"},
        "period": {"label": labels("Or extend by", "Eller forlæng med"), "widget": "select",
                   "choices": copy.deepcopy(EXTENSION_LABELS)},
        "reason": {"label": labels("Why do you need more time?", "Hvorfor har I brug for mere tid?"),
                   "widget": "textarea"}}),
    "extension_decision": _form("Decision", "Afgørelse", {
        "properties": {"note": {"type": "string", "maxLength": 2000}}}, {
        "note": {"label": labels("Note to the pair", "Note til parret"), "widget": "textarea"}}),
    "closure_conversation": _form("Closure conversation", "Afslutningssamtale", {
        "required": ["held_on", "notes"],
        "properties": {"held_on": {"type": "string", "format": "date"},
                       "notes": {"type": "string", "minLength": 1, "maxLength": 5000}}}, {
        "held_on": {"label": labels("Held on", "Afholdt den"), "widget": "date"},
        "notes": {"label": labels("Notes (shared with both of you)", "Noter (deles med jer begge)"),
                  "widget": "textarea"}}),
    "closure_form": _form("Closing", "Afslutning", {
        "required": ["goals", "learned", "satisfaction"],
        "properties": {
            "goals": {"type": "array", "maxItems": 100, "items": {
                "type": "object", "required": ["goal_id", "attained"], "additionalProperties": False,
                "properties": {"goal_id": {"type": "integer", "minimum": 1},
                               "attained": {"enum": ATTAINMENT}}}},
            "learned": {"type": "string", "minLength": 1, "maxLength": 5000},
            "satisfaction": {"type": "integer", "minimum": 1, "maximum": 5}}}, {
        "goals": {"label": labels("How far did you reach each goal?", "Hvor langt nåede I hvert mål?"),
                  "widget": "list", "item_label": labels("Goal", "Mål"), "items": {
                      "goal_id": {"label": labels("Goal", "Mål"), "widget": "number"},
                      "attained": {"label": labels("Reached", "Nået"), "widget": "select", "choices": {
                          "fully": labels("Fully", "Helt"), "partly": labels("Partly", "Delvist"),
                          "not": labels("Not reached", "Ikke nået")}}}},
        "learned": {"label": labels("What did you learn?", "Hvad har du lært?"), "widget": "textarea"},
        "satisfaction": {"label": labels("Satisfaction (1-5)", "Tilfredshed (1-5)"), "widget": "scale"}}),
    "reassignment": _form("New mentor", "Ny mentor", {
        "required": ["mentor_id"],
        "properties": {"mentor_id": {"type": "integer", "minimum": 1},
                       "reason": {"type": "string", "maxLength": 2000}}}, {
        "mentor_id": {"label": labels("New mentor", "Ny mentor"), "widget": "select",
                      "choices_from": "closure.mentors"},
        "reason": {"label": labels("Reason", "Årsag"), "widget": "textarea"}}),
}

TRANSITIONS: list[dict[str, Any]] = [
    {"id": "request_extension", "from": RUNNING, "roles": ["mentor", "mentee"], "form": "extension_request",
     "effects": [{"name": "closure.request_extension"}],
     "label": labels("Ask for more time", "Bed om mere tid")},
    {"id": "approve_extension", "from": RUNNING, "roles": ["coordinator"], "form": "extension_decision",
     "effects": [{"name": "closure.decide_extension", "params": {"decision": "approve"}}],
     "label": labels("Approve the extension", "Godkend forlængelsen")},
    {"id": "decline_extension", "from": RUNNING, "roles": ["coordinator"], "form": "extension_decision",
     "effects": [{"name": "closure.decide_extension", "params": {"decision": "decline"}}],
     "label": labels("Decline the extension", "Afvis forlængelsen")},
    {"id": "record_closure_conversation", "from": "closing", "roles": ["mentor", "mentee", "coordinator"],
     "form": "closure_conversation", "effects": [{"name": "closure.record_conversation"}],
     "label": labels("Record the closure conversation", "Registrér afslutningssamtalen")},
    {"id": "submit_closure_form", "from": "closing", "roles": ["mentor", "mentee"], "form": "closure_form",
     "effects": [{"name": "closure.record_form"}],
     "label": labels("Fill in your closure form", "Udfyld din afslutningsformular")},
    {"id": "reopen", "from": "closed", "to": "reflecting", "roles": ["coordinator"],
     "guards": [{"name": "closure.within_reopen_window"}], "effects": [{"name": "closure.reopen"}],
     "label": labels("Reopen", "Genåbn")},
    {"id": "request_rematch", "from": "closed", "roles": ["mentee", "coordinator"],
     "effects": [{"name": "closure.enqueue_rematch"}],
     "label": labels("Ask for a new match", "Bed om et nyt match")},
    {"id": "reassign_mentor", "from": ["contracting", *RUNNING], "roles": ["coordinator"], "form": "reassignment",
     "effects": [{"name": "closure.reassign_mentor"}],
     "label": labels("Give the mentee a new mentor", "Giv mentee en ny mentor")},
]


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` (built on the lifecycle) with the closure plugin's additions."""
    doc = copy.deepcopy(document)
    doc["programme"].setdefault("settings", {}).setdefault("closure", {
        "reasons": copy.deepcopy(REASONS), "post_closure_contact": dict(POST_CLOSURE_CONTACT),
        "reopen_window": "P30D"})
    begin = transition(doc, "begin_closure", "closure")
    if not has_call(begin, "guards", "closure.planned_end_reached"):
        begin.setdefault("guards", []).append({"name": "closure.planned_end_reached", "params": {"roles": ["system"]}})
    end_early = transition(doc, "end_early", "closure")
    if not has_call(end_early, "effects", "closure.end_early"):
        end_early.setdefault("effects", []).append({"name": "closure.end_early"})
        # The reason is an id from settings.closure.reasons, checked by the plugin (one list, no free text).
        reason_form = doc["forms"][end_early["form"]]
        reason_form["schema"]["properties"]["reason"] = {"type": "string", "minLength": 1, "maxLength": 64}
        reason_field = reason_form.setdefault("fields", {}).setdefault("reason", {
            "label": labels("Reason", "Årsag"), "widget": "select"})
        reason_field["choices_from"] = "closure.reasons"
    close = transition(doc, "close", "closure")
    if not has_call(close, "guards", "closure.forms_complete"):
        # Each side submits its own closure form; closing itself carries no data.
        if close.pop("form", None) == "closure":
            doc["forms"].pop("closure", None)
        close.setdefault("guards", []).append({"name": "closure.forms_complete"})
    uses_goals = uses_effect(doc, "goals.add")
    for name, form in FORMS.items():
        if name not in doc["forms"]:
            doc["forms"][name] = copy.deepcopy(form)
            if name == "closure_form" and uses_goals:
                # One group per goal, named by its title: nobody types a goal's id.
                goals = doc["forms"][name]["fields"]["goals"]
                goals["items"]["goal_id"] = {"label": labels("Goal", "Mål"), "widget": "select",
                                             "choices_from": GOAL_CHOICES}
                goals["row_per_choice"] = "goal_id"
    add_transitions(doc, TRANSITIONS)
    return doc
