"""The one way state changes: :class:`TransitionRunner` behind :meth:`Engine.fire`.

This is the hot path. Statements are built once; rows are written with
SQLAlchemy Core on the connection of one transaction: the relationship row
is read first, locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
writers hold the database lock from ``BEGIN IMMEDIATE``), every check runs on
that stored row, the UPDATE carries the optimistic version check, the audit
INSERT follows, and plugins write their records on the same connection
before the commit.

A snapshot passed to ``fire`` is only the caller's claim of what they saw:
its version must be the stored one (else :class:`Conflict`), and nothing
else in it is trusted. The web layer puts the version a client sent onto
the row it read at the start of the request; checking state, roles, guards
and form choices against that copy let a transition from a state the
relationship had already left be committed (issue #21).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import DBAPIError, IntegrityError

from mentorflow import policy
from mentorflow.actors import Actor, as_actor
from mentorflow.choices import ChoiceContext, choice_problems
from mentorflow.db.database import inserted_id, is_outage
from mentorflow.db.models import AuditEvent, Relationship
from mentorflow.effects import EffectContext
from mentorflow.errors import (
    Conflict,
    Forbidden,
    FormInvalid,
    GuardFailed,
    PluginError,
    Problem,
    UnknownTransition,
    Vetoed,
    WrongState,
)
from mentorflow.i18n import _
from mentorflow.pluginmanager import call_one, implementations, plugin_failure
from mentorflow.relationships import SELECT_MEMBERS as _SELECT_MEMBERS
from mentorflow.relationships import SELECT_RELATIONSHIP as _SELECT_REL
from mentorflow.relationships import members_from_rows, missing, snapshot_from_values
from mentorflow.relationships import read_relationship as read_relationship  # re-exported: plugins import it here
from mentorflow.relationships import snapshot_from_row as snapshot_from_row  # re-exported, as read_relationship
from mentorflow.snapshots import GuardContext, RelationshipSnapshot, TransitionEvent
from mentorflow.text import text_problems
from mentorflow.validation import schema_problems
from mentorflow.workflow.model import Transition, Workflow

if TYPE_CHECKING:
    from mentorflow.engine import Engine

log = logging.getLogger("mentorflow.transitions")

R = Relationship.__table__
A = AuditEvent.__table__

_UPDATE = (
    update(R)
    .where(R.c.id == bindparam("rid"), R.c.version == bindparam("expected"))
    .values(state=bindparam("to_state"), version=bindparam("new_version"),
            state_entered_at=bindparam("entered"), closed_at=bindparam("closed"), updated_at=bindparam("now"))
)
_INSERT_AUDIT = insert(A)
# Every column a transition writes, engine_event included: a column left to its default makes the compiled
# INSERT carry an optional parameter, and PreparedStatement.compile then declines it (the fallback path).
_AUDIT_COLUMNS = ("relationship_id", "seq", "at", "actor_id", "actor_role", "transition", "from_state", "to_state",
                  "data", "engine_event")
_LOCK_REL = _SELECT_REL.with_for_update()
_ENTERED_FROM = select(A.c.from_state).where(
    A.c.relationship_id == bindparam("rid"), A.c.to_state == bindparam("state"),
    A.c.from_state != bindparam("state")).order_by(A.c.seq.desc()).limit(1)

_ROLE_NAMES: Mapping[str, Callable[[], str]] = {
    "mentor": lambda: _("mentor"), "mentee": lambda: _("mentee"),
    "coordinator": lambda: _("coordinator"), "system": lambda: _("the system"),
}


PREPARED_OPTION = "mentorflow_prepared"
"""Execution option: ``False`` sends a transition's statements through ``conn.execute``, SQLAlchemy's full path.

The prepared path leans on compiled attributes SQLAlchemy documents only loosely; the fallback is what an
unusual dialect gets anyway. Tests and ``python -m bench.transitions --unprepared`` select it to compare both."""

_NAMED_PARAMSTYLES = frozenset({"named", "pyformat"})
_POSITIONAL_PARAMSTYLES = frozenset({"qmark", "format", "numeric"})


@dataclass(frozen=True, slots=True)
class PreparedStatement:
    """A Core statement compiled once for a dialect, then sent with ``exec_driver_sql``.

    ``conn.execute(statement, params)`` finds the compiled form in the cache
    but rebuilds its parameters and looks up the type processors on every
    call: about half the cost of the small UPDATE and INSERT of a
    transition. Here the processors are fetched once; the driver receives
    exactly the SQL and values ``conn.execute`` would send, and SQLAlchemy
    still runs its events, logging and error wrapping (a unique violation
    is a :class:`sqlalchemy.exc.IntegrityError` as before).
    """

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    named: bool
    returning: bool
    """The primary key comes back through RETURNING (else the cursor's ``lastrowid``)."""
    results: tuple[Callable[[Any], Any] | None, ...] = ()
    """For a SELECT: the result processors of its columns (text to datetime on SQLite, say)."""
    direct: bool = False
    """A SELECT on pysqlite, read straight from the driver by :meth:`first`."""

    @classmethod
    def compile(cls, statement: Any, dialect: Any, column_keys: tuple[str, ...] | None = None
                ) -> PreparedStatement | None:
        """The prepared form, or None when the dialect needs SQLAlchemy's full execution path."""
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
        named = dialect.paramstyle in _NAMED_PARAMSTYLES
        if (not named and dialect.paramstyle not in _POSITIONAL_PARAMSTYLES) or compiled.escaped_bind_names \
                or compiled.literal_execute_params or compiled.post_compile_params \
                or not all(b.required and b.callable is None for b in compiled.binds.values()):
            return None
        returning = bool(compiled.effective_returning)
        if compiled.isinsert and not returning and not dialect.postfetch_lastrowid:
            return None
        names = tuple(compiled.binds) if named else tuple(compiled.positiontup or ())
        processors = tuple(compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None)
                        for c in statement.selected_columns) if statement.is_select else ()
        direct = statement.is_select and dialect.driver == "pysqlite" and not named
        return cls(compiled.string, names, processors, named, returning, results, direct)

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> CursorResult[Any]:
        values = [params[n] if p is None else p(params[n]) for n, p in zip(self.names, self.processors, strict=True)]
        return conn.exec_driver_sql(self.sql, dict(zip(self.names, values, strict=True)) if self.named
                                    else tuple(values))

    def inserted_id(self, result: CursorResult[Any]) -> Any:
        return result.scalar_one() if self.returning else result.lastrowid

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """A SELECT's first row with the values SQLAlchemy would return, or None."""
        rows = self._rows(conn, params, one=True)
        return rows[0] if rows else None

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """A SELECT's rows with the values SQLAlchemy would return."""
        return self._rows(conn, params, one=False)

    def _rows(self, conn: Connection, params: Mapping[str, Any], *, one: bool) -> list[tuple[Any, ...]]:
        if self.direct:
            # Straight to the driver, as the BEGIN in mentorflow.db.database: building SQLAlchemy's result
            # costs ten times this indexed read of one row. Errors are wrapped as SQLAlchemy would.
            values = tuple(params[n] if p is None else p(params[n])
                           for n, p in zip(self.names, self.processors, strict=True))
            dbapi, driver = conn.dialect.dbapi, conn.connection.driver_connection
            assert dbapi is not None and driver is not None, "a live pysqlite connection has both"
            try:
                cursor = driver.execute(self.sql, values)
                raw = [cursor.fetchone()] if one else cursor.fetchall()
            except dbapi.Error as error:
                raise DBAPIError.instance(self.sql, values, error, dbapi.Error, dialect=conn.dialect) from error
        else:
            result = self.execute(conn, params)
            raw = [result.first()] if one else list(result)
        return [tuple(value if p is None or value is None else p(value)
                      for value, p in zip(row, self.results, strict=True)) for row in raw if row is not None]


@dataclass(frozen=True, slots=True)
class TransitionResult:
    """What :meth:`Engine.fire` returns: the new snapshot (pass it to the next ``fire``) and the audit id."""

    relationship: RelationshipSnapshot
    transition: str
    role: str
    audit_id: int
    from_state: str
    to_state: str


_Prepared = tuple[PreparedStatement | None, PreparedStatement | None, PreparedStatement | None,
                  PreparedStatement | None]


def role_names(roles: frozenset[str] | set[str]) -> str:
    order = ("mentor", "mentee", "coordinator", "system")
    return _(" or ").join(_ROLE_NAMES[r]() for r in order if r in roles)


class TransitionRunner:
    """Checks and writes transitions for one :class:`Engine`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        hook = engine.pm.hook
        self._before = hook.mentorflow_before_transition
        self._apply = hook.mentorflow_apply_transition
        self._validate_form = hook.mentorflow_validate_form
        self._after = hook.mentorflow_after_transition
        self._prepared: dict[Any, _Prepared] = {}

    def _statements(self, conn: Connection) -> _Prepared:
        """The locking read, the members' read, the UPDATE and the audit INSERT for the dialect (compiled once).

        None for any means: run it through ``conn.execute`` (an unusual
        dialect, a ``schema_translate_map`` that renders names per connection, or ``PREPARED_OPTION`` False).
        """
        options = conn.get_execution_options()
        if options.get("schema_translate_map") or options.get(PREPARED_OPTION, True) is False:
            return None, None, None, None
        dialect = conn.dialect
        statements = self._prepared.get(dialect)
        if statements is None:
            # SQLite has no FOR UPDATE: its writers already hold the database lock (BEGIN IMMEDIATE).
            lock = _SELECT_REL if dialect.name == "sqlite" else _LOCK_REL
            statements = self._prepared[dialect] = (
                PreparedStatement.compile(lock, dialect),
                PreparedStatement.compile(_SELECT_MEMBERS, dialect),
                PreparedStatement.compile(_UPDATE, dialect),
                PreparedStatement.compile(_INSERT_AUDIT, dialect, _AUDIT_COLUMNS))
        return statements

    @staticmethod
    def stored(conn: Connection, relationship_id: int, read: PreparedStatement | None,
               read_members: PreparedStatement | None) -> RelationshipSnapshot:
        """The relationship as stored, locked until the transaction ends; NotFound when there is none.

        The members are read after the lock: every change of them is a transition on this row, so they are
        the members as of the locked version.
        """
        if read is None or read_members is None:
            return read_relationship(conn, relationship_id, lock=True)
        values = read.first(conn, {"rid": relationship_id})
        if values is None:
            raise missing(relationship_id)
        return snapshot_from_values(values, members_from_rows(read_members.all(conn, {"rid": relationship_id})))

    # -- checks shared by fire() and the query API ---------------------------
    def check_guards(self, ctx: GuardContext, transition: Transition, *, skip_data_guards: bool = False
                     ) -> list[GuardFailed]:
        failures = []
        for call in transition.guards:
            spec = self.engine.guards[call.name]
            if skip_data_guards and spec.needs_data:
                continue
            try:
                reason = spec.check(ctx, call.params)
            except Exception as error:  # a database outage passes through: the caller's 503, not a plugin bug
                raise plugin_failure(spec.plugin or call.name, f"guard {call.name}", error)  # noqa: B904
            if reason:
                failures.append(GuardFailed(call.name, str(reason), spec.plugin))
        return failures

    def validate_form(self, workflow: Workflow, transition: Transition, data: Any,
                      snap: RelationshipSnapshot) -> dict[str, Any]:
        if transition.form is None:
            if data:
                raise FormInvalid(transition.id, [Problem("", _("this transition takes no form data"))])
            return {}
        if not isinstance(data, dict):
            raise FormInvalid(transition.form, [Problem("", _("must be an object with the form's fields"))])
        form = workflow.forms[transition.form]
        # Text that is not Unicode (a lone surrogate) could be stored on SQLite but never shown again.
        problems = text_problems(data, source=transition.form) or schema_problems(form.validator, data,
                                                                                   transition.form)
        if not problems:
            for extra in self._validate_form(workflow=workflow, form=transition.form, data=data, relationship=snap):
                problems.extend(extra or ())
        if problems:
            raise FormInvalid(transition.form, problems)
        return data

    # -- the write path ---------------------------------------------------------
    def fire_in(self, conn: Connection, relationship: RelationshipSnapshot | int, transition_id: str,
                actor: Actor | int, data: Mapping[str, Any] | None, now: datetime) -> TransitionEvent:
        """Check and write one transition on ``conn`` (inside its transaction); no commit here.

        Every check runs on the row as stored now, read and locked in this transaction: a snapshot's
        version must be the stored version (else :class:`Conflict`), the rest of it is not looked at.
        """
        actor = as_actor(actor)
        read, read_members, update, insert_audit = self._statements(conn)
        claimed = relationship if isinstance(relationship, RelationshipSnapshot) else None
        snap = self.stored(conn, relationship.id if isinstance(relationship, RelationshipSnapshot) else relationship,
                           read, read_members)
        if claimed is not None and claimed.version != snap.version:
            raise Conflict(snap.id, claimed.version)
        workflow = self.engine.workflow_by_version(snap.workflow_version_id, conn)
        transition = workflow.transitions.get(transition_id)
        if transition is None:
            raise UnknownTransition(_("The workflow has no transition '{id}'.").format(id=transition_id))
        if snap.state not in transition.sources:
            raise WrongState(_("'{transition}' cannot be fired while the relationship is in state '{state}'.").format(
                transition=transition_id, state=snap.state))
        # Who the actor is on the row as stored and locked above, never on the caller's copy of it.
        role = policy.acting_role(conn, snap, actor, transition.roles)
        if role is None:
            raise Forbidden(_("Only the {roles} may fire '{transition}' on relationship {id}.").format(
                roles=role_names(transition.roles), transition=transition_id, id=snap.id))
        form_data = self.validate_form(workflow, transition, dict(data) if data is not None else None, snap)
        # Values a choices provider does not offer are found now, on the state the person chose from, and
        # reported after the effects: an effect's own message ("goal X is closed") says more, and wins.
        form = workflow.forms[transition.form] if transition.form is not None else None
        not_offered = choice_problems(
            self.engine.choices, ChoiceContext(snap, workflow, actor, role, conn, self.engine), form, form_data,
        ) if form is not None and form.choice_fields else []
        if transition.guards:
            ctx = GuardContext(snap, transition, workflow, actor, role, form_data, now, conn, self.engine)
            failures = self.check_guards(ctx, transition)
            if failures:
                raise failures[0]
        event = TransitionEvent(before=snap, transition=transition, workflow=workflow, actor=actor, role=role,
                                data=form_data, at=now)
        self._before(event=event, connection=conn)

        target = self._previous_state(conn, snap) if transition.history else transition.target
        to_state = target or snap.state
        entered = now if target is not None else snap.state_entered_at
        closed = now if workflow.states[to_state].is_terminal else None
        new_version = snap.version + 1
        values = {"rid": snap.id, "expected": snap.version, "to_state": to_state, "new_version": new_version,
                  "entered": entered, "closed": closed, "now": now}
        result = update.execute(conn, values) if update is not None else conn.execute(_UPDATE, values)
        if result.rowcount != 1:
            raise Conflict(snap.id, snap.version)
        audit = {"relationship_id": snap.id, "seq": new_version, "at": now, "actor_id": actor.person_id,
                 "actor_role": role, "transition": transition.id, "from_state": snap.state, "to_state": to_state,
                 "data": form_data or None, "engine_event": False}
        try:
            if insert_audit is not None:
                event.audit_id = insert_audit.inserted_id(insert_audit.execute(conn, audit))
            else:
                event.audit_id = inserted_id(conn.execute(_INSERT_AUDIT, audit))
        except IntegrityError:
            raise Conflict(snap.id, snap.version) from None
        event.after = RelationshipSnapshot(
            id=snap.id, programme_id=snap.programme_id, workflow_version_id=snap.workflow_version_id,
            state=to_state, version=new_version, started_at=snap.started_at, state_entered_at=entered,
            closed_at=closed, members=snap.members)
        if transition.effects:
            effect_ctx = EffectContext(event, conn, self.engine)  # one per transition, shared by its effects
            for call in transition.effects:
                spec = self.engine.effects[call.name]
                try:
                    spec.apply(effect_ctx, call.params)
                except Exception as error:
                    raise plugin_failure(spec.plugin or call.name, f"effect {call.name}", error,  # noqa: B904
                                         user_errors=True)
        if not_offered:
            raise FormInvalid(transition.form or transition.id, not_offered)
        self._apply(event=event, connection=conn, engine=self.engine)
        return event

    @staticmethod
    def _previous_state(conn: Connection, snap: RelationshipSnapshot) -> str:
        """The state held before the current one was entered (for ``"to": "@history"``)."""
        row = conn.execute(_ENTERED_FROM, {"rid": snap.id, "state": snap.state}).first()
        if row is None or row.from_state is None:
            raise WrongState(_("There is no earlier state to return to."))
        state: str = row.from_state
        return state

    def after_commit(self, event: TransitionEvent) -> None:
        """Run ``mentorflow_after_transition``; failures are logged with the plugin's name, never raised.

        A database outage inside one is logged too: the transition has committed, and the caller must hear so.
        """
        for impl in implementations(self._after):
            try:
                call_one(impl, event=event, engine=self.engine)
            except (PluginError, Vetoed) as error:
                log.error("after-transition hook failed (state is committed): %s", error)
                self.engine.after_hook_errors.append(error)
            except Exception as error:
                if not is_outage(error):
                    raise
                log.error("after-transition hook of %s met a database outage (state is committed): %s",
                          impl.plugin_name, str(error).splitlines()[0])
                self.engine.after_hook_errors.append(error)


def result_of(event: TransitionEvent) -> TransitionResult:
    assert event.after is not None and event.audit_id is not None
    return TransitionResult(relationship=event.after, transition=event.transition.id, role=event.role,
                            audit_id=event.audit_id, from_state=event.from_state, to_state=event.after.state)
