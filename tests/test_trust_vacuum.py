"""Erased texts are gone from the database's pages, not only from its rows (SQLite and PostgreSQL).

The world of tests/test_trust_gdpr.py (a mentee who wrote into every form)
is erased, then searched for the mentee's markers, name and e-mail address
below SQL. SQLite: the database file and its write-ahead log, byte for byte.
PostgreSQL, through ``pageinspect``: every row version on every heap and
TOAST page, dead ones included (what plain ``VACUUM`` removes); after
``reclaim_erased_space(full=True)`` (``VACUUM FULL``) every byte of every
page of every table, index and TOAST table. Before erasure ran a vacuum or
a WAL checkpoint, the old row versions still held the texts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mentorflow import Engine, ManualClock
from mentorflow.gdpr import erase_person, pseudonym_for, reclaim_erased_space
from tests.conftest import require_service
from tests.test_trust_gdpr import NAMES, world

PAGE = 8192


def _relations(conn: Any) -> list[tuple[str, str, int]]:
    """``(name, kind, pages)`` of the schema's tables, their indexes, their TOAST tables and those indexes."""
    try:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    except DBAPIError as error:
        require_service("pageinspect", f"the test user must be able to create it ({error.orig})")
    return [(name, kind, size // PAGE) for name, kind, size in conn.execute(text(
        "WITH mine AS (SELECT c.oid, c.reltoastrelid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r'), "
        "heaps AS (SELECT oid FROM mine UNION SELECT reltoastrelid FROM mine WHERE reltoastrelid <> 0) "
        "SELECT c.oid::regclass::text, c.relkind, pg_relation_size(c.oid) FROM pg_class c "
        "WHERE c.oid IN (SELECT oid FROM heaps) OR c.oid IN (SELECT indexrelid FROM pg_index "
        "WHERE indrelid IN (SELECT oid FROM heaps))")).all()]


def postgres_places(engine: Engine, *, tuples_only: bool) -> list[tuple[str, bytes]]:
    """Each row version (live or dead) of every heap page, or every page's raw bytes, by relation."""
    places = []
    with engine.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name, kind, pages in _relations(conn):
            if tuples_only and kind == "i":
                continue
            for block in range(pages):
                raw = conn.execute(text("SELECT get_raw_page(:name, 'main', :block)"),
                                   {"name": name, "block": block}).scalar_one()
                if not tuples_only:
                    places.append((name, bytes(raw)))
                    continue
                rows = conn.execute(text("SELECT t_data FROM heap_page_items(:raw) WHERE t_data IS NOT NULL"),
                                    {"raw": raw}).scalars()
                places += [(name, bytes(row)) for row in rows]
    return places


def sqlite_files(engine: Engine) -> list[tuple[str, bytes]]:
    path = Path(engine.db.url.database or "")
    return [(p.name, p.read_bytes()) for p in (path, Path(f"{path}-wal")) if p.exists()]


def hits(engine: Engine, needles: list[str], *, tuples_only: bool = False) -> list[tuple[str, str]]:
    """``(relation or file, needle)`` for every place a needle's bytes occur."""
    if engine.db.dialect.name == "postgresql":
        places = postgres_places(engine, tuples_only=tuples_only)
    else:
        places = sqlite_files(engine)
    return sorted({(where, needle) for where, data in places for needle in needles if needle.encode() in data})


def test_erased_texts_are_not_left_in_the_database_pages(mentorflow_engine: Engine,
                                                         mentorflow_clock: ManualClock) -> None:
    engine = mentorflow_engine
    cast = world(engine, mentorflow_clock)
    name, email = NAMES["mentee"]
    needles = ["MENTEE-", name, email]
    assert hits(engine, needles, tuples_only=True), "the mentee's texts must be in the pages first"
    erase_person(engine, cast.mentee)
    # PostgreSQL: no row version holds them any more, dead or alive; SQLite: no byte of the files does.
    left = hits(engine, needles, tuples_only=True)
    assert left == [], f"erased texts still in the database pages: {left}"
    assert reclaim_erased_space(engine, full=True)
    left = hits(engine, needles)  # every byte of every page, indexes included
    assert left == [], f"erased texts still in the database pages after a full vacuum: {left}"


def test_a_vacuum_that_fails_is_reported_and_the_erasure_stands(mentorflow_engine: Engine) -> None:
    engine = mentorflow_engine
    person = engine.add_person("Vera Vacuum", email="vera@example.org")
    assert erase_person(engine, person) == pseudonym_for(person)
    if engine.db.dialect.name == "postgresql":
        assert reclaim_erased_space(engine, ["mf_no_such_table"]) is False  # logged, not raised
    assert engine.person(person)["display_name"] == pseudonym_for(person)


def test_the_reclaim_command_vacuums_the_database(mentorflow_engine: Engine) -> None:
    from click.testing import CliRunner

    from mentorflow.cli import cli

    url = mentorflow_engine.db.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["gdpr", "reclaim", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "reclaimed" in result.output
