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

A scope also remembers answers that cannot change unless something is
written — whether a person coordinates a programme, asked up to five times
for one page — through :func:`remembered`. The memo belongs to the scope and
travels on the scope's connection (an execution option), so a question asked
on that connection finds it and any other connection (a write transaction, a
read outside a scope) does not; :meth:`SharedReads.forget` (called by
:meth:`Engine.write`) drops it, so a role granted within the request is seen
after it. There is no module-level state: two engines keep two memos.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import Engine as SAEngine
from sqlalchemy.engine import Connection

T = TypeVar("T")
log = logging.getLogger("mentorflow.db")
MEMO_OPTION = "mentorflow_read_memo"
"""The execution option carrying a read scope's memo on its shared connection."""


def remembered(conn: Connection, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, asked once per key on a read scope's shared connection (every time on any other)."""
    memo: dict[Hashable, Any] | None = conn.get_execution_options().get(MEMO_OPTION)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]


class _Scope:
    __slots__ = ("connection", "memo")

    def __init__(self) -> None:
        self.connection: Connection | None = None
        self.memo: dict[Hashable, Any] = {}


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
            # Connection.execution_options changes this connection in place: the memo lives as long as it.
            scope.connection = self.db.connect().execution_options(**{MEMO_OPTION: scope.memo})
        conn = scope.connection
        try:
            yield conn
        except BaseException:
            conn.rollback()  # a failed statement must not poison the reads after it
            raise
        if self._snapshot_per_transaction and conn.in_transaction():
            conn.rollback()

    def forget(self) -> None:
        """Drop what the current scope remembers (a write is about to change it); nothing outside a scope."""
        scope = self._current.get()
        if scope is not None:
            scope.memo.clear()

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
                _close_quietly(scope.connection)


def _close_quietly(conn: Connection) -> None:
    """Return a shared read connection; a failure to do so is logged, never raised.

    The scope ends after the answer is built (the web service wraps the whole request, outside Flask's
    error handling): what was read is read and what was written is committed, so an error ending the
    read transaction (the server restarted, the backend terminated) must not turn that answer into
    an HTML 500. The connection is discarded; the pool pings before handing out the next one.
    """
    try:
        conn.close()
    except Exception as error:
        log.warning("closing the shared read connection failed (discarded): %s", str(error).splitlines()[0])
        with suppress(Exception):  # already invalidated by the failure: nothing left to give back
            conn.invalidate()
