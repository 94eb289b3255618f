"""Read connections, optionally shared by every read inside one block of work (a web request, say).

A web request asks the engine several read questions (who is asking, the
relationship, the viewer's roles, what may happen next, display names), and
each :meth:`Engine.read` used to check a connection out of the pool and back
in. On PostgreSQL every checkout pings the server and every check-in rolls
back: two network round trips per question, more than the questions
themselves. Inside :meth:`SharedReads.scope` the first read checks one
connection out lazily and later reads reuse it; the scope returns it.

Writes never use the shared connection: :meth:`Engine.write` and
:meth:`Engine.fire` keep their own transaction, so a read after a write in
the same request must see that write. PostgreSQL's default READ COMMITTED
gives each statement a fresh snapshot; SQLite keeps one snapshot per
transaction, so there each read block ends its transaction (a local call,
no round trip).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Engine as SAEngine
from sqlalchemy.engine import Connection


class _Scope:
    __slots__ = ("connection",)

    def __init__(self) -> None:
        self.connection: Connection | None = None


class SharedReads:
    """Hands out read connections for one SQLAlchemy engine; see the module docstring."""

    def __init__(self, db: SAEngine) -> None:
        self.db = db
        # One variable per engine: scopes of two engines (two databases) never mix.
        self._current: ContextVar[_Scope | None] = ContextVar(f"mentorflow_reads_{id(self)}", default=None)
        self._snapshot_per_transaction = db.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading: the scope's shared one inside :meth:`scope`, else a pooled one."""
        scope = self._current.get()
        if scope is None:
            with self.db.connect() as conn:
                yield conn
            return
        if scope.connection is None:
            scope.connection = self.db.connect()
        conn = scope.connection
        try:
            yield conn
        except BaseException:
            conn.rollback()  # a failed statement must not poison the reads after it
            raise
        if self._snapshot_per_transaction and conn.in_transaction():
            conn.rollback()

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Share one read connection among the reads in this block (nested scopes join the outer one)."""
        if self._current.get() is not None:
            yield
            return
        scope = _Scope()
        token = self._current.set(scope)
        try:
            yield
        finally:
            self._current.reset(token)
            if scope.connection is not None:
                scope.connection.close()
