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
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select, text, update

from mentorflow import policy
from mentorflow.actors import SYSTEM, Actor, as_actor
from mentorflow.db.models import ApiToken, AuditEvent, ExternalIdentity, Person, ProgrammeRole, Relationship
from mentorflow.errors import NotFound, UserError
from mentorflow.i18n import _
from mentorflow.pluginmanager import call_one, implementations

if TYPE_CHECKING:
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


def _rows(conn: Any, query: Any) -> list[dict[str, Any]]:
    return [{k: _iso(v) for k, v in row.items()} for row in conn.execute(query).mappings()]


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
    with engine.read() as conn:
        person = conn.execute(select(P).where(P.c.id == person_id)).mappings().first()
        if person is None:
            raise NotFound(_("Person {id} does not exist.").format(id=person_id))
        doc: dict[str, Any] = {
            "format": "mentorflow-personal-data/1",
            "exported_at": engine.clock.now().isoformat(),
            "person": {k: _iso(v) for k, v in person.items()},
            "external_identities": _rows(conn, select(X.c.source, X.c.external_id).where(X.c.person_id == person_id)),
            "programme_roles": _rows(conn, select(T.c.programme_id, T.c.role).where(T.c.person_id == person_id)),
            "relationships": _rows(conn, select(R).where(or_(R.c.mentor_id == person_id, R.c.mentee_id == person_id))),
            "actions": _rows(conn, select(A.c.relationship_id, A.c.seq, A.c.at, A.c.actor_role, A.c.transition,
                                          A.c.from_state, A.c.to_state, A.c.data).where(A.c.actor_id == person_id)
                             .order_by(A.c.relationship_id, A.c.seq)),
            "api_tokens": _rows(conn, select(K.c.name, K.c.prefix, K.c.created_at, K.c.last_used_at, K.c.revoked_at)
                                .where(K.c.person_id == person_id)),
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
