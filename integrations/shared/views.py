"""A relationship as a participant sees it: framework-free views the web pages and the XBlock both render.

Every function asks the engine (and through it :mod:`mentorflow.policy`)
what ``viewer`` may see and do; none trusts the caller beyond the person id
it passes, which the caller must have established itself (a session, the
LMS's user service).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from babel.lists import format_list

from mentorflow.actors import other_side
from mentorflow.choices import ANNOTATION
from mentorflow.engine import Engine
from mentorflow.errors import NotFound, Problem, UserError
from mentorflow.history import HISTORY_PAGE, history_labels
from mentorflow.i18n import _, get_locale
from mentorflow.next_step import StepAction
from mentorflow.policy import coordinator_sees_content
from mentorflow.snapshots import MEMBER_ROLES, AuditEntry, RelationshipSnapshot
from mentorflow.transitions import TransitionResult
from mentorflow.workflow.model import PURGE_EVENT, Transition

from .forms import SEEN_VERSION, FormDecodeError, decode, fields
from .readable import readable, recorded_choices


def relationship_view(engine: Engine, snap: RelationshipSnapshot, viewer: int) -> dict[str, Any]:
    """The relationship's header: programme, stage, the stages in order, who else is on it.

    A member sees the others ("Mentoring with Morten Holm"; in a group "with Morten Holm, Mia and Sofie");
    someone outside it (a coordinator) sees everyone on it ("Mia Jensen and Morten Holm").
    """
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    names = engine.display_names(list(snap.member_ids))
    mine = snap.roles_of(viewer)
    role = next((r for r in MEMBER_ROLES if r in mine), "coordinator")
    others = [m for m in snap.members if m.person_id != viewer]
    stages = [s for s in workflow.states.values() if s.kind in ("initial", "active")]
    stage_ids = [s.id for s in stages]
    if workflow.format.is_pair:
        pair = pair_title(workflow, names.get(snap.mentee_id or -1), names.get(snap.mentor_id or -1))
    else:
        pair = names_list([names.get(m.person_id, "") for m in snap.members]) or _("Mentoring")
    return {
        "snap": snap, "workflow": workflow, "state": workflow.states[snap.state], "role": role,
        "role_label": workflow.role_label(role),
        "other_name": names_list([names.get(m.person_id, "") for m in others]) if mine and others else None,
        "other_role_label": workflow.role_label(other_side(role) if mine else "mentor"),
        "members": [{"name": names.get(m.person_id, ""), "role": workflow.role_label(m.role),
                     "you": m.person_id == viewer} for m in snap.members],
        "programme_name": workflow.name(), "stages": stages,
        "stage_index": stage_ids.index(snap.state) if snap.state in stage_ids else None,
        # A closed relationship went through every stage: each is shown done, the closed state as the current step.
        "closed": workflow.states[snap.state].is_terminal,
        "names": names,
        # Whose relationship it is, for someone outside it (a coordinator): "Mia Jensen and Morten Holm".
        "pair_title": pair,
        # The setting of the version the relationship runs on: what decides whether coordinators read its content.
        "coordinators_read_content": coordinator_sees_content(workflow.programme.get("settings")),
    }


def pair_title(workflow: Any, mentee: str | None, mentor: str | None) -> str:
    """The relationship named by its people, for a coordinator: "Mia Jensen and Morten Holm" (mentee first)."""
    if mentee and mentor:
        return _("{mentee} and {mentor}").format(mentee=mentee, mentor=mentor)
    if mentee or mentor:
        missing = workflow.role_label("mentor" if mentee else "mentee").lower()
        return _("{name} (no {role} yet)").format(name=mentee or mentor, role=missing)
    return _("Mentoring")


def names_list(names: list[str]) -> str:
    """People's names as a sentence lists them in the current language ("Mia, Sofie and Morten")."""
    shown = [n for n in names if n]
    return format_list(shown, locale=get_locale()) if shown else ""


def action_views(engine: Engine, snap: RelationshipSnapshot, viewer: int, open_transition: str | None = None,
                 values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Each action out of the current state for ``viewer``: enabled or why not, with its form's fields.

    The primary action of :func:`next_step_view` first, then the grouped ones (see there).
    """
    step = next_step_view(engine, snap, viewer, open_transition, values, errors)
    return ([step["primary"]] if step["primary"] else []) + [a for g in step["groups"] for a in g["actions"]]


def next_step_view(engine: Engine, snap: RelationshipSnapshot, viewer: int, open_transition: str | None = None,
                   values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The next-step card (:meth:`Engine.next_step`): its words, what is due, the primary action and the groups.

    Each action is ``{"action": StepAction, "enabled", "reasons", "form", "fields", "errors", "open"}``;
    ``open_transition`` is the one just submitted with problems: its form stays open with the posted
    ``values`` and the ``errors`` by field. The choices the engine read for the card fill the forms.
    """
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    step = engine.next_step(snap, viewer)

    def shown(action: StepAction) -> dict[str, Any]:
        form = workflow.forms.get(action.form) if action.form else None
        mine = action.id == open_transition
        return {"action": action, "enabled": action.enabled, "reasons": action.reasons, "form": form,
                "fields": fields(form, values if mine else None, step.choices.get(action.role or ""))
                if form and action.enabled else [],
                "errors": (errors or {}) if mine else {}, "open": mine}

    return {"step": step, "text": step.text, "due": step.due, "waiting_for": step.waiting_for,
            "primary": shown(step.primary) if step.primary else None,
            "groups": [{"id": g.id, "title": g.title, "actions": [shown(a) for a in g.actions]} for g in step.groups]}


def timeline_entries(engine: Engine, snap: RelationshipSnapshot, viewer: int, page: int = 1,
                     per_page: int | None = None) -> list[dict[str, Any]]:
    """What happened, newest first, with form data only where the privacy policy shows it to ``viewer``.

    With ``per_page``, only that page of the history (1 is the newest; see :func:`history_page`). Each
    entry's ``shown`` is its data made readable (:func:`.readable.readable`): labels for codes, and for
    records a form names (a goal, a meeting) the label their plugin gives them
    (:func:`mentorflow.history.history_labels`), else the one the viewer's own choices give them while offered.
    """
    return history_page(engine, snap, viewer, page, per_page)["entries"]


def history_page(engine: Engine, snap: RelationshipSnapshot, viewer: int, page: int = 1,
                 per_page: int | None = None) -> dict[str, Any]:
    """One page of the readable history: ``entries`` (newest first), ``page``, ``pages`` and ``total``.

    ``per_page`` None reads the whole history; otherwise two bounded queries read only the page asked
    for (a page past the last shows the last).
    """
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    if per_page is None:
        timeline = list(reversed(engine.timeline(snap, viewer=viewer)))
        total, page, pages = len(timeline), 1, 1
    else:
        timeline, total = engine.history(snap, viewer, per_page, (max(1, page) - 1) * per_page)
        pages = max(1, -(-total // per_page))
        if page > pages:
            page = pages
            timeline, total = engine.history(snap, viewer, per_page, (pages - 1) * per_page)
        page = max(1, page)
    names = engine.display_names({e.actor_id for e in timeline if e.actor_id is not None})
    # The engine's own events are told apart by their flag, never by a name a workflow transition could share.
    forms = {e.id: workflow.forms.get(workflow.transitions[e.transition].form or "")
             if e.transition in workflow.transitions and not e.engine_event else None for e in timeline}
    recorded: dict[str, set[Any]] = {}
    for e in timeline:
        for provider, values in recorded_choices(forms[e.id], e.data).items():
            recorded.setdefault(provider, set()).update(values)
    labels = history_labels(engine, snap, viewer, recorded)
    # The viewer's own options (what their forms would offer them), read once, for what no plugin named.
    named = tuple(dict.fromkeys(form.name for e in timeline if e.data and (form := forms[e.id]) is not None
                                and form.choice_fields))
    unnamed = any(value not in labels.get(provider, {}) for provider, values in recorded.items() for value in values)
    try:
        options = engine.form_choices(snap, viewer, named) if named and unnamed else {}
    except UserError:
        options = {}  # labels are a nicety: the values are shown as recorded
    options = {provider: [*labels.get(provider, {}).items(), *options.get(provider, ())]
               for provider in {*labels, *options}}
    entries = []
    for e in timeline:
        shown = readable(forms[e.id], e.data, options)
        entries.append({"entry": e, "actor": names.get(e.actor_id or -1, _("system")),
                        "label": _engine_event_label(e) if e.engine_event or e.transition not in workflow.transitions
                        else workflow.transitions[e.transition].title(),
                        "to": workflow.states[e.to_state].title(), "form": forms[e.id], "shown": shown,
                        "subject": _subject(forms[e.id], e.data, options)})
    return {"entries": entries, "page": page, "pages": pages, "total": total}


def _subject(form: Any, data: Any, options: Any) -> str | None:
    """What the event is about, for its line in the history: the first record its form names (a goal's title)."""
    if form is None or not data:
        return None
    for key, value in data.items():
        provider = form.fields.get(key, {}).get(ANNOTATION) if isinstance(form.fields.get(key), dict) else None
        if isinstance(provider, str) and not isinstance(value, (bool, list, dict)):
            return next((label for option, label in options.get(provider, ()) if option == value), None)
    return None


def _engine_event_label(entry: AuditEntry) -> str:
    if entry.transition == PURGE_EVENT:
        return _("Content removed under the retention policy")
    return _("Relationship started")


def visible_relationship(engine: Engine, relationship_id: int, viewer: int) -> RelationshipSnapshot:
    """The relationship if ``viewer`` is part of it (or coordinates it); NotFound otherwise, hiding that it exists."""
    snap = engine.get(relationship_id)  # NotFound says the same as for one the viewer may not see
    if not engine.viewer(snap, viewer).may_see_relationship:
        raise NotFound(_("Relationship {id} does not exist.").format(id=relationship_id))
    return snap


def relationship_panel(engine: Engine, snap: RelationshipSnapshot, viewer: int, open_transition: str | None = None,
                       values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                       history: int = 1) -> dict[str, Any]:
    """Everything ``_relationship_panel.html`` renders: the view, the next step (:func:`next_step_view`: the card and
    the grouped actions) and page ``history`` of the timeline.

    ``history`` holds the paging (``page``, ``pages``, ``total``); ``timeline`` its entries, newest first.
    """
    who = engine.viewer(snap, viewer)
    if not who.may_see_relationship:
        raise NotFound(_("Relationship {id} does not exist.").format(id=snap.id))
    return {"view": relationship_view(engine, snap, viewer),
            "step": next_step_view(engine, snap, viewer, open_transition, values, errors),
            **_paged(history_page(engine, snap, viewer, history, HISTORY_PAGE)), "is_participant": who.is_participant,
            "seen_version_field": SEEN_VERSION}


def _paged(page: dict[str, Any]) -> dict[str, Any]:
    return {"timeline": page["entries"], "history": {k: page[k] for k in ("page", "pages", "total")}}


def find_transition(engine: Engine, snap: RelationshipSnapshot, transition: str) -> Transition:
    """The relationship's workflow transition called ``transition`` (NotFound when there is none)."""
    chosen = engine.workflow_by_version(snap.workflow_version_id).transitions.get(transition)
    if chosen is None:
        raise NotFound(_("The workflow has no transition '{id}'.").format(id=transition))
    return chosen


def submit(engine: Engine, snap: RelationshipSnapshot, transition: Transition, actor: int, posted: dict[str, str],
           version: int | None = None) -> TransitionResult:
    """Fire ``transition`` with a form post: posted strings become the form's typed data first.

    ``version`` is the relationship version the person saw (a concurrent
    change then raises Conflict). Raises FormDecodeError for text that is
    not of the field's type, FormInvalid for data the form rejects, and
    other UserErrors as the engine raises them; nothing is written then.
    """
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    data = decode(workflow.forms[transition.form], posted) if transition.form else None
    seen = replace(snap, version=version) if version is not None else snap
    return engine.fire(seen, transition.id, actor, data)


def field_errors(problems: list[Problem]) -> dict[str, str]:
    """One message per top-level field (``_form`` for problems with the whole form), from JSON pointers.

    A problem deeper in the data is also kept under its path (``items/0/goal_id``), where the group of
    fields editing that item shows it.
    """
    errors: dict[str, str] = {}
    for problem in problems:
        field = problem.pointer.split("/")[1] if problem.pointer.count("/") >= 1 and problem.pointer else ""
        errors.setdefault(field or "_form", problem.message)
        if problem.pointer.count("/") > 1:
            errors.setdefault(problem.pointer[1:], problem.message)
    return errors


def decode_errors(error: FormDecodeError) -> dict[str, str]:
    """:func:`field_errors` for text that is not of its field's type."""
    return field_errors([Problem(f"/{error.field}", error.message)])
