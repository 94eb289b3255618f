"""The mentorflow engine: programmes, people, relationships and the transitions between states."""

from __future__ import annotations

import logging
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy import Engine as SAEngine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from mentorflow import next_step, policy
from mentorflow.actors import ROLES, SYSTEM, Actor, as_actor
from mentorflow.choices import ChoiceContext, ChoicesSpec, options, providers_of
from mentorflow.clock import Clock, SystemClock
from mentorflow.db import migrate
from mentorflow.db.database import WRITE_OPTION, create_db_engine, inserted_id, is_outage
from mentorflow.db.models import (
    AuditEvent,
    ExternalIdentity,
    Person,
    Programme,
    ProgrammeRole,
    Relationship,
    WorkflowVersion,
)
from mentorflow.db.reads import SharedReads
from mentorflow.effects import EffectSpec
from mentorflow.errors import ConfigurationError, Forbidden, NotFound, PublishForbidden, UserError
from mentorflow.guards import GuardSpec
from mentorflow.i18n import _
from mentorflow.members import check_start, insert_members, members_argument
from mentorflow.members import history as membership_history
from mentorflow.next_step import NextStep
from mentorflow.notifications import ChannelContext, Message, NotificationChannel, takes_context
from mentorflow.pluginmanager import PluginManager, build_plugin_manager, plugin_failure
from mentorflow.queries import Availability, available_transitions, redact_entry, timeline, timeline_page
from mentorflow.registry import collect_choices, collect_effects, collect_guards, make_loader
from mentorflow.relationships import current_members, membership_of, read_relationship, snapshots
from mentorflow.snapshots import AuditEntry, RelationshipSnapshot
from mentorflow.text import check_person
from mentorflow.transitions import TransitionResult, TransitionRunner, result_of
from mentorflow.workflow.loader import WorkflowLoader
from mentorflow.workflow.model import START_EVENT, Workflow

log = logging.getLogger("mentorflow")


@dataclass(frozen=True, slots=True)
class PublishedWorkflow:
    """The outcome of :meth:`Engine.publish_workflow`."""

    programme_id: int
    workflow_version_id: int
    version: int
    created: bool
    """False when the document was identical to the latest version (nothing new was stored)."""


class Engine:
    """Runs mentoring workflows on a database.

    ``Engine()`` uses ``MENTORFLOW_DATABASE_URL`` or ``sqlite:///mentorflow.db``,
    the system clock and every plugin of the ``mentorflow`` entry-point group.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        db: SAEngine | None = None,
        clock: Clock | None = None,
        plugins: tuple[Any, ...] | list[Any] = (),
        load_entrypoints: bool = True,
    ) -> None:
        self.db: SAEngine = db if db is not None else create_db_engine(database_url)
        self._writer = self.db.execution_options(**{WRITE_OPTION: True})
        self._reads = SharedReads(self.db)
        self.clock: Clock = clock or SystemClock()
        self.pm: PluginManager = build_plugin_manager(plugins, load_entrypoints=load_entrypoints)
        self.guards: dict[str, GuardSpec] = collect_guards(self.pm)
        self.effects: dict[str, EffectSpec] = collect_effects(self.pm)
        self.choices: dict[str, ChoicesSpec] = collect_choices(self.pm)
        self.loader: WorkflowLoader = make_loader(self.pm, self.guards, self.effects, self.choices)
        self.channels: dict[str, NotificationChannel] = self._collect_channels()
        self._channel_context = ChannelContext(self)  # what every channel's send is given, built once
        self._legacy_channels = frozenset(name for name, channel in self.channels.items()
                                          if not takes_context(channel))
        self.after_hook_errors: deque[Exception] = deque(maxlen=100)
        self._workflows: dict[int, Workflow] = {}
        self._runner = TransitionRunner(self)
        self.pm.hook.mentorflow_startup(engine=self)

    # -- plugins -------------------------------------------------------------
    def _collect_channels(self) -> dict[str, NotificationChannel]:
        channels: dict[str, NotificationChannel] = {}
        for result in self.pm.hook.mentorflow_notification_channels():
            for channel in result or ():
                if channel.name in channels:
                    raise ConfigurationError(_("Two plugins register a notification channel called '{name}'.").format(
                        name=channel.name))
                if not takes_context(channel):
                    warnings.warn(f"notification channel {channel.name!r}: send(message) is deprecated; write "
                                  "send(message, ctx) and read through ctx.engine", DeprecationWarning, stacklevel=2)
                channels[channel.name] = channel
        return channels

    def migration_locations(self) -> list[str]:
        return [loc for result in self.pm.hook.mentorflow_migration_locations() for loc in (result or ())]

    # -- database ------------------------------------------------------------
    def upgrade_database(self) -> list[str]:
        """Apply every pending Alembic migration of the core and the plugins."""
        return migrate.upgrade(self.db, self.migration_locations())

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection inside one write transaction (SQLite takes its write lock up front)."""
        self._reads.forget()  # what a request's reads remembered may change now
        with self._writer.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads (shared by the reads inside :meth:`reading`)."""
        with self._reads.read() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Let every :meth:`read` in this block share one connection (the web service wraps each request).

        Saves a pool checkout, a ping and a rollback per read on PostgreSQL;
        writes keep their own transactions, and reads still see them.
        """
        with self._reads.scope():
            yield

    # -- workflows and programmes ---------------------------------------------
    def load_workflow(self, document: Any, source: str = "") -> Workflow:
        """Validate a workflow document against the schema, the semantic checks and the plugins' checks."""
        return self.loader.load(document, source)

    def publish_workflow(self, programme_key: str, document: Mapping[str, Any], source: str = "", *,
                         publisher: policy.Publisher = policy.SYSTEM_PUBLISHER) -> PublishedWorkflow:
        """Validate ``document`` and store it as the programme's newest workflow version.

        Creates the programme on first publication, owned by the publisher's
        tenant. Running relationships keep the version they started on.
        :func:`mentorflow.policy.publish_problems` decides, against the
        programme's owner and newest version as stored, whether ``publisher``
        may publish it (:class:`PublishForbidden` otherwise, writing nothing);
        the default publisher is the system (code and the command line).
        """
        workflow = self.load_workflow(dict(document), source)
        now = self.clock.now()
        P, W = Programme.__table__, WorkflowVersion.__table__
        with self.write() as conn:
            row = conn.execute(select(P.c.id, P.c.owner_kind, P.c.owner_ref).where(P.c.key == programme_key)
                               .with_for_update()).first()
            latest = None if row is None else conn.execute(
                select(W.c.id, W.c.version, W.c.digest, W.c.definition).where(W.c.programme_id == row.id)
                .order_by(W.c.version.desc()).limit(1)).first()
            owner = None if row is None else policy.Owner(policy.OwnerKind(row.owner_kind), row.owner_ref)
            problems = policy.publish_problems(publisher, owner, latest.definition if latest else None,
                                               workflow.document)
            if problems:
                raise PublishForbidden(_("You may not publish this workflow to programme '{key}':").format(
                    key=programme_key), [replace(p, source=source) for p in problems])
            if row is None:
                programme_id = inserted_id(conn.execute(insert(P).values(
                    key=programme_key, name=dict(workflow.programme["name"]),
                    context=workflow.programme["context"], created_at=now, owner_kind=str(publisher.tenant.kind),
                    owner_ref=publisher.tenant.ref)))
            else:
                programme_id = row.id
            if latest is not None and latest.digest == workflow.digest:
                return PublishedWorkflow(programme_id, latest.id, latest.version, created=False)
            version = (latest.version if latest else 0) + 1
            version_id = inserted_id(conn.execute(insert(W).values(
                programme_id=programme_id, version=version, workflow_id=workflow.id, digest=workflow.digest,
                definition=dict(workflow.document), created_at=now)))
        self._workflows[version_id] = workflow
        return PublishedWorkflow(programme_id, version_id, version, created=True)

    def programme_id(self, programme: str | int, conn: Connection | None = None) -> int:
        if isinstance(programme, int):
            return programme
        P = Programme.__table__
        with self._maybe(conn) as c:
            pid: int | None = c.execute(select(P.c.id).where(P.c.key == programme)).scalar()
        if pid is None:
            raise NotFound(_("Programme '{key}' does not exist.").format(key=programme))
        return pid

    def current_workflow(self, programme: str | int) -> tuple[int, Workflow]:
        """The newest workflow version of a programme: ``(workflow_version_id, workflow)``."""
        W = WorkflowVersion.__table__
        with self.read() as conn:
            pid = self.programme_id(programme, conn)
            vid = conn.execute(select(W.c.id).where(W.c.programme_id == pid).order_by(W.c.version.desc())
                               .limit(1)).scalar()
            if vid is None:
                raise NotFound(_("Programme '{key}' has no published workflow.").format(key=programme))
            return vid, self.workflow_by_version(vid, conn)

    def workflow_by_version(self, version_id: int, conn: Connection | None = None) -> Workflow:
        """The compiled workflow a relationship is pinned to (cached; versions never change)."""
        workflow = self._workflows.get(version_id)
        if workflow is not None:
            return workflow
        W = WorkflowVersion.__table__
        with self._maybe(conn) as c:
            definition = c.execute(select(W.c.definition).where(W.c.id == version_id)).scalar()
        if definition is None:
            raise NotFound(_("Workflow version {id} does not exist.").format(id=version_id))
        workflow = self.loader.load(definition, f"workflow version {version_id}", stored=True)
        self._workflows[version_id] = workflow
        return workflow

    # -- people ----------------------------------------------------------------
    def add_person(self, display_name: str, *, email: str | None = None, locale: str = "en",
                   external_ids: Mapping[str, str] | None = None) -> int:
        """Create a person; ``external_ids`` maps a source (``moodle:<issuer>``) to that system's user id.

        The name and address must pass :func:`mentorflow.text.check_person` (else :class:`FormInvalid` at
        ``/display_name`` or ``/email``); the name is stored NFC normalised and trimmed.
        """
        display_name, email = check_person(display_name, email)
        X = ExternalIdentity.__table__
        with self.write() as conn:
            person_id = inserted_id(conn.execute(insert(Person.__table__).values(
                display_name=display_name, email=email, locale=locale,
                created_at=self.clock.now())))
            for source, external_id in (external_ids or {}).items():
                try:
                    with conn.begin_nested():
                        conn.execute(insert(X).values(person_id=person_id, source=source,
                                                      external_id=str(external_id)))
                except IntegrityError:
                    raise UserError(_("{source} user {id} is already linked to another person.").format(
                        source=source, id=external_id)) from None
        return person_id

    def find_person(self, source: str, external_id: str) -> int | None:
        X = ExternalIdentity.__table__
        with self.read() as conn:
            return conn.execute(select(X.c.person_id).where(X.c.source == source,
                                                            X.c.external_id == str(external_id))).scalar()

    def person(self, person_id: int) -> dict[str, Any]:
        T = Person.__table__
        with self.read() as conn:
            row = conn.execute(select(T).where(T.c.id == person_id)).mappings().first()
        if row is None:
            raise NotFound(_("Person {id} does not exist.").format(id=person_id))
        return dict(row)

    def display_names(self, person_ids: set[int] | list[int]) -> dict[int, str]:
        """Display names by person id (one query)."""
        ids = sorted({i for i in person_ids if i is not None})
        if not ids:
            return {}
        T = Person.__table__
        with self.read() as conn:
            return dict(conn.execute(select(T.c.id, T.c.display_name).where(T.c.id.in_(ids))).all())

    def grant_role(self, programme: str | int, person_id: int, role: str) -> None:
        """Give a person a programme role (``coordinator``, ``mentor`` or ``mentee``); idempotent."""
        if role not in ROLES or role == "system":
            raise UserError(_("'{role}' is not a programme role (coordinator, mentor or mentee).").format(role=role))
        T = ProgrammeRole.__table__
        with self.write() as conn:
            pid = self.programme_id(programme, conn)
            exists = conn.execute(select(T.c.id).where(T.c.programme_id == pid, T.c.person_id == person_id,
                                                       T.c.role == role)).first()
            if not exists:
                conn.execute(insert(T).values(programme_id=pid, person_id=person_id, role=role))

    def programme_roles(self, programme: str | int, person_id: int) -> set[str]:
        T = ProgrammeRole.__table__
        with self.read() as conn:
            pid = self.programme_id(programme, conn)
            return set(conn.execute(select(T.c.role).where(T.c.programme_id == pid,
                                                           T.c.person_id == person_id)).scalars())

    # -- relationships -----------------------------------------------------------
    def start_relationship(self, programme: str | int, *, mentee: int | None = None, mentor: int | None = None,
                           members: Iterable[tuple[int, str]] | Mapping[str, Sequence[int]] | None = None,
                           actor: Actor | int = SYSTEM,
                           also: Callable[[Connection, RelationshipSnapshot], None] | None = None,
                           ) -> RelationshipSnapshot:
        """Create a relationship in the initial state of the programme's newest workflow.

        Say who is on it the 1:1 way (``mentee=``, optionally ``mentor=``) or with ``members``: a list of
        ``(person_id, role)`` or a mapping such as ``{"mentor": [7], "mentee": [3, 4, 5]}``. The members must
        fit the programme's format (:mod:`mentorflow.members`). Only the system or a coordinator of the
        programme may do this; it is audited as the ``start`` engine event, whose data lists the members.
        ``also(connection, relationship)`` runs inside the same transaction, after the plugins' hooks: a caller
        that records where the relationship came from (an LMS group, a matching proposal) records it with the
        start or not at all; raising there undoes the start.
        """
        actor = as_actor(actor)
        listed = members_argument(members, mentee, mentor)
        version_id, workflow = self.current_workflow(programme)
        check_start(workflow.format, listed)
        now = self.clock.now()
        R, A = Relationship.__table__, AuditEvent.__table__
        with self.write() as conn:
            pid = self.programme_id(programme, conn)
            role = "system" if actor.is_system else (
                "coordinator" if policy.is_coordinator(conn, pid, actor.person_id) else None)
            if role is None:
                raise Forbidden(_("Only a coordinator of the programme may start a relationship."))
            for person_id, _role in listed:
                # Someone the coordinator may not name gets the answer a missing person gets: no oracle.
                if conn.execute(select(Person.__table__.c.id).where(Person.__table__.c.id == person_id)
                                ).first() is None or not policy.may_pair(conn, pid, actor, person_id):
                    raise NotFound(_("Person {id} does not exist.").format(id=person_id))
            rid = inserted_id(conn.execute(insert(R).values(
                programme_id=pid, workflow_version_id=version_id, state=workflow.initial_state, version=1,
                started_at=now, state_entered_at=now, closed_at=None, updated_at=now)))
            conn.execute(insert(A).values(relationship_id=rid, seq=1, at=now, actor_id=actor.person_id,
                                          actor_role=role, transition=START_EVENT, from_state=None,
                                          to_state=workflow.initial_state, engine_event=True,
                                          data={"members": [{"person_id": p, "role": r} for p, r in listed]}))
            started = insert_members(conn, rid, listed, now, 1)
            snap = RelationshipSnapshot(rid, pid, version_id, workflow.initial_state, 1, now, now, None, started)
            self.pm.hook.mentorflow_relationship_started(relationship=snap, workflow=workflow, connection=conn,
                                                         engine=self)
            if also is not None:
                also(conn, snap)
        return snap

    def get(self, relationship_id: int) -> RelationshipSnapshot:
        """The relationship as stored now."""
        with self.read() as conn:
            return read_relationship(conn, relationship_id)

    def members_history(self, relationship: RelationshipSnapshot | int, actor: Actor | int) -> list[dict[str, Any]]:
        """Everyone who has been a member of the relationship (joined, left, why), for those who may see it."""
        with self.read() as conn:
            snap, _viewer = policy.relationship_for(conn, actor, relationship)
            return membership_history(conn, snap.id)

    def relationships_of(self, person_id: int) -> list[RelationshipSnapshot]:
        """Every relationship the person is a member of now (in any role), oldest first."""
        R = Relationship.__table__
        with self.read() as conn:
            return snapshots(conn, conn.execute(select(R).where(R.c.id.in_(membership_of(person_id)))
                                                .order_by(R.c.id)))

    def list_relationships(self, *, programme: str | int | None = None, person_id: int | None = None,
                           coordinator_id: int | None = None, state: str | None = None, search: str | None = None,
                           limit: int = 50, offset: int = 0) -> tuple[list[RelationshipSnapshot], int]:
        """A page of relationships, newest first, with the total count.

        ``person_id`` keeps those where the person is mentor or mentee;
        ``coordinator_id`` those in programmes the person coordinates (both
        given: either). ``programme``, ``state`` and ``search`` (part of the
        mentee's or the mentor's display name, any case; ``%`` and ``_`` are
        plain characters) narrow further.
        """
        R, T, P = Relationship.__table__, ProgrammeRole.__table__, Person.__table__
        with self.read() as conn:
            where: list[ColumnElement[bool]] = []
            if programme is not None:
                where.append(R.c.programme_id == self.programme_id(programme, conn))
            if state is not None:
                where.append(R.c.state == state)
            if search:
                named = select(P.c.id).where(func.lower(P.c.display_name).contains(search.lower(), autoescape=True))
                where.append(R.c.id.in_(current_members(named)))
            visible: list[ColumnElement[bool]] = []
            if person_id is not None:
                visible.append(R.c.id.in_(membership_of(person_id)))
            if coordinator_id is not None:
                visible.append(R.c.programme_id.in_(select(T.c.programme_id).where(
                    T.c.person_id == coordinator_id, T.c.role == "coordinator")))
            if visible:
                condition = visible[0]
                for extra in visible[1:]:
                    condition = condition | extra
                where.append(condition)
            total = conn.execute(select(func.count()).select_from(R).where(*where)).scalar_one()
            rows = conn.execute(select(R).where(*where).order_by(R.c.id.desc()).limit(limit).offset(offset))
            return snapshots(conn, rows), total

    def programmes(self, person_id: int | None = None) -> list[dict[str, Any]]:
        """Programmes (all, or those where the person holds a role) with the person's roles."""
        P, T = Programme.__table__, ProgrammeRole.__table__
        with self.read() as conn:
            rows = conn.execute(select(P).order_by(P.c.key)).mappings().all()
            roles: dict[int, set[str]] = {}
            if person_id is not None:
                for pid, role in conn.execute(select(T.c.programme_id, T.c.role).where(T.c.person_id == person_id)):
                    roles.setdefault(pid, set()).add(role)
        return [{**dict(r), "roles": sorted(roles.get(r["id"], ()))} for r in rows
                if person_id is None or r["id"] in roles]

    def count_relationships(self, programme: str | int) -> dict[str, int]:
        """Relationships per state in a programme."""
        R = Relationship.__table__
        with self.read() as conn:
            pid = self.programme_id(programme, conn)
            rows = conn.execute(select(R.c.state, func.count()).where(R.c.programme_id == pid)
                                .group_by(R.c.state))
            return {state: count for state, count in rows}

    def fire(self, relationship: RelationshipSnapshot | int, transition: str, actor: Actor | int,
             data: Mapping[str, Any] | None = None) -> TransitionResult:
        """Fire ``transition`` on a relationship as ``actor``: the one way state changes.

        In one transaction: reads the relationship as stored and locks it,
        checks the version (pass the snapshot you read to detect a concurrent
        change; pass an id to use the stored version; nothing else in a
        snapshot is trusted), then checks the actor's role, validates form
        ``data``, evaluates guards and lets plugins veto, all on the stored
        row; updates the state and appends an audit event. Raises a :class:`~mentorflow.errors.UserError`
        subclass saying what is wrong; nothing is written then.
        """
        self._reads.forget()  # as self.write() does
        with self._writer.connect() as conn, conn.begin():  # self.write(), without a generator per call
            event = self._runner.fire_in(conn, relationship, transition, actor, data, self.clock.now())
        self._runner.after_commit(event)
        return result_of(event)

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """Fire many transitions in one transaction: all are written, or none.

        After-commit hooks run once the batch has committed.
        """
        with self.write() as conn:
            batch = Batch(self, conn)
            yield batch
        for event in batch.events:
            self._runner.after_commit(event)

    def available_transitions(self, relationship: RelationshipSnapshot | int, actor: Actor | int
                              ) -> list[Availability]:
        """What ``actor`` may do next on a relationship, each with the reasons it is blocked (if any)."""
        with self.read() as conn:
            snap = read_relationship(conn, relationship if isinstance(relationship, int) else relationship.id)
            return available_transitions(self, self._runner, conn, snap, as_actor(actor), self.clock.now())

    def next_step(self, relationship: RelationshipSnapshot | int, actor: Actor | int) -> NextStep:
        """What matters now for ``actor`` on a relationship: words, one primary action, the others grouped.

        See :mod:`mentorflow.next_step`: built from :meth:`available_transitions`, the choices providers (a
        form with nothing to choose from is disabled with the reason), the timers (what the actor owes and
        when) and the plugins' ``mentorflow_nothing_to_act_on`` and ``mentorflow_next_step`` answers, in the
        language in force. Someone who is not part of the relationship gets :class:`Forbidden`.
        """
        actor = as_actor(actor)
        now = self.clock.now()
        with self.read() as conn:
            snap = read_relationship(conn, relationship if isinstance(relationship, int) else relationship.id)
            if not actor.is_system and not policy.viewer_for(conn, snap, actor).may_see_relationship:
                raise Forbidden(_("You are not part of relationship {id}.").format(id=snap.id))
            available = available_transitions(self, self._runner, conn, snap, actor, now)
            return next_step.compute(self, conn, snap, actor, available, now)

    def form_choices(self, relationship: RelationshipSnapshot | int, actor: Actor | int,
                     form: str | tuple[str, ...], role: str | None = None) -> dict[str, list[tuple[Any, str]]]:
        """The options of every choices provider form ``form`` (or forms) names, for ``actor`` (by provider name).

        ``role`` is the role ``actor`` would fill the form in (as :meth:`available_transitions` says);
        by default the first of mentor, mentee, coordinator that ``actor`` holds. Someone who is not part
        of the relationship gets :class:`Forbidden`.
        """
        actor = as_actor(actor)
        with self.read() as conn:
            snap = read_relationship(conn, relationship if isinstance(relationship, int) else relationship.id)
            workflow = self.workflow_by_version(snap.workflow_version_id, conn)
            names: dict[str, None] = {}
            for name in (form,) if isinstance(form, str) else form:
                if name not in workflow.forms:
                    raise NotFound(_("The workflow has no form '{name}'.").format(name=name))
                names.update(dict.fromkeys(providers_of(workflow.forms[name])))
            if not names:
                return {}
            who = policy.viewer_for(conn, snap, actor)
            if not who.may_see_relationship:
                raise Forbidden(_("You are not part of relationship {id}.").format(id=snap.id))
            return options(self.choices, ChoiceContext(snap, workflow, actor, role or who.role, conn, self),
                           names)

    def timeline(self, relationship: RelationshipSnapshot | int, viewer: Actor | int | None = None
                 ) -> list[AuditEntry]:
        """The relationship's audit events in order (the first is ``start``).

        With ``viewer``, only someone on the relationship (or a coordinator of
        its programme) may read it, and form data is shown as the privacy
        policy allows: a private form's data to its author only, shared data
        to the pair, and to coordinators only where the programme says so.
        Without ``viewer`` the caller is the system and sees everything.
        """
        rid = relationship if isinstance(relationship, int) else relationship.id
        with self.read() as conn:
            snap = read_relationship(conn, rid)
            entries = timeline(conn, rid)
            if viewer is None:
                return entries
            who = policy.viewer_for(conn, snap, as_actor(viewer))
        if not who.may_see_relationship:
            raise Forbidden(_("You are not part of relationship {id}.").format(id=rid))
        workflow = self.workflow_by_version(snap.workflow_version_id)
        settings = workflow.programme.get("settings")
        return [redact_entry(entry, workflow, who, settings) for entry in entries]

    def history(self, relationship: RelationshipSnapshot | int, viewer: Actor | int, limit: int = 50,
                offset: int = 0) -> tuple[list[AuditEntry], int]:
        """One page of :meth:`timeline` for ``viewer``, newest first: at most ``limit`` events after the
        ``offset`` newest, redacted the same way, and how many events the relationship has in all.

        Two bounded queries whatever the relationship's length (a page of a long history costs what a page
        of a short one does).
        """
        rid = relationship if isinstance(relationship, int) else relationship.id
        with self.read() as conn:
            snap = read_relationship(conn, rid)
            who = policy.viewer_for(conn, snap, as_actor(viewer))
            if not who.may_see_relationship:
                raise Forbidden(_("You are not part of relationship {id}.").format(id=rid))
            entries, total = timeline_page(conn, rid, max(1, limit), max(0, offset))
        workflow = self.workflow_by_version(snap.workflow_version_id)
        settings = workflow.programme.get("settings")
        return [redact_entry(entry, workflow, who, settings) for entry in entries], total

    def viewer(self, relationship: RelationshipSnapshot | int, actor: Actor | int) -> policy.Viewer:
        """The roles ``actor`` holds on a relationship, for :mod:`mentorflow.policy` decisions.

        A snapshot is taken as read (the caller has just read it: its pair and programme are what count);
        an id is read first.
        """
        with self.read() as conn:
            snap = read_relationship(conn, relationship) if isinstance(relationship, int) else relationship
            return policy.viewer_for(conn, snap, as_actor(actor))

    # -- notifications ---------------------------------------------------------
    def notify(self, message: Message, channels: tuple[str, ...] = ("log",)) -> list[str]:
        """Deliver ``message`` through the named channels (``send(message, ctx)``); returns those that accepted it.

        A failing channel raises :class:`PluginError` naming it, after the
        others have been tried; a database outage met by a channel (an outbox
        table, say) is raised as the database's error, not the channel's.
        """
        delivered: list[str] = []
        failures: list[Exception] = []
        for name in channels:
            channel = self.channels.get(name)
            if channel is None:
                raise ConfigurationError(_("No notification channel called '{name}' is loaded.").format(name=name))
            try:
                if name in self._legacy_channels:
                    channel.send(message)  # type: ignore[call-arg]
                else:
                    channel.send(message, self._channel_context)
                delivered.append(name)
            except Exception as error:
                failures.append(plugin_failure(name, "send", error))
        if failures:
            raise next((f for f in failures if is_outage(f)), failures[0])
        return delivered

    @contextmanager
    def _maybe(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.read() as c:
                yield c


class Batch:
    """Transitions fired inside :meth:`Engine.batch`, sharing one transaction."""

    def __init__(self, engine: Engine, conn: Connection) -> None:
        self.engine, self.connection = engine, conn
        self.events: list[Any] = []

    def fire(self, relationship: RelationshipSnapshot | int, transition: str, actor: Actor | int,
             data: Mapping[str, Any] | None = None) -> TransitionResult:
        event = self.engine._runner.fire_in(self.connection, relationship, transition, actor, data,
                                            self.engine.clock.now())
        self.events.append(event)
        return result_of(event)
