"""Engine.reading(): one read connection for every read in a block, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from mentorflow import Engine
from mentorflow.db.models import Relationship
from mentorflow.testing import Factory
from tests.lifecycle import base_workflow

R = Relationship.__table__


def checked_out(engine: Engine) -> int:
    pool = engine.db.pool
    return pool.checkedout() if hasattr(pool, "checkedout") else 0


def test_reads_in_a_scope_share_one_connection_and_the_scope_returns_it(mentorflow_engine: Engine) -> None:
    before = checked_out(mentorflow_engine)
    with mentorflow_engine.reading():
        with mentorflow_engine.read() as first:
            first.execute(text("SELECT 1"))
        with mentorflow_engine.read() as second:
            assert second is first
        with mentorflow_engine.reading(), mentorflow_engine.read() as nested:  # a nested scope joins the outer one
            assert nested is first
    with mentorflow_engine.read() as outside:
        assert outside is not first
    assert checked_out(mentorflow_engine) == before


def test_a_scope_that_never_reads_takes_no_connection(mentorflow_engine: Engine) -> None:
    before = checked_out(mentorflow_engine)
    with mentorflow_engine.reading():
        assert checked_out(mentorflow_engine) == before


def test_reads_after_a_write_in_the_same_scope_see_it(mentorflow_factory: Factory) -> None:
    """The write path has its own transaction; a later read in the scope must not see an older snapshot."""
    engine = mentorflow_factory.engine
    mentorflow_factory.programme(document=base_workflow())
    rel = mentorflow_factory.relationship()
    with engine.reading():
        assert engine.get(rel.id).state == "contracting"
        after = engine.fire(rel, "sign_agreement", rel.mentor_id, {"accept": True}).relationship
        assert engine.get(rel.id).version == after.version
        with engine.read() as conn:
            assert conn.execute(select(R.c.version).where(R.c.id == rel.id)).scalar_one() == after.version


def test_a_failed_read_does_not_poison_the_reads_after_it(mentorflow_engine: Engine) -> None:
    with mentorflow_engine.reading():
        with pytest.raises(DBAPIError), mentorflow_engine.read() as conn:
            conn.execute(text("SELECT * FROM no_such_table"))
        with mentorflow_engine.read() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_scopes_in_two_threads_do_not_share(mentorflow_engine: Engine) -> None:
    seen: dict[str, object] = {}
    ready = threading.Barrier(2)

    def request(name: str) -> None:
        with mentorflow_engine.reading(), mentorflow_engine.read() as conn:
            seen[name] = conn
            ready.wait(timeout=10)  # both scopes are open at once

    threads = [threading.Thread(target=request, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen["a"] is not seen["b"]


def test_a_scope_asks_once_whether_someone_coordinates_and_a_write_makes_it_ask_again(
        mentorflow_factory: Factory) -> None:
    from sqlalchemy import event

    from mentorflow.policy import is_coordinator

    engine = mentorflow_factory.engine
    programme = mentorflow_factory.programme(document=base_workflow())
    person = mentorflow_factory.person("Carla")
    pid = engine.programme_id(programme)
    asked: list[str] = []
    event.listen(engine.db, "before_cursor_execute",
                 lambda *args: asked.append(args[2]) if "mf_programme_roles" in args[2] else None)
    with engine.reading():
        with engine.read() as conn:
            assert not is_coordinator(conn, pid, person)
            assert not is_coordinator(conn, pid, person)
        assert len(asked) == 1
        engine.grant_role(programme, person, "coordinator")  # a write: what was remembered is forgotten
        with engine.read() as conn:
            before = len(asked)
            assert is_coordinator(conn, pid, person)
            assert is_coordinator(conn, pid, person)
            assert len(asked) == before + 1
    with engine.read() as conn:  # outside a scope nothing is remembered
        before = len(asked)
        is_coordinator(conn, pid, person)
        is_coordinator(conn, pid, person)
        assert len(asked) == before + 2


def test_a_scope_reads_a_relationship_once_until_something_is_written(mentorflow_factory: Factory) -> None:
    from sqlalchemy import event

    engine = mentorflow_factory.engine
    mentorflow_factory.programme(document=base_workflow())
    rel = mentorflow_factory.relationship()
    reads: list[str] = []
    event.listen(engine.db, "before_cursor_execute", lambda *args: reads.append(args[2])
                 if args[2].lstrip().startswith("SELECT mf_relationships.id") else None)
    with engine.reading():
        assert engine.get(rel.id) == engine.get(rel.id) == rel
        engine.available_transitions(rel.id, rel.mentor_id)
        assert len(reads) == 1
        signed = engine.fire(rel, "sign_agreement", rel.mentor_id, {"accept": True}).relationship
        assert engine.get(rel.id) == signed  # the write made the scope read it again
    assert engine.get(rel.id) == signed
