"""Data-subject rights: export everything about a person, and erase (pseudonymise) it.

Erasure keeps the shape of the records others rely on: the person row stays
with a stable pseudonym instead of a name, relationships keep their ids,
audit events keep who/when/what with the person's free text replaced,
numbers (ratings, counts) kept for the programme statistics. Plugins do the
same for their tables through ``mentorflow_erase_personal_data``.

Replaced text must not survive in the database files either: on PostgreSQL
the old row versions stay in the tables' pages until ``VACUUM``, so the
tables the erasure changed are vacuumed right after it commits; on SQLite
freed space is zeroed (``secure_delete``) and the write-ahead log, which
still holds the pages as they were, is checkpointed and truncated. Backups
and PostgreSQL's WAL archive keep the data until they expire (see
docs/deployment.md, "Erasure and backups").

A plugin declares its own part in one module, its ``gdpr.py``
(:class:`PersonalData`: ``export``, ``erase`` and, for relationship
content, ``purge``), written with the helpers here (:func:`export_rows`,
:func:`erase_text`, :func:`scrub_json`), and wires it to the three hooks
with :func:`personal_data_hooks`.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast

from sqlalchemy import delete, select, text, update

from mentorflow import policy
from mentorflow.actors import SYSTEM, Actor, as_actor
from mentorflow.db.models import (
    ApiToken,
    AuditEvent,
    ExternalIdentity,
    Person,
    ProgrammeRole,
    Relationship,
    RelationshipMember,
)
from mentorflow.errors import NotFound, UserError
from mentorflow.hookspecs import hookimpl
from mentorflow.i18n import _
from mentorflow.pluginmanager import call_one, implementations
from mentorflow.relationships import ever_member

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mentorflow.engine import Engine

ERASED_TEXT = "[erased]"
log = logging.getLogger("mentorflow.gdpr")


def pseudonym_for(person_id: int) -> str:
    """A stable pseudonym: the same person always gets the same one, and it reveals nothing."""
    digest = hashlib.sha256(f"mentorflow-person-{person_id}".encode()).hexdigest()[:8]
    return f"Participant {digest}"


def scrub(value: Any, keep: frozenset[str] | set[str] | tuple[str, ...] = ()) -> Any:
    """Free text becomes ``[erased]``; numbers, booleans and the structure stay.

    ``keep`` names object keys whose values are not free text (choices from a
    list, ids, periods such as ``P6M``) and stay as they are at any depth, so
    figures computed from them (goal status counts, attainment) survive.
    """
    if isinstance(value, str):
        return ERASED_TEXT
    if isinstance(value, dict):
        return {k: v if k in keep else scrub(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, keep) for v in value]
    return value


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    """The rows ``query`` selects as JSON-ready mappings (dates and times in ISO 8601), for an export."""
    return [{k: _iso(v) for k, v in row.items()} for row in conn.execute(query).mappings()]


def erase_text(conn: Connection, table: Any, where: Any, *columns: str) -> None:
    """Replace the free text in ``columns`` of the rows of ``table`` matching ``where`` with ``[erased]``.

    Empty columns stay empty (``NULL``), so "nothing was written" is still told apart from "erased".
    """
    for column in columns:
        conn.execute(update(table).where(where, table.c[column].is_not(None)).values({column: ERASED_TEXT}))


def scrub_json(conn: Connection, table: Any, column: str, where: Any,
               keep: frozenset[str] | set[str] | tuple[str, ...] = ()) -> None:
    """:func:`scrub` the JSON ``column`` of the rows of ``table`` matching ``where``, keeping the ``keep`` keys."""
    key = table.primary_key.columns.values()[0]
    for row_id, value in conn.execute(select(key, table.c[column]).where(where, table.c[column].is_not(None))).all():
        conn.execute(update(table).where(key == row_id).values({column: scrub(value, keep)}))


class PersonalData(Protocol):
    """A plugin's ``gdpr.py``: the one place that says what it holds about people and how that goes.

    ``purge`` is for plugins with relationship content; a module without it implements export and
    erasure only.
    """

    def export(self, person_id: int, conn: Connection) -> dict[str, Any] | None:
        """The plugin's data about the person, JSON-ready, or ``None`` when it holds nothing."""

    def erase(self, person_id: int, pseudonym: str, conn: Connection) -> None:
        """Scrub or delete the person's data in the erasure's transaction (names become ``pseudonym``)."""


class PersonalDataHooks(NamedTuple):
    """The three personal-data hook implementations for one plugin's ``gdpr.py`` (see :func:`personal_data_hooks`)."""

    export: Callable[[int, Connection], dict[str, Any] | None]
    erase: Callable[[int, str, Connection], None]
    purge: Callable[[int, Connection], None]


def personal_data_hooks(module: str) -> PersonalDataHooks:
    """Hook implementations that call the plugin's personal-data module ``module`` (a dotted name).

    In the plugin's ``__init__.py``, one statement per hook it needs::

        _personal_data = personal_data_hooks(f"{__name__}.gdpr")
        mentorflow_export_personal_data = _personal_data.export
        mentorflow_erase_personal_data = _personal_data.erase
        mentorflow_purge_relationship_content = _personal_data.purge  # with relationship content only

    The module is imported on the first call, not when the plugin loads (it imports the plugin's
    tables and queries). The implementations run last (``trylast``), as the built-in plugins' hooks
    all do, so the order of the plugins in an export does not change.
    """

    def _module() -> PersonalData:
        return cast("PersonalData", importlib.import_module(module))

    @hookimpl(trylast=True)
    def mentorflow_export_personal_data(person_id: int, connection: Connection) -> dict[str, Any] | None:
        return _module().export(person_id, connection)

    @hookimpl(trylast=True)
    def mentorflow_erase_personal_data(person_id: int, pseudonym: str, connection: Connection) -> None:
        _module().erase(person_id, pseudonym, connection)

    @hookimpl(trylast=True)
    def mentorflow_purge_relationship_content(relationship_id: int, connection: Connection) -> None:
        purge: Callable[[int, Connection], None] | None = getattr(_module(), "purge", None)
        if purge is None:
            raise TypeError(f"{module} has no purge(relationship_id, conn): the plugin holds no relationship "
                            "content, so it must not implement mentorflow_purge_relationship_content")
        purge(relationship_id, connection)

    return PersonalDataHooks(mentorflow_export_personal_data, mentorflow_erase_personal_data,
                             mentorflow_purge_relationship_content)


def export_person(engine: Engine, person_id: int, requester: Actor | int | None = SYSTEM, *,
                  administrator: bool = False) -> dict[str, Any]:
    """Everything mentorflow and its plugins hold about a person, as JSON-ready data.

    ``requester`` (default: the system) must be allowed the export by
    :func:`mentorflow.policy.export_access`, else :class:`NotFound` (the
    person's existence is not revealed either).
    """
    asking = as_actor(requester) if requester is not None else None
    if policy.export_access(asking, person_id, administrator=administrator) is not policy.Access.FULL:
        raise NotFound(_("Person {id} does not exist.").format(id=person_id))
    P, X, T = Person.__table__, ExternalIdentity.__table__, ProgrammeRole.__table__
    R, A, K = Relationship.__table__, AuditEvent.__table__, ApiToken.__table__
    M = RelationshipMember.__table__
    with engine.read() as conn:
        person = conn.execute(select(P).where(P.c.id == person_id)).mappings().first()
        if person is None:
            raise NotFound(_("Person {id} does not exist.").format(id=person_id))
        doc: dict[str, Any] = {
            "format": "mentorflow-personal-data/1",
            "exported_at": engine.clock.now().isoformat(),
            "person": {k: _iso(v) for k, v in person.items()},
            "external_identities": export_rows(conn, select(X.c.source, X.c.external_id)
                                               .where(X.c.person_id == person_id)),
            "programme_roles": export_rows(conn, select(T.c.programme_id, T.c.role).where(T.c.person_id == person_id)),
            "relationships": export_rows(conn, select(R).where(R.c.id.in_(ever_member([person_id])))),
            "memberships": export_rows(conn, select(M.c.relationship_id, M.c.role, M.c.joined_at, M.c.left_at,
                                                    M.c.left_reason).where(M.c.person_id == person_id)
                                       .order_by(M.c.relationship_id, M.c.joined_seq)),
            "actions": export_rows(conn, select(A.c.relationship_id, A.c.seq, A.c.at, A.c.actor_role, A.c.transition,
                                                A.c.from_state, A.c.to_state, A.c.data).where(A.c.actor_id == person_id)
                                   .order_by(A.c.relationship_id, A.c.seq)),
            "api_tokens": export_rows(conn, select(K.c.name, K.c.prefix, K.c.created_at, K.c.last_used_at,
                                                   K.c.revoked_at).where(K.c.person_id == person_id)),
        }
        plugins: dict[str, Any] = {}
        for impl in implementations(engine.pm.hook.mentorflow_export_personal_data):
            part = call_one(impl, person_id=person_id, connection=conn)
            if part:
                plugins[impl.plugin_name] = part
        doc["plugins"] = plugins
    return doc


def erase_person(engine: Engine, person_id: int, *, reclaim: bool = True) -> str:
    """Pseudonymise a person everywhere, in one transaction; returns the pseudonym.

    With ``reclaim`` (the default) the space the old texts held is then
    reclaimed (:func:`reclaim_erased_space`), so they are gone from the
    database files too.
    """
    P, X, A, K = Person.__table__, ExternalIdentity.__table__, AuditEvent.__table__, ApiToken.__table__
    pseudonym = pseudonym_for(person_id)
    with engine.write() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA secure_delete = ON")  # freed cells are zeroed, not left for reuse
        person = conn.execute(select(P.c.id, P.c.display_name).where(P.c.id == person_id)).first()
        if person is None:
            raise NotFound(_("Person {id} does not exist.").format(id=person_id))
        if person.display_name == pseudonym:
            raise UserError(_("Person {id} has already been erased.").format(id=person_id))
        conn.execute(update(P).where(P.c.id == person_id).values(display_name=pseudonym, email=None))
        conn.execute(delete(K).where(K.c.person_id == person_id))
        for event_id, data in conn.execute(select(A.c.id, A.c.data).where(A.c.actor_id == person_id,
                                                                         A.c.data.is_not(None))).all():
            conn.execute(update(A).where(A.c.id == event_id).values(data=scrub(data)))
        engine.pm.hook.mentorflow_erase_personal_data(person_id=person_id, pseudonym=pseudonym, connection=conn)
        # Last: plugins find rows keyed by the person's external ids (an LMS user id) through these.
        conn.execute(delete(X).where(X.c.person_id == person_id))
        touched = _changed_tables(conn)
    if reclaim:
        reclaim_erased_space(engine, touched)
    return pseudonym


def _changed_tables(conn: Any) -> list[str]:
    """Tables this transaction updated or deleted rows in (PostgreSQL counts them per transaction)."""
    if conn.dialect.name != "postgresql":
        return []
    return sorted(conn.execute(text(
        "SELECT relname FROM pg_stat_xact_user_tables WHERE schemaname = current_schema() "
        "AND n_tup_upd + n_tup_del > 0")).scalars())


def reclaim_erased_space(engine: Engine, tables: list[str] | None = None, *, full: bool = False) -> bool:
    """Remove what erased rows left behind in the database files; True when it all went.

    PostgreSQL: ``VACUUM (ANALYZE)`` the ``tables`` (default: every table)
    outside a transaction. That removes the old row versions (no query, not
    even of dead tuples, finds them) without blocking anyone, but the bytes
    stay in the pages' free space until new rows overwrite them; ``full``
    runs ``VACUUM FULL``, which rewrites the tables without them and locks
    each table while it does (a maintenance window's job, never the
    request's). A transaction still open elsewhere that may see the old
    rows keeps them until a later vacuum.
    SQLite: checkpoint the write-ahead log into the database and truncate
    it (freed space was already zeroed by ``secure_delete``); ``full`` also
    rebuilds the file with ``VACUUM``.
    A failure is logged and reported, never raised: the erasure itself has
    committed.
    """
    try:
        if engine.db.dialect.name == "postgresql":
            with engine.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                quote = conn.dialect.identifier_preparer.quote
                # ANALYZE too: the planner's sample of each column (pg_statistic) is taken afresh, without them.
                options = "(FULL, ANALYZE)" if full else "(ANALYZE)"
                names = ", ".join(quote(t) for t in tables or ())
                conn.exec_driver_sql(f"VACUUM {options} {names}".rstrip())
            return True
        if engine.db.dialect.name == "sqlite":
            raw = engine.db.raw_connection()  # outside any transaction: VACUUM refuses to run inside one
            try:
                if full:
                    raw.execute("VACUUM")
                busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                raw.close()
            if busy:
                log.warning("erasure: the SQLite write-ahead log could not be truncated (readers busy); "
                            "it is on the next checkpoint")
            return not busy
    except Exception as error:  # the erasure has committed; the operator must know the space was not reclaimed
        log.error("erasure: reclaiming space failed: %s", error)
        return False
    return True
