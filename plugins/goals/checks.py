"""Load-time checks of a workflow for the goals plugin.

- ``programme.settings.goals`` must match :data:`.settings.SCHEMA` (unique competence ids, min < max);
- every goals effect needs a form with the fields it reads;
- goals are proposed and confirmed by the mentor or the mentee; self-assessment is the mentee's alone
  and needs competences in the settings; a self-assessment form whose ``ratings`` declare properties
  declares exactly the settings' competences (the forms show one control per declared property);
- categories and statuses offered by the forms must be ones the plugin knows;
- ``goals.min_agreed`` needs transitions that add and confirm goals, else it could never pass.
"""

from __future__ import annotations

from typing import Any

from mentorflow import Problem
from mentorflow.i18n import _
from mentorflow.validation import pointer
from mentorflow.workflow.model import Workflow

from .settings import SETTINGS_POINTER, goal_settings, settings_problems
from .store import (
    ADD,
    AGREE,
    CATEGORIES,
    MIN_AGREED,
    NEW_STATUSES,
    PAIR_ROLES,
    SELF_ASSESS,
    SET_STATUS,
    UPDATE_PROGRESS,
)

REQUIRED_FIELDS = {
    ADD: ("title", "category"),
    AGREE: ("goal_id",),
    UPDATE_PROGRESS: ("goal_id", "progress"),
    SET_STATUS: ("goal_id", "status"),
    SELF_ASSESS: ("ratings",),
}
"""The form fields each effect reads (they must exist and be required in the form)."""
ENUMS = {ADD: ("category", CATEGORIES), SET_STATUS: ("status", NEW_STATUSES)}


def _calls(document: dict[str, Any], key: str) -> list[tuple[int, int, dict[str, Any], str]]:
    found = []
    for i, transition in enumerate(document.get("transitions") or ()):
        if not isinstance(transition, dict):
            continue
        for j, call in enumerate(transition.get(key) or ()):
            if isinstance(call, dict) and isinstance(call.get("name"), str):
                found.append((i, j, transition, call["name"]))
    return found


def _form_problems(document: dict[str, Any], i: int, j: int, transition: dict[str, Any], effect: str
                   ) -> list[Problem]:
    """The transition's form exists and requires the fields ``effect`` reads, with values the plugin knows."""
    name = transition.get("form")
    if not name:
        return [Problem(pointer(["transitions", i, "effects", j]), _(
            "effect {effect} reads the transition's form; give the transition a form").format(effect=effect))]
    schema = ((document.get("forms") or {}).get(name) or {}).get("schema")
    if not isinstance(schema, dict):
        return []  # the core reports a missing form
    properties = schema.get("properties") or {}
    required = schema.get("required") or []
    problems = []
    for field in REQUIRED_FIELDS[effect]:
        if field not in properties or field not in required:
            problems.append(Problem(pointer(["forms", name, "schema", "required"]), _(
                "form '{form}' is used with effect {effect} and needs a required field '{field}'").format(
                    form=name, effect=effect, field=field)))
    if effect in ENUMS:
        field, known = ENUMS[effect]
        for k, value in enumerate((properties.get(field) or {}).get("enum") or ()):
            if value not in known:
                problems.append(Problem(pointer(["forms", name, "schema", "properties", field, "enum", k]), _(
                    "{value} is not a {field} effect {effect} knows ({known})").format(
                        value=value, field=field, effect=effect, known=", ".join(known))))
    return problems


def _competence_problems(document: dict[str, Any], transition: dict[str, Any], competences: list[str]
                         ) -> list[Problem]:
    """The self-assessment form's declared ratings are the programme's competences (when it declares any)."""
    name = transition.get("form")
    schema = ((document.get("forms") or {}).get(name) or {}).get("schema") if isinstance(name, str) else None
    ratings = ((schema or {}).get("properties") or {}).get("ratings") if isinstance(schema, dict) else None
    declared = ratings.get("properties") if isinstance(ratings, dict) else None
    if not isinstance(declared, dict) or not declared:
        return []
    at = ["forms", name, "schema", "properties", "ratings", "properties"]
    problems = [Problem(pointer([*at, key]), _(
        "'{id}' is not one of the programme's competences ({known})").format(id=key, known=", ".join(competences)))
        for key in declared if key not in competences]
    missing = [c for c in competences if c not in declared]
    if missing:
        problems.append(Problem(pointer(at), _(
            "form '{form}' does not ask for the competences {missing}; list every competence of {where}").format(
                form=name, missing=", ".join(missing), where=pointer([*SETTINGS_POINTER, "competences"]))))
    return problems


def check_workflow(workflow: Workflow, document: dict[str, Any]) -> list[Problem]:
    """Every problem this plugin finds in a workflow document."""
    problems = settings_problems(document)
    settings_invalid = bool(problems)
    # Invalid settings were reported above; only valid ones are asked whether they list competences.
    competences = [] if settings_invalid else [c.id for c in goal_settings(workflow.programme).competences]
    lacks_competences = not problems and not competences
    effects = _calls(document, "effects")
    used = {name for *_rest, name in effects}
    for i, j, transition, name in effects:
        if name not in REQUIRED_FIELDS:
            continue
        problems += _form_problems(document, i, j, transition, name)
        roles = set(transition.get("roles") or ())
        if name in (ADD, AGREE) and roles - set(PAIR_ROLES):
            problems.append(Problem(pointer(["transitions", i, "roles"]), _(
                "goals are proposed and confirmed by the mentor or the mentee (effect {effect}); remove {roles}"
            ).format(effect=name, roles=", ".join(sorted(roles - set(PAIR_ROLES))))))
        if name == SELF_ASSESS:
            if not roles or not roles <= {"mentee", "peer"}:
                problems.append(Problem(pointer(["transitions", i, "roles"]), _(
                    "only the mentee (in a circle: a peer) assesses themselves (effect {effect}); roles must be "
                    "[\"mentee\"] or [\"peer\"]").format(effect=name)))
            if lacks_competences:
                problems.append(Problem(pointer(["transitions", i, "effects", j]), _(
                    "effect {effect} needs the competences to rate under {where}").format(
                        effect=name, where=pointer([*SETTINGS_POINTER, "competences"]))))
            elif not settings_invalid:
                problems += _competence_problems(document, transition, competences)
    for i, j, _transition, name in _calls(document, "guards"):
        if name != MIN_AGREED:
            continue
        for needed in (ADD, AGREE):
            if needed not in used:
                problems.append(Problem(pointer(["transitions", i, "guards", j]), _(
                    "no transition has the effect {needed}, so guard {guard} could never pass").format(
                        needed=needed, guard=name)))
    return problems
