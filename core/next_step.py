"""One next step: what matters now for one person on one relationship, and the other actions grouped.

Pages, the XBlock, the LTI launch and the REST API all ask :meth:`Engine.next_step
<mentorflow.Engine.next_step>` so that they agree. The answer is built from

* :meth:`Engine.available_transitions <mentorflow.Engine.available_transitions>` (the roles, guards and
  effect preconditions decide what is allowed, as everywhere else);
* the choices providers (``mentorflow_register_choices``): an action whose form has a required field
  with nothing to choose from (no meeting to rate, no goal to confirm) is disabled with that reason;
* the timers: the viewer's own recurring duties (a reflection) and when each is due or how overdue;
* two hooks plugins answer (built-in and third-party alike): ``mentorflow_nothing_to_act_on`` (actions
  that are allowed but have nothing to act on, with the reason) and ``mentorflow_next_step``
  (:class:`StepHint`: "Morten has proposed the agreement: read and sign it", "Waiting for Mia to sign").

Everything here reads; nothing is written. Texts are translated when the step is computed, in the
language in force (the caller's request).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from mentorflow.actors import Actor
from mentorflow.choices import ChoiceContext, options
from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _, localized, ngettext
from mentorflow.queries import Availability
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.timers import duties
from mentorflow.workflow.model import Transition, Workflow

if TYPE_CHECKING:
    from mentorflow.engine import Engine

GROUPS = ("agreement", "goals", "meetings", "reflections", "relationship")
"""The headings secondary actions are grouped under, in this order."""

GROUP_OF_PLUGIN = {"agreements": "agreement", "goals": "goals", "meetings": "meetings", "calendar": "meetings",
                   "reflections": "reflections", "adjustments": "goals"}
"""An action's group, from the prefix of its first effect's name (``goals.add`` -> goals); others: relationship."""


def group_title(group: str) -> str:
    """The heading of a group of actions, in the current language."""
    # Only the one asked for is translated (a page asks for five).
    titles = {"agreement": "Agreement", "goals": "Goals", "meetings": "Meetings", "reflections": "Reflections",
              "relationship": "The relationship"}
    return _(titles[group]) if group in titles else group


def _mark_for_extraction() -> None:  # pragma: no cover - never called: lets the catalogue see the group titles
    _("Agreement"), _("Goals"), _("Meetings"), _("Reflections"), _("The relationship")


@dataclass(frozen=True)
class StepAction:
    """One action out of the current state for the viewer: enabled, or disabled with its reasons."""

    availability: Availability
    group: str
    enabled: bool
    reasons: tuple[str, ...] = ()

    @property
    def transition(self) -> Transition:
        return self.availability.transition

    @property
    def id(self) -> str:
        return self.availability.transition.id

    @property
    def role(self) -> str | None:
        return self.availability.role

    @property
    def form(self) -> str | None:
        return self.availability.form

    def title(self) -> str:
        return self.availability.transition.title()


@dataclass(frozen=True)
class StepHint:
    """What a plugin says matters now (``mentorflow_next_step``).

    ``transition`` names the action that does it (the card's primary button) when the viewer can act; a
    hint without one says whose turn it is ("Waiting for Mia to sign"). The highest ``priority`` wins
    (built-in plugins use 10 to 90: agreement 80, adjustment 70, closing 60, goals 40); a hint naming an
    action that is not enabled for the viewer is ignored.
    """

    text: str
    transition: str | None = None
    priority: int = 50
    waiting_for: tuple[int, ...] = ()
    """The people whose turn it is (person ids), when it is not the viewer's."""


@dataclass(frozen=True)
class DueItem:
    """One recurring duty the viewer owes on the relationship (a reflection), with when it is due."""

    timer: str
    label: str
    due_at: datetime
    overdue_days: int
    due_in_days: int
    text: str
    """The timer's label and when: "Reflection due: in 3 days", "Reflection due: overdue by 2 days"."""
    satisfied_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionGroup:
    """Secondary actions under one heading."""

    id: str
    title: str
    actions: tuple[StepAction, ...]


@dataclass(frozen=True)
class StepContext:
    """What ``mentorflow_nothing_to_act_on`` and ``mentorflow_next_step`` are given: read only.

    ``actions`` are the transitions out of the current state as the viewer sees them; for
    ``mentorflow_next_step`` the nothing-to-act-on answers and empty choices have already disabled some.
    ``choices`` holds, by role, the options of the choices providers the enabled forms name (read once).
    """

    relationship: RelationshipSnapshot
    workflow: Workflow
    actor: Actor
    actions: tuple[StepAction, ...]
    due: tuple[DueItem, ...]
    connection: Connection
    now: datetime
    engine: Engine
    choices: Mapping[str, Mapping[str, list[tuple[Any, str]]]] = field(default_factory=dict)

    def action(self, transition: str) -> StepAction | None:
        """The viewer's action ``transition`` (None when it does not leave the current state)."""
        return next((a for a in self.actions if a.id == transition), None)

    def enabled(self, effect: str) -> StepAction | None:
        """The first enabled action whose transition runs ``effect`` (e.g. ``agreements.sign``)."""
        return next((a for a in self.actions if a.enabled and any(e.name == effect for e in a.transition.effects)),
                    None)

    def names(self, people: Iterable[int]) -> dict[int, str]:
        """Display names by person id (one query)."""
        return self.engine.display_names(list(people))


@dataclass(frozen=True)
class NextStep:
    """The answer of :meth:`Engine.next_step`: the card at the top of a relationship's home."""

    relationship_id: int
    text: str
    """What matters now, in words, in the current language."""
    primary: StepAction | None
    """The one action the card's button opens (None: nothing is the viewer's to do now)."""
    groups: tuple[ActionGroup, ...]
    """The other actions the viewer's roles may take here, enabled or disabled with their reasons."""
    due: tuple[DueItem, ...]
    waiting_for: tuple[int, ...] = ()
    closed: bool = False
    choices: Mapping[str, Mapping[str, list[tuple[Any, str]]]] = field(default_factory=dict, compare=False,
                                                                        repr=False)
    """The choices read for the enabled forms, by role (the hosts render the forms from them)."""

    @property
    def actions(self) -> tuple[StepAction, ...]:
        """Every action with a role for the viewer: the primary first, then the groups'."""
        rest = tuple(a for g in self.groups for a in g.actions)
        return ((self.primary,) if self.primary else ()) + rest


def group_of(transition: Transition) -> str:
    """The group a transition's action is shown under (see :data:`GROUP_OF_PLUGIN`)."""
    for call in transition.effects:
        prefix = call.name.split(".", 1)[0]
        if prefix in GROUP_OF_PLUGIN:
            return GROUP_OF_PLUGIN[prefix]
    return "relationship"


def _due_text(label: str, due_at: datetime, now: datetime) -> tuple[int, int, str]:
    days = (due_at - now) / timedelta(days=1)
    if days < 0:
        late = max(1, int(-days))
        return late, 0, ngettext("{label}: overdue by {n} day", "{label}: overdue by {n} days", late).format(
            label=label, n=late)
    ahead = int(days)
    if ahead == 0:
        return 0, 0, _("{label}: today").format(label=label)
    return 0, ahead, ngettext("{label}: in {n} day", "{label}: in {n} days", ahead).format(label=label, n=ahead)


def due_items(conn: Connection, snap: RelationshipSnapshot, workflow: Workflow, person: int | None,
              now: datetime) -> tuple[DueItem, ...]:
    """The recurring duties ``person`` owes on the relationship now (one bounded query per timer of the state)."""
    if person is None:
        return ()
    found = []
    for timer in workflow.timers:
        if timer.kind != "recurring" or not timer.every or snap.state not in timer.states:
            continue
        for duty in duties(conn, snap.workflow_version_id, workflow, timer, now, relationship_id=snap.id):
            if duty.person_id == person:
                label = localized(timer.label) or timer.id
                overdue, ahead, text = _due_text(label, duty.due_at, now)
                found.append(DueItem(timer.id, label, duty.due_at, overdue, ahead, text,
                                     tuple(sorted(timer.satisfied_by))))
                break
    return tuple(sorted(found, key=lambda d: d.due_at))


def _required_choice_fields(transition: Transition, workflow: Workflow) -> list[tuple[str, str]]:
    """``(field, provider)`` of the form's top-level choice fields its schema requires."""
    form = workflow.forms.get(transition.form or "")
    if form is None or not form.choice_fields:
        return []
    required = set(form.schema.get("required", ()))
    return [(f.path[0], f.provider) for f in form.choice_fields if len(f.path) == 1 and f.path[0] in required]


def _field_label(workflow: Workflow, form: str, name: str) -> str:
    meta = workflow.forms[form].fields.get(name)
    label = localized(meta.get("label")) if isinstance(meta, Mapping) and meta.get("label") else ""
    return label or name


def compute(engine: Engine, conn: Connection, snap: RelationshipSnapshot, actor: Actor,
            available: list[Availability], now: datetime) -> NextStep:
    """The next step for ``actor`` from the availabilities :func:`mentorflow.queries.available_transitions` gave."""
    workflow = engine.workflow_by_version(snap.workflow_version_id, conn)
    mine = [a for a in available if a.role is not None]  # what the viewer's roles could ever do here
    actions = tuple(StepAction(a, group_of(a.transition), a.allowed, a.reasons) for a in mine)
    due = due_items(conn, snap, workflow, actor.person_id, now)
    step = StepContext(snap, workflow, actor, actions, due, conn, now, engine)

    # Plugins: allowed actions that have nothing to act on (an agreement already proposed).
    disabled: dict[str, str] = {}
    for answer in engine.pm.hook.mentorflow_nothing_to_act_on(engine=engine, step=step):
        if answer is None:
            continue
        if not isinstance(answer, Mapping):
            raise ConfigurationError(_("A plugin returned {value!r} from mentorflow_nothing_to_act_on, not a "
                                       "mapping of transition to reason.").format(value=answer))
        for transition, reason in answer.items():
            disabled.setdefault(str(transition), str(reason))

    # Choices: an enabled form with a required field nothing can be chosen for (no meeting to rate).
    wanted: dict[str, dict[str, None]] = {}
    for a in actions:
        if a.enabled and a.id not in disabled and a.form and a.role:
            for provider in dict.fromkeys(f.provider for f in workflow.forms[a.form].choice_fields):
                wanted.setdefault(a.role, {})[provider] = None
    choices = {role: options(engine.choices, ChoiceContext(snap, workflow, actor, role, conn, engine), names)
               for role, names in wanted.items()}
    updated = []
    for a in actions:
        reasons: tuple[str, ...] = ()
        if a.enabled and a.id in disabled:
            reasons = (disabled[a.id],)
        elif a.enabled and a.role:
            empty = [name for name, provider in _required_choice_fields(a.transition, workflow)
                     if not choices.get(a.role, {}).get(provider)]
            if empty:
                reasons = tuple(_("there is nothing to choose for “{field}” yet").format(
                    field=_field_label(workflow, a.form or "", name)) for name in empty)
        updated.append(replace(a, enabled=False, reasons=reasons) if reasons else a)
    actions = tuple(updated)
    step = replace(step, actions=actions, choices=choices)

    hints: list[StepHint] = []
    for answer in engine.pm.hook.mentorflow_next_step(engine=engine, step=step):
        for hint in answer or ():
            if not isinstance(hint, StepHint):
                raise ConfigurationError(_("A plugin returned {value!r} from mentorflow_next_step, not a "
                                           "mentorflow.next_step.StepHint.").format(value=hint))
            hints.append(hint)
    text, primary, waiting = _choose(step, hints)
    groups = tuple(ActionGroup(g, group_title(g), tuple(a for a in actions if a.group == g and a is not primary))
                   for g in GROUPS)
    return NextStep(snap.id, text, primary, tuple(g for g in groups if g.actions), due, waiting,
                    workflow.states[snap.state].is_terminal, choices)


def _choose(step: StepContext, hints: list[StepHint]) -> tuple[str, StepAction | None, tuple[int, ...]]:
    """The card's words, its primary action and whose turn it is: the best plugin hint, else the timers, else
    the workflow's next stage."""
    by_id = {a.id: a for a in step.actions}
    usable = [h for h in hints if h.transition is None or (h.transition in by_id and by_id[h.transition].enabled)]
    best = max(usable, key=lambda h: h.priority, default=None)
    # A duty the viewer owes that is overdue or due within its reminder lead outranks an ordinary hint.
    for item in step.due:
        action = next((by_id[t] for t in item.satisfied_by if t in by_id and by_id[t].enabled), None)
        urgent = item.overdue_days > 0 or item.due_in_days <= 2
        # (A plugin's "waiting for someone" hint leaves the viewer free to do their own duty.)
        if action is not None and (best is None or best.transition is None or (urgent and best.priority < 75)):
            return item.text, action, ()
    if best is not None:
        return best.text, by_id.get(best.transition or ""), best.waiting_for
    workflow, state = step.workflow, step.relationship.state
    if workflow.states[state].is_terminal:
        return _("This relationship is closed."), None, ()
    order = list(workflow.states)
    here = order.index(state)
    # Forward without a form: to a later stage ("Agree", "Start reflecting", "Close"), or back from a pause.
    forward = [a for a in step.actions if a.enabled and not a.form and (
        (a.transition.history and workflow.states[state].kind == "paused")
        or _kind(workflow, a.transition.target) not in (None, "paused"))]
    forward.sort(key=lambda a: (order.index(a.transition.target or state) - here) % len(order))
    if forward:
        return _("Next step: {action}").format(action=forward[0].title()), forward[0], ()
    if step.due:
        return step.due[0].text, None, ()
    blocked = [a for a in step.actions if not a.enabled and a.reasons and a.transition.target != state
               and _kind(workflow, a.transition.target) not in (None, "paused", "terminal")]
    if blocked:
        reason = blocked[0].reasons[0]
        return reason[:1].upper() + reason[1:], None, ()
    return _("Nothing needs you right now."), None, ()


def _kind(workflow: Workflow, state: str | None) -> str | None:
    """The kind of the stage ``state`` (None: no such stage, or a transition that stays where it is)."""
    found = workflow.states.get(state) if state is not None else None
    return found.kind if found is not None else None
