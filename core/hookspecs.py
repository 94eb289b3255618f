"""Every extension point of mentorflow, in one module.

Plugins implement these with :data:`mentorflow.hookimpl`. Built-in plugins
in ``mentorflow.plugins`` use exactly the same hooks and are loaded through
the same ``mentorflow`` entry-point group as third-party plugins.

Each hookspec's docstring is its reference documentation; ``docs/hooks.md``
must have a section for every hook (a test enforces it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import datetime

    import click
    from flask import Blueprint
    from sqlalchemy.engine import Connection

    from mentorflow.actors import Actor
    from mentorflow.choices import ChoicesSpec
    from mentorflow.effects import EffectSpec
    from mentorflow.engine import Engine
    from mentorflow.errors import Problem
    from mentorflow.figures import ProgrammeFigures, RelationshipFigures
    from mentorflow.guards import GuardSpec
    from mentorflow.meetings import MeetingRecord
    from mentorflow.next_step import StepContext, StepHint
    from mentorflow.notifications import NotificationChannel
    from mentorflow.panels import PageContext, Panel
    from mentorflow.signup import SignupProfile
    from mentorflow.snapshots import RelationshipSnapshot, TransitionEvent
    from mentorflow.timers import TimerNotice
    from mentorflow.worker import WorkerTasks
    from mentorflow.workflow.model import Workflow

PROJECT = "mentorflow"
HOOKSPEC_VERSION = 11
"""Bumped whenever a hookspec is added or changed; docs/hooks.md lists every version and what changed."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(historic=True)
def mentorflow_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Let a plugin add hookspecs of its own (for example scorers for matching).

    Replayed for every plugin as it is registered (a historic hook); call
    ``pluginmanager.add_hookspecs(module)``. Return value ignored.
    """


@hookspec
def mentorflow_register_guards() -> Iterable[GuardSpec]:
    """Return the guards this plugin offers (built with :func:`mentorflow.guard`).

    Called whenever an engine or a workflow loader is built. Guard names are global;
    two plugins registering the same name is a configuration error naming both.
    Results of all plugins are collected.
    """


@hookspec
def mentorflow_register_effects() -> Iterable[EffectSpec]:
    """Return the effects this plugin offers (built with :func:`mentorflow.effect`).

    A workflow's transition lists effects by name; each runs inside the
    transition's transaction after the state and audit rows are written.
    Effect names are global, conventionally ``<plugin>.<verb>``.
    Results of all plugins are collected.
    """


@hookspec
def mentorflow_register_choices() -> Iterable[ChoicesSpec]:
    """Return the choices providers this plugin offers (built with :func:`mentorflow.choices_provider`).

    A workflow form's field names one with ``"choices_from": "<name>"`` in its ``fields`` metadata (or
    in ``fields.<array field>.items.<property>`` for a property of an array's items). The provider lists
    the ``(value, localized label)`` pairs one person may choose on one relationship, from a
    :class:`mentorflow.choices.ChoiceContext` (relationship, workflow, actor, role, connection); the
    shared forms render them as a select, and :meth:`Engine.fire` refuses any other value with
    :class:`FormInvalid`. Called whenever an engine or a workflow loader is built; names are global
    (conventionally ``<plugin>.<what>``), two plugins registering one name is a configuration error.
    Results of all plugins are collected.
    """


@hookspec
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    """Add semantic checks to workflow loading.

    Called after the JSON Schema and the built-in checks passed, with the
    compiled ``workflow`` and the raw ``document``. Return problems
    (:class:`mentorflow.Problem`, each with a JSON pointer into the document)
    or nothing. All problems of all plugins are reported together.
    """


@hookspec
def mentorflow_validate_form(
    workflow: Workflow, form: str, data: dict[str, Any], relationship: RelationshipSnapshot
) -> Iterable[Problem]:
    """Validate form data beyond its JSON Schema (cross-field rules, look-ups).

    Called when a transition carrying form ``form`` is fired, after the
    schema accepted ``data``. Return problems whose pointers point into
    ``data``; any problem rejects the transition with :class:`FormInvalid`.
    """


@hookspec
def mentorflow_before_transition(event: TransitionEvent, connection: Connection) -> None:
    """Observe, or veto, a transition before it is written.

    Called inside the transaction after role, form and guard checks passed.
    Raise :class:`mentorflow.Veto` with a reason to stop it; the caller gets
    :class:`mentorflow.Vetoed` naming your plugin. Any other exception
    rolls the transaction back and surfaces as :class:`PluginError`.
    Return value ignored.
    """


@hookspec
def mentorflow_apply_transition(event: TransitionEvent, connection: Connection, engine: Engine) -> None:
    """Write a plugin's own records as part of the transition's transaction.

    Called after the relationship row was updated and the audit event
    inserted (``event.after`` and ``event.audit_id`` are set), on the same
    ``connection``; ``engine`` is the engine firing it (its hooks, its
    clock). Everything commits or rolls back together: raise to abort the
    whole transition. Return value ignored.
    """


@hookspec
def mentorflow_after_transition(event: TransitionEvent, engine: Engine) -> None:
    """React to a committed transition (notifications, caches, analytics).

    Called after the commit, outside any transaction. The state change is
    durable whatever happens here; an exception is logged with the plugin's
    name and does not reach the caller. Return value ignored.
    """


@hookspec
def mentorflow_relationship_started(
    relationship: RelationshipSnapshot, workflow: Workflow, connection: Connection, engine: Engine
) -> None:
    """A relationship was created in the workflow's initial state (by ``engine``).

    Called inside the creating transaction; raise to abort the creation.
    Return value ignored.
    """


@hookspec
def mentorflow_notification_channels() -> Iterable[NotificationChannel]:
    """Return notification channels (objects with ``name`` and ``send(message, ctx)``).

    ``ctx`` is a :class:`~mentorflow.notifications.ChannelContext` naming the engine that delivers
    the message: a channel reads through ``ctx.engine`` rather than keeping an engine of its own.

    A person's preferred channel names choose among them; ``log`` is built in.
    Results of all plugins are collected; names must be unique.
    """


@hookspec
def mentorflow_migration_locations() -> Iterable[str]:
    """Return Alembic version locations (``"package:folder"``) for a plugin's own tables.

    Each location's first revision carries a ``branch_labels`` entry with
    the plugin's name and ``depends_on`` the core's first revision;
    ``mentorflow db upgrade`` upgrades every head.
    """


@hookspec
def mentorflow_programme_templates() -> Iterable[str]:
    """Return paths (or ``importlib.resources`` traversables) of programme templates to offer.

    Each must be a workflow document valid against ``workflow.schema.json``.
    """


@hookspec
def mentorflow_register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``mentorflow`` command line (``@cli.command()``).

    Called once when the CLI starts. Return value ignored.
    """


@hookspec
def mentorflow_export_personal_data(person_id: int, connection: Connection) -> dict[str, Any] | None:
    """Return this plugin's personal data about ``person_id`` for a data-subject export (GDPR art. 15/20).

    Return a JSON-serialisable mapping (it appears under the plugin's name in
    the export) or ``None`` when the plugin holds nothing about the person.
    Include what the person wrote and what is recorded about them; leave
    out other people's private items. Results of all plugins are collected.
    """


@hookspec
def mentorflow_erase_personal_data(person_id: int, pseudonym: str, connection: Connection) -> None:
    """Remove or pseudonymise ``person_id``'s personal data in this plugin's tables (GDPR art. 17).

    Called inside the erasure transaction after the core replaced the
    person's name with ``pseudonym``; the person's external identities
    (``mf_external_identities``) are deleted only after the plugins ran, so
    rows keyed by an external id can still be found. Keep rows that other people's records
    or programme statistics need (counts, dates, numeric ratings), replacing
    free text the person wrote and anything identifying. Raise to abort the
    whole erasure. Return value ignored.
    """


@hookspec
def mentorflow_purge_relationship_content(relationship_id: int, connection: Connection) -> None:
    """Remove the content of a relationship whose retention period has passed (GDPR art. 5(1)(e)).

    Called by :func:`mentorflow.retention.run_retention` (the ``mentorflow
    retention run`` command and the worker's daily ``mentorflow.retention``
    task) inside one write transaction per relationship, once the relationship
    has been closed longer than the programme's
    ``settings.retention.closed_content`` period, after the core scrubbed the
    free text of its audit events. Replace the free text in this plugin's rows
    of ``relationship_id`` with ``[erased]`` (:func:`mentorflow.gdpr.scrub`),
    keeping the rows and what figures need: ids, dates, statuses, choices from
    a list and numbers. Must be idempotent: a purge can be repeated after a
    crash. Raise to roll back the purge of this relationship (it is retried
    on the next run). Return value ignored.
    """


@hookspec
def mentorflow_web_blueprints(engine: Engine) -> Iterable[Blueprint]:
    """Return Flask blueprints to mount on the web service (``mentorflow serve``).

    Called once per application, when ``create_app`` builds it, with the
    application's ``engine`` (views close over it; a plugin never imports
    the web integration). Blueprints are registered after the built-in
    routes, which therefore win a clash; two blueprints with one name are
    a configuration error. The service's error pages, security headers and
    request logging apply to their routes too. Results of all plugins are
    collected.
    """


@hookspec
def mentorflow_programme_health(engine: Engine, programme: str, actor: Actor) -> dict[str, Any] | None:
    """Return this plugin's programme-wide figures for a coordinator, by section name (``{"goals": ...}``).

    Called for ``GET /api/v1/programmes/{key}/health`` after the web service checked that ``actor``
    coordinates ``programme`` (its key). Values are JSON-ready or dataclasses (made JSON like every API
    answer); return ``None`` when the plugin has nothing to say. Results of all plugins are merged.
    """


@hookspec
def mentorflow_relationship_figures(relationship: RelationshipSnapshot, workflow: Workflow, connection: Connection,
                                    engine: Engine) -> RelationshipFigures | None:
    """This plugin's contribution to the programme figures, for one relationship (see ``docs/figures.md``).

    Read only this relationship's rows, on ``connection`` (inside the transaction that changed it, or
    the figures rebuild): the figures plugin calls this after every transition and keeps the answer
    and the programme's sums in summary rows, so what it costs must not grow with the programme.
    Return a :class:`mentorflow.figures.RelationshipFigures` (values summed over the programme,
    deadlines counted once passed, per-goal facts), or None to add nothing. Must not write.
    """


@hookspec(firstresult=True)
def mentorflow_programme_figures(engine: Engine, programme: str, actor: Actor) -> ProgrammeFigures | None:
    """A programme's dashboard figures from maintained summary rows, for a coordinator (first answer wins).

    The figures plugin answers from its summary rows; the dashboard computes its own figures only
    when no plugin answers. Refuse anyone who does not coordinate the programme (through
    :mod:`mentorflow.policy`).
    """


@hookspec
def mentorflow_page_panels(engine: Engine, page: PageContext) -> Iterable[Panel]:
    """Return the panels this plugin adds to a page a person sees (:class:`mentorflow.panels.Panel`).

    ``page`` says which page (``page.page``: ``"dashboard"`` for a programme's coordinator dashboard,
    ``"relationship"`` for one relationship's page), for whom (``page.viewer``, a person id, already
    allowed to see the page), in which language (``page.locale``, in force while the hook runs), for which
    programme and relationship, and on which host (``page.host``: ``"web"``; the XBlock and the LTI launch
    may render the same panels). A panel is an id, a localized title, an order, a slot and its HTML body
    (render it with :func:`mentorflow.panels.render_template`, escaped); the host draws the heading and
    the frame. Check what the viewer may see in the plugin's own queries, as its REST routes do. Called on
    every render; reuse expensive programme figures with ``page.cached``. Results of all plugins are
    collected and sorted by ``(order, id)``.
    """


@hookspec(firstresult=True)
def mentorflow_signup_profile(engine: Engine, programme_id: int, workflow: Workflow) -> SignupProfile | None:
    """Return the profile form a person fills in when signing up to the programme (a ``SignupProfile``).

    Asked by integrations that sign people up (the Open edX XBlock) with the programme's id and current
    ``workflow``; return a :class:`mentorflow.signup.SignupProfile`, or ``None`` when this plugin has no
    profile for it. The first plugin to answer wins.
    """


@hookspec
def mentorflow_relationship_meetings(engine: Engine, relationship: RelationshipSnapshot,
                                     viewer: int) -> Iterable[MeetingRecord]:
    """Return the relationship's logged meetings as ``viewer`` (a person id) may see them.

    A core-level question other plugins ask through :func:`mentorflow.meetings.relationship_meetings`
    (the calendar puts them in a person's calendar feed) instead of importing the plugin that keeps the
    meetings. Return :class:`mentorflow.meetings.MeetingRecord` objects; what the viewer may not see is left
    out by the answering plugin's own policy checks. Results of all plugins are collected.
    """


@hookspec
def mentorflow_timer_scan(engine: Engine, now: datetime) -> Iterable[TimerNotice]:
    """Owe what the workflow's timers make due by ``now`` (reminders, escalations, deadlines), and say what was owed.

    The reminders plugin answers with its outbox scan; the workflow simulator (``mentorflow simulate``)
    calls it at every instant where a timer can act. Return a :class:`mentorflow.timers.TimerNotice` for
    each notification created by this call. Results of all plugins are collected.
    """


@hookspec
def mentorflow_frame_ancestors(engine: Engine) -> Iterable[str]:
    """Return the addresses (any URL; only its origin counts) of sites that embed the web service's pages.

    Called for every HTML page the web service answers, to build its
    ``Content-Security-Policy: frame-ancestors``: only these origins, the
    ``frame_ancestors`` setting and the service itself may show a page in a
    frame (clickjacking protection). The LTI integration returns its
    registered platforms. Keep it to one small query. Results of all plugins
    are collected.
    """


@hookspec
def mentorflow_startup(engine: Engine) -> None:
    """The engine has been built and its plugins loaded; prepare caches or connections.

    Not the way to give effects, guards, choices providers or channels the engine: they receive it in
    their context (``ctx.engine``, ``ctx.hooks``) on every call. Storing the engine in module state
    here would let two engines in one process see each other's plugins.

    Return value ignored.
    """


@hookspec
def mentorflow_worker_tasks() -> WorkerTasks | None:
    """Return the background tasks this plugin runs: a :class:`mentorflow.worker.WorkerTasks`.

    ``modules`` are the dotted names of modules defining Celery tasks (``@shared_task``); ``schedule``
    maps beat entry names to :class:`mentorflow.worker.Periodic` (a task name, every N seconds or crontab
    fields, and an environment variable that overrides the timing). Called when the worker's Celery
    application is made; ``mentorflow worker`` runs every plugin's tasks with no list to edit. A plugin
    whose ``NEEDS_EXTRAS`` are missing is left out with a log line. An entry, module or task name
    declared by two plugins is a configuration error naming both. Results of all plugins are collected,
    one plugin at a time.
    """


@hookspec
def mentorflow_history_labels(engine: Engine, relationship: RelationshipSnapshot, viewer: int,
                              recorded: Mapping[str, frozenset[Any]]) -> Mapping[str, Mapping[Any, str]] | None:
    """Name the records a relationship's history points at (a goal's title, a meeting's date), as ``viewer`` may.

    A form field with ``"choices_from"`` records a value (a goal's id) that the provider's label only
    explains while it is still offered; the history shows old events too. ``recorded`` maps each choices
    provider's name to the values the events on the page being shown recorded through it (already
    redacted for ``viewer``, a person id allowed to see the relationship). Return ``{provider: {value:
    localized label}}`` for the providers this plugin owns, labelling only what ``viewer`` may read (the
    plugin's own policy checks, as its choices providers do), or ``None``. Called once per rendered page
    of history, in the viewer's language: keep it to one query per provider. Results of all plugins are
    merged; a value nobody labels is shown as recorded.
    """


@hookspec
def mentorflow_nothing_to_act_on(engine: Engine, step: StepContext) -> Mapping[str, str] | None:
    """Name the viewer's allowed actions that have nothing to act on now, each with the reason (translated).

    Asked once per :meth:`Engine.next_step <mentorflow.Engine.next_step>` (every relationship page, the
    XBlock, the LTI launch, the REST API's next step), with ``step`` a
    :class:`mentorflow.next_step.StepContext`: the relationship, its workflow, the viewer, the actions out
    of the current state (``step.actions``; ``enabled`` ones are those the roles and guards allow) and a
    read-only ``step.connection``. Return ``{transition id: reason}`` for actions a plugin knows would only
    refuse or do nothing ("the agreement has already been proposed: change it instead"), or ``None``. Those
    actions are shown disabled with the reason. Forms whose required field has nothing to choose from (the
    choices providers of ``mentorflow_register_choices``) are disabled by the engine itself: no need to
    answer for them. Keep it to a query or two; must not write. Results of all plugins are merged (the
    first reason for an action wins).
    """


@hookspec
def mentorflow_next_step(engine: Engine, step: StepContext) -> Iterable[StepHint]:
    """Say what matters now for the viewer of a relationship: :class:`mentorflow.next_step.StepHint` objects.

    Asked once per :meth:`Engine.next_step <mentorflow.Engine.next_step>` after
    ``mentorflow_nothing_to_act_on``, with ``step`` (:class:`mentorflow.next_step.StepContext`) whose
    actions are final (``step.enabled("agreements.sign")`` finds the viewer's enabled action running an
    effect) and whose ``step.choices`` holds the options the enabled forms offer, by role. A hint is a
    localized sentence ("Morten has proposed the agreement: read and sign it"), optionally the transition
    the card's primary button opens (ignored unless enabled for the viewer), a priority and, when it is
    someone else's turn, ``waiting_for`` (their person ids: "Waiting for Mia to sign"). The highest
    priority wins; without hints the engine names the viewer's due duty or the workflow's next stage.
    Must not write. Results of all plugins are collected.
    """
