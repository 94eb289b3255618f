"""Small helpers the programme modules use to customise a template (see ``scripts/build_templates.py``).

Every helper changes the document in place and fails loudly (``KeyError``/``ValueError``) when what it
customises is missing, so a change to the lifecycle or a plugin fragment cannot be skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mentorflow.plugins.goals.workflow import rate_competences

Doc = dict[str, Any]
Labels = dict[str, str]


def labels(en: str, da: str) -> Labels:
    """A text in English and Danish."""
    return {"en": en, "da": da}


def text(max_length: int = 2000, *, required: bool = False) -> dict[str, Any]:
    """A JSON Schema for a text field (non-empty when ``required``)."""
    return {"type": "string", **({"minLength": 1} if required else {}), "maxLength": max_length}


def score(low: int = 1, high: int = 5) -> dict[str, Any]:
    """A JSON Schema for a whole-number rating."""
    return {"type": "integer", "minimum": low, "maximum": high}


def field(en: str, da: str, widget: str | None = None, **extra: Any) -> dict[str, Any]:
    """A form field's labels (``help=labels(...)``, ``private=True`` may be given)."""
    return {"label": labels(en, da), **({"widget": widget} if widget else {}), **extra}


def transition(doc: Doc, transition_id: str) -> dict[str, Any]:
    for item in doc["transitions"]:
        if item["id"] == transition_id:
            return item
    raise KeyError(f"the template has no transition {transition_id!r}")


def timer(doc: Doc, timer_id: str) -> dict[str, Any]:
    for item in doc.get("timers", ()):
        if item["id"] == timer_id:
            return item
    raise KeyError(f"the template has no timer {timer_id!r}")


def state(doc: Doc, state_id: str) -> dict[str, Any]:
    for item in doc["states"]:
        if item["id"] == state_id:
            return item
    raise KeyError(f"the template has no state {state_id!r}")


def set_programme(doc: Doc, *, template_id: str, name: Labels, description: Labels, context: str, duration: str,
                  role_labels: Mapping[str, Labels] | None = None) -> None:
    """The programme's identity, its planned duration (the ``programme_end`` timer follows it) and role words."""
    doc["id"] = template_id
    programme = doc["programme"]
    programme["name"], programme["description"] = name, description
    programme["context"], programme["duration"] = context, duration
    if role_labels:
        programme["role_labels"] = dict(role_labels)
    timer(doc, "programme_end")["after"] = duration


def set_format(doc: Doc, kind: str, roles: Mapping[str, Mapping[str, int]] | None = None) -> None:
    """Who a relationship of the programme has: ``group``, ``circle`` or ``co-mentoring`` (bounds per role)."""
    doc["programme"]["format"] = {"kind": kind, **({"roles": {r: dict(b) for r, b in roles.items()}} if roles else {})}


def rename_roles(doc: Doc, names: Mapping[str, str], *, drop: Iterable[str] = ()) -> None:
    """Give the lifecycle's roles a circle's names (mentor -> facilitator, mentee -> peer) everywhere they are
    named: transitions, timers, guard parameters and the pulse survey; ``drop`` removes transitions that only
    make sense for a pair (giving a mentee a new mentor, a rematch)."""
    dropped = set(drop)
    doc["transitions"] = [t for t in doc["transitions"] if t["id"] not in dropped]

    def renamed(roles: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(names.get(r, r) for r in roles))

    for item in doc["transitions"]:
        item["roles"] = renamed(item["roles"])
        for call in item.get("guards", ()):
            if isinstance(call.get("params", {}).get("roles"), list):
                call["params"]["roles"] = renamed(call["params"]["roles"])
    for item in doc.get("timers", ()):
        if "who" in item:
            item["who"] = renamed(item["who"])
    pulse = settings(doc).get("reflections", {}).get("pulse", {})
    if "who" in pulse:
        pulse["who"] = renamed(pulse["who"])
    labels_ = doc["programme"].get("role_labels", {})
    for old, new in names.items():
        if old in labels_:
            labels_[new] = labels_.pop(old)


def settings(doc: Doc) -> dict[str, Any]:
    return doc["programme"].setdefault("settings", {})


def set_cadence(doc: Doc, every: str, *, remind: Iterable[str] = ("-P2D", "P0D"), escalate_after: str | None = None,
                label: Labels | None = None) -> None:
    """How often each side reflects (the ``reflection_due`` timer), when they are reminded and when the
    coordinator hears about a late reflection."""
    due = timer(doc, "reflection_due")
    due["every"], due["remind"] = every, list(remind)
    if escalate_after:
        due["escalate_after"] = escalate_after
    if label:
        due["label"] = label


def add_timer(doc: Doc, new: dict[str, Any]) -> None:
    """Append a timer (after the reflection rhythm, which stays the programme's first recurring timer)."""
    if any(t["id"] == new["id"] for t in doc.setdefault("timers", [])):
        raise ValueError(f"timer {new['id']!r} exists already")
    doc["timers"].append(new)


def set_guard(doc: Doc, transition_id: str, name: str, params: Mapping[str, Any] | None = None) -> None:
    """Give a transition the guard ``name`` with ``params``, replacing a call of the same guard."""
    guards = transition(doc, transition_id).setdefault("guards", [])
    call: dict[str, Any] = {"name": name, **({"params": dict(params)} if params is not None else {})}
    for index, existing in enumerate(guards):
        if existing["name"] == name:
            guards[index] = call
            return
    guards.append(call)


def relabel(doc: Doc, transition_id: str, label: Labels, description: Labels | None = None) -> None:
    item = transition(doc, transition_id)
    item["label"] = label
    if description:
        item["description"] = description


def extend_form(doc: Doc, form: str, properties: Mapping[str, Any], fields: Mapping[str, Any],
                required: Iterable[str] = ()) -> None:
    """Add programme-specific questions to a form (new ones go after the existing fields)."""
    target = doc["forms"][form]
    for name in properties:
        if name in target["schema"]["properties"]:
            raise ValueError(f"form {form!r} already has a field {name!r}")
    target["schema"]["properties"].update(properties)
    target.setdefault("fields", {}).update(fields)
    needed = target["schema"].setdefault("required", [])
    needed += [name for name in required if name not in needed]


def set_enum(doc: Doc, form: str, name: str, values: list[str]) -> None:
    """Narrow the choices of a select field to the ones the programme uses."""
    spec = doc["forms"][form]["schema"]["properties"][name]
    unknown = [v for v in values if v not in spec["enum"]]
    if unknown:
        raise ValueError(f"{form}.{name} does not offer {unknown}")
    spec["enum"] = list(values)


def set_field_label(doc: Doc, form: str, name: str, label: Labels, help: Labels | None = None) -> None:
    entry = doc["forms"][form]["fields"][name]
    entry["label"] = label
    if help:
        entry["help"] = help


def set_form_title(doc: Doc, form: str, title: Labels, description: Labels | None = None) -> None:
    doc["forms"][form]["title"] = title
    if description:
        doc["forms"][form]["description"] = description


def reason(reason_id: str, en: str, da: str) -> dict[str, Any]:
    """One neutral early-closure reason of the programme's list."""
    return {"id": reason_id, "label": labels(en, da)}


def competence(competence_id: str, en: str, da: str) -> dict[str, Any]:
    """One competence the mentee rates at the start and at the end."""
    return {"id": competence_id, "label": labels(en, da)}


def role_texts(doc: Doc, *, agreement: Labels, agreement_description: Labels, mentor_expectations: Labels,
               mentee_expectations: Labels, satisfaction: Labels, check_in: Labels, reassign: Labels,
               new_mentor: Labels) -> None:
    """The texts of the lifecycle plugins that name the roles or the relationship, in the programme's words."""
    set_form_title(doc, "agreement", agreement, agreement_description)
    set_field_label(doc, "agreement", "mentor_expectations", mentor_expectations)
    set_field_label(doc, "agreement", "mentee_expectations", mentee_expectations)
    set_field_label(doc, "pulse", "satisfaction", satisfaction)
    doc["forms"]["reflection"]["description"] = check_in
    relabel(doc, "reassign_mentor", reassign)
    doc["forms"]["reassignment"]["title"] = new_mentor
    set_field_label(doc, "reassignment", "mentor_id", new_mentor)


def set_settings(doc: Doc, *, reasons: list[dict[str, Any]], after_closure: Labels, reopen_window: str,
                 competences: list[dict[str, Any]], pulse_first: str, pulse_every: str,
                 meeting_format: str, cadence_range: tuple[str, str], scale: tuple[int, int] = (1, 5),
                 pulse_who: list[str] | None = None, coordinator_sees_content: bool = False) -> None:
    """The programme's settings for the lifecycle plugins (replacing the plugins' defaults) and its privacy.

    ``reasons``: the neutral early-closure reasons; ``after_closure``: the rule on contact after closing;
    ``competences`` and ``scale``: the self-assessment; ``pulse_*``: when pulse surveys open and who answers;
    ``meeting_format`` and ``cadence_range``: what adjustments start from and may change the cadence to.
    """
    options = settings(doc)
    options.pop("closure_reasons", None)  # the lifecycle's plain list; settings.closure.reasons replaces it
    options["privacy"] = {"coordinator_sees_content": coordinator_sees_content}
    options["goals"] = {"competences": competences, "scale": {"min": scale[0], "max": scale[1]}}
    rate_competences(doc)  # the self-assessment asks for these competences on this scale
    pulse: dict[str, Any] = {"first": pulse_first, "every": pulse_every}
    if pulse_who:
        pulse["who"] = pulse_who
    options["reflections"] = {"pulse": pulse}
    options["adjustments"] = {"defaults": {"meeting_format": meeting_format},
                              "cadence_range": {"min": cadence_range[0], "max": cadence_range[1]}}
    options["closure"] = {"reasons": reasons, "post_closure_contact": after_closure, "reopen_window": reopen_window}
