"""The goals plugin's part of a programme template: ``extend(document)`` adds it to a lifecycle workflow.

``document`` is a workflow built on mentorflow's lifecycle (states ``contracting``, ``goal_setting``,
``reflecting``, ``adjusting``, ``closing``; transitions ``add_goal`` and ``start_reflecting``; form ``goal``),
such as the shipped templates. ``extend`` returns a copy with:

- form ``goal``: gains ``description`` and the SMART fields ``specific``, ``achievable``, ``relevant``
  (``measure`` and ``target_date`` are the lifecycle's); fields the form already has are kept; its
  ``category`` choices get labels (:data:`CATEGORY_LABELS`);
- forms ``goal_confirmation``, ``goal_progress``, ``goal_status`` (its revisable fields are the goal form's)
  and ``self_assessment``; their ``goal_id`` is chosen from ``goals.to_confirm`` (confirmation) or
  ``goals.open`` (progress, status);
- transition ``add_goal``: effect ``goals.add``;
- transitions ``agree_goal`` (``goals.agree``), ``update_goal_progress`` (``goals.update_progress``) and
  ``set_goal_status`` (``goals.set_status``) for mentor and mentee;
- transition ``start_reflecting``: guard ``goals.min_agreed`` ``{"count": 1}`` instead of ``min_count``;
- transitions ``self_assess_start`` (contracting, goal_setting) and ``self_assess_closure`` (closing), mentee
  only: ``goals.self_assess`` with phase ``start`` / ``closure``;
- ``programme.settings.goals`` (unless the programme has its own): three competences on a 1-5 scale.

The self-assessment's ``ratings`` declare one property per competence of the settings, each labelled and
rated by a select of the scale (:func:`rate_competences`), so the shared forms show one control per
competence. A programme that changes its competences after extending calls :func:`rate_competences`
again (the goals plugin's load-time check reports a form whose competences differ from the settings).

A programme customises the goal form *before* extending (the derived forms copy it) and the rest after.
Extending twice gives the same document as extending once.
"""

from __future__ import annotations

import copy
from typing import Any

from mentorflow.workflow.fragments import add_call, add_transitions, has_call, labels, transition

GOAL_STATES = ["goal_setting", "reflecting", "adjusting"]
WORK_STATES = [*GOAL_STATES, "closing"]
COMPETENCES = [
    {"id": "communication", "label": {"en": "Communication", "da": "Kommunikation"}},
    {"id": "confidence", "label": {"en": "Self-confidence", "da": "Selvtillid"}},
    {"id": "network", "label": {"en": "Professional network", "da": "Fagligt netværk"}},
]
SETTINGS: dict[str, Any] = {"competences": COMPETENCES, "scale": {"min": 1, "max": 5}}
SELECT_LIMIT = 11
"""Scales with more steps than this are rated with a number field instead of a select."""
ADD_EFFECT = {"name": "goals.add"}
MIN_AGREED = {"name": "goals.min_agreed", "params": {"count": 1}}


def _text(max_length: int = 1000) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length}


SMART_PROPERTIES: dict[str, Any] = {
    "description": _text(5000),
    "specific": _text(),
    "achievable": _text(),
    "relevant": _text(),
}
SMART_FIELDS: dict[str, Any] = {
    "description": {"label": labels("Description", "Beskrivelse"), "widget": "textarea"},
    "specific": {"label": labels("What exactly do you want to reach?", "Hvad vil I helt præcist nå?")},
    "achievable": {"label": labels("Why is it achievable?", "Hvorfor er det realistisk?")},
    "relevant": {"label": labels("Why does it matter to you?", "Hvorfor er det vigtigt for dig?")},
}
CATEGORY_LABELS = {
    "career": labels("Career", "Karriere"), "skills": labels("Skills", "Færdigheder"),
    "personal_growth": labels("Personal growth", "Personlig udvikling"),
    "academic": labels("Studies", "Studier"), "business": labels("Business", "Forretning"),
}
"""Labels of the lifecycle's goal categories (a programme's own categories keep the labels it gives)."""
GOAL_ID = {"type": "integer", "minimum": 1}
GOAL_ID_FIELD = {"label": labels("Goal", "Mål"), "widget": "select"}
TO_CONFIRM_FIELD = {**GOAL_ID_FIELD, "choices_from": "goals.to_confirm"}
OPEN_GOAL_FIELD = {**GOAL_ID_FIELD, "choices_from": "goals.open"}


def _scale_choices(low: int, high: int) -> dict[str, Any]:
    """Labels of the scale's steps, the ends saying which end is which."""
    choices = {str(n): labels(str(n), str(n)) for n in range(low, high + 1)}
    choices[str(low)] = labels(f"{low} (lowest)", f"{low} (lavest)")
    choices[str(high)] = labels(f"{high} (highest)", f"{high} (højest)")
    return choices


def ratings(settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The self-assessment's ``ratings``: its schema and field metadata for ``programme.settings.goals``.

    One integer property per competence (the effect checks the scale and that none is missing, with its
    own messages), each labelled with the competence and offered as a select of the scale's steps.
    """
    competences = [c for c in settings.get("competences") or () if isinstance(c, dict) and "id" in c]
    scale = settings.get("scale") or {}
    low, high = scale.get("min", 1), scale.get("max", 5)
    rate: dict[str, Any] = {"widget": "select", "choices": _scale_choices(low, high)} \
        if isinstance(low, int) and isinstance(high, int) and 0 < high - low < SELECT_LIMIT else {"widget": "number"}
    schema = {"type": "object", "additionalProperties": {"type": "integer"},
              "properties": {c["id"]: {"type": "integer"} for c in competences}}
    field = {"label": labels("Ratings", "Vurderinger"), "widget": "scale",
             "help": labels(f"Rate each competence from {low} (lowest) to {high} (highest).",
                             f"Vurdér hver kompetence fra {low} (lavest) til {high} (højest)."),
             "items": {c["id"]: {"label": copy.deepcopy(c["label"]), **copy.deepcopy(rate)} for c in competences}}
    return schema, field


def rate_competences(document: dict[str, Any]) -> dict[str, Any]:
    """Make every self-assessment form of ``document`` ask for the competences of its settings (in place).

    The forms of the transitions with effect ``goals.self_assess`` get :func:`ratings` for
    ``programme.settings.goals``; returns ``document``.
    """
    settings = ((document.get("programme") or {}).get("settings") or {}).get("goals")
    if not isinstance(settings, dict):
        return document
    schema, field = ratings(settings)
    for candidate in document.get("transitions") or ():
        form = (document.get("forms") or {}).get(candidate.get("form") or "")
        if not has_call(candidate, "effects", "goals.self_assess") or not isinstance(form, dict):
            continue
        properties = form.get("schema", {}).get("properties", {})
        if isinstance(properties.get("ratings"), dict):
            properties["ratings"] = copy.deepcopy(schema)
            fields = form.setdefault("fields", {})
            label = (fields.get("ratings") or {}).get("label")  # the programme's own word for them stays
            fields["ratings"] = {**copy.deepcopy(field), **({"label": label} if label else {})}
    return document


def _forms(goal_form: dict[str, Any]) -> dict[str, Any]:
    revisable = copy.deepcopy(goal_form["schema"]["properties"])
    return {
        "goal_confirmation": {
            "title": labels("Confirm a goal", "Bekræft et mål"),
            "schema": {"type": "object", "additionalProperties": False, "required": ["goal_id"],
                       "properties": {"goal_id": GOAL_ID, "comment": _text(2000)}},
            "fields": {"goal_id": copy.deepcopy(TO_CONFIRM_FIELD),
                       "comment": {"label": labels("Comment", "Kommentar"), "widget": "textarea"}},
        },
        "goal_progress": {
            "title": labels("Progress on a goal", "Fremskridt med et mål"),
            "schema": {"type": "object", "additionalProperties": False, "required": ["goal_id", "progress"],
                       "properties": {"goal_id": GOAL_ID, "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                                      "note": _text(2000)}},
            "fields": {"goal_id": copy.deepcopy(OPEN_GOAL_FIELD),
                       "progress": {"label": labels("How far along (%)", "Hvor langt (%)"), "widget": "number"},
                       "note": {"label": labels("Note", "Note"), "widget": "textarea"}},
        },
        "goal_status": {
            "title": labels("Goal status", "Målets status"),
            "description": labels("Mark the goal achieved or dropped, or revise it (the old text is kept).",
                                   "Markér målet som nået eller droppet, eller revidér det (den gamle tekst gemmes)."),
            "schema": {"type": "object", "additionalProperties": False, "required": ["goal_id", "status", "note"],
                       "properties": {"goal_id": GOAL_ID, "status": {"enum": ["achieved", "dropped", "revised"]},
                                      "note": {"type": "string", "minLength": 1, "maxLength": 2000},
                                      **revisable}},
            "fields": {"goal_id": copy.deepcopy(OPEN_GOAL_FIELD),
                       "status": {"label": labels("Status", "Status"), "widget": "select",
                                  "choices": {"achieved": labels("Achieved", "Nået"),
                                              "dropped": labels("Dropped", "Droppet"),
                                              "revised": labels("Revised (new text below)",
                                                                 "Revideret (ny tekst nedenfor)")}},
                       "note": {"label": labels("Why?", "Hvorfor?"), "widget": "textarea"},
                       **copy.deepcopy(goal_form.get("fields", {}))},
        },
        "self_assessment": {
            "title": labels("Self-assessment", "Selvvurdering"),
            "description": labels("Rate yourself on each competence; you do it again at the end.",
                                   "Vurdér dig selv på hver kompetence; du gør det igen til sidst."),
            "schema": {"type": "object", "additionalProperties": False, "required": ["ratings"],
                       "properties": {"ratings": {"type": "object", "additionalProperties": {"type": "integer"}},
                                      "note": _text(2000)}},
            "fields": {"ratings": {"label": labels("Ratings", "Vurderinger"), "widget": "scale"},
                       "note": {"label": labels("Note", "Note"), "widget": "textarea"}},
        },
    }


PAIR = ["mentor", "mentee"]
TRANSITIONS: list[dict[str, Any]] = [
    {"id": "agree_goal", "from": list(GOAL_STATES), "roles": PAIR, "form": "goal_confirmation",
     "effects": [{"name": "goals.agree"}], "label": labels("Confirm a goal", "Bekræft et mål")},
    {"id": "update_goal_progress", "from": list(WORK_STATES), "roles": PAIR, "form": "goal_progress",
     "effects": [{"name": "goals.update_progress"}],
     "label": labels("Record progress on a goal", "Registrér fremskridt med et mål")},
    {"id": "set_goal_status", "from": list(WORK_STATES), "roles": PAIR, "form": "goal_status",
     "effects": [{"name": "goals.set_status"}],
     "label": labels("Mark a goal achieved, dropped or revised",
                      "Markér et mål som nået, droppet eller revideret")},
    {"id": "self_assess_start", "from": ["contracting", "goal_setting"], "roles": ["mentee"],
     "form": "self_assessment", "effects": [{"name": "goals.self_assess", "params": {"phase": "start"}}],
     "label": labels("Assess yourself (start)", "Vurdér dig selv (start)")},
    {"id": "self_assess_closure", "from": "closing", "roles": ["mentee"],
     "form": "self_assessment", "effects": [{"name": "goals.self_assess", "params": {"phase": "closure"}}],
     "label": labels("Assess yourself again (end)", "Vurdér dig selv igen (afslutning)")},
]


def _label_categories(goal: dict[str, Any]) -> None:
    """Give the goal form's ``category`` choices their labels (those it has already are kept)."""
    categories = goal["schema"]["properties"].get("category", {}).get("enum")
    field = goal.setdefault("fields", {}).get("category")
    if not isinstance(categories, list) or not isinstance(field, dict):
        return
    labels = field.setdefault("choices", {})
    for value in categories:
        if value in CATEGORY_LABELS:
            labels.setdefault(value, copy.deepcopy(CATEGORY_LABELS[value]))


def extend(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with the goals plugin's forms, transitions, effects, guard and settings."""
    doc = copy.deepcopy(document)
    goal = doc["forms"]["goal"]
    for name, spec in SMART_PROPERTIES.items():
        goal["schema"]["properties"].setdefault(name, copy.deepcopy(spec))
    for name, spec in SMART_FIELDS.items():
        goal.setdefault("fields", {}).setdefault(name, copy.deepcopy(spec))
    _label_categories(goal)
    for name, form in _forms(goal).items():
        doc["forms"].setdefault(name, form)
    doc["programme"].setdefault("settings", {}).setdefault("goals", copy.deepcopy(SETTINGS))

    add = transition(doc, "add_goal", "goals")
    add_call(add, "effects", dict(ADD_EFFECT))
    start = transition(doc, "start_reflecting", "goals")
    if not has_call(start, "guards", MIN_AGREED["name"]):
        # Counting added goals is the lifecycle's stand-in for goals agreed by both sides.
        start["guards"] = [g for g in start.get("guards", []) if g["name"] != "min_count"]
        start["guards"].append(copy.deepcopy(MIN_AGREED))

    add_transitions(doc, TRANSITIONS)
    return rate_competences(doc)
