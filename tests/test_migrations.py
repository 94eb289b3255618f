"""Alembic migrations: from empty to head on SQLite and PostgreSQL, and in step with the models."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from mentorflow.db import migrate
from mentorflow.db.database import create_db_engine
from mentorflow.db.models import Base
from mentorflow.pluginmanager import build_plugin_manager
from tests.conftest import postgres_server_url

CORE_TABLES = {"mf_programmes", "mf_workflow_versions", "mf_people", "mf_external_identities",
               "mf_programme_roles", "mf_relationships", "mf_audit_events", "mf_api_tokens", "mf_programme_shares",
               "mf_relationship_members"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    server = make_url(postgres_server_url()).set(drivername="postgresql+psycopg")
    name = f"mentorflow_migrations_{tmp_path.name[-20:].replace('-', '_').lower()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def plugin_locations() -> list[str]:
    pm = build_plugin_manager()
    return [loc for result in pm.hook.mentorflow_migration_locations() for loc in (result or ())]


def test_core_upgrade_from_empty_creates_every_table(empty_database: str) -> None:
    engine = create_db_engine(empty_database)
    assert migrate.pending(engine) == ["mf0006_relationship_members"]
    assert migrate.upgrade(engine) == ["mf0006_relationship_members"]
    assert set(inspect(engine).get_table_names()) >= CORE_TABLES
    assert migrate.pending(engine) == []
    # Upgrading again is a no-op.
    assert migrate.upgrade(engine) == ["mf0006_relationship_members"]
    engine.dispose()


def test_upgrade_with_every_built_in_plugin_reaches_all_heads(empty_database: str) -> None:
    engine = create_db_engine(empty_database)
    heads = migrate.upgrade(engine, plugin_locations())
    assert "mf0006_relationship_members" in heads or len(heads) >= 1
    assert migrate.pending(engine, plugin_locations()) == []
    engine.dispose()


def test_migrations_match_the_models(empty_database: str) -> None:
    """Core and plugin tables (all on Base.metadata once the plugins are imported) match their migrations."""
    engine = create_db_engine(empty_database)
    migrate.upgrade(engine, plugin_locations())
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], "models and migrations disagree; write a migration"


def test_downgrade_to_base_removes_the_tables(empty_database: str) -> None:
    from alembic import command

    engine = create_db_engine(empty_database)
    migrate.upgrade(engine)
    config = migrate.alembic_config(engine, plugin_locations())
    migrate.upgrade(engine, plugin_locations())
    with migrate.migration_connection(engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert not (CORE_TABLES & set(inspect(engine).get_table_names()))
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Any) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    engine.dispose()


def test_goals_audit_index_migration_keeps_goals_and_their_history(empty_database: str) -> None:
    """goals0002 rebuilds mf_goals_goals on SQLite; its updates (ON DELETE CASCADE) must survive, both ways."""
    from alembic import command

    from mentorflow.demo import run_demo

    run_demo(empty_database, lambda line: None)
    engine = create_db_engine(empty_database)
    config = migrate.alembic_config(engine, plugin_locations())

    def rows() -> tuple[list[Any], list[Any]]:
        with engine.connect() as conn:
            goals = conn.execute(text("SELECT id, title, audit_id FROM mf_goals_goals ORDER BY id"))
            updates = conn.execute(text("SELECT id, goal_id, kind FROM mf_goals_updates ORDER BY id"))
            return [tuple(r) for r in goals], [tuple(r) for r in updates]

    def unique_audit_id() -> bool:
        return any(u["column_names"] == ["audit_id"] for u in inspect(engine).get_unique_constraints("mf_goals_goals"))

    before = rows()
    assert before[0] and before[1] and not unique_audit_id()
    for target in ("goals@goals0001", "heads"):
        with migrate.migration_connection(engine) as conn:
            config.attributes["connection"] = conn
            (command.downgrade if target.endswith("0001") else command.upgrade)(config, target)
        assert rows() == before
        assert unique_audit_id() == target.endswith("0001")
    engine.dispose()


def test_engine_events_migration_marks_the_engines_own_existing_events(empty_database: str) -> None:
    """mf0004 flags what only the engine wrote (creation without a from state, the system's purge), nothing else."""
    engine = create_db_engine(empty_database)
    migrate.upgrade(engine, revision="mf0003_timer_indexes")
    at = "2026-01-01 00:00:00+00:00"
    events = [  # (seq, actor_role, transition, from_state, to_state)
        (1, "system", "start", None, "waiting"),              # the engine created the relationship
        (2, "mentee", "start", "waiting", "working"),         # a workflow's own transition called "start"
        (3, "mentor", "finish", "working", "done"),
        (4, "system", "retention_purge", "done", "done"),     # the retention policy purged it
    ]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO mf_programmes (id, key, name, context, created_at) "
                          "VALUES (1, 'p', '{}', 'other', :at)"), {"at": at})
        conn.execute(text("INSERT INTO mf_workflow_versions (id, programme_id, version, workflow_id, digest, "
                          "definition, created_at) VALUES (1, 1, 1, 'w', 'd', '{}', :at)"), {"at": at})
        conn.execute(text("INSERT INTO mf_people (id, display_name, locale, created_at) VALUES (1, 'Mia', 'en', :at)"),
                     {"at": at})
        conn.execute(text("INSERT INTO mf_relationships (id, programme_id, workflow_version_id, mentee_id, state, "
                          "version, started_at, state_entered_at, updated_at) "
                          "VALUES (1, 1, 1, 1, 'done', 4, :at, :at, :at)"), {"at": at})
        for seq, role, transition, source, target in events:
            conn.execute(text("INSERT INTO mf_audit_events (relationship_id, seq, at, actor_role, transition, "
                              "from_state, to_state) VALUES (1, :seq, :at, :role, :tr, :src, :dst)"),
                         {"seq": seq, "at": at, "role": role, "tr": transition, "src": source, "dst": target})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        flags = conn.execute(text("SELECT seq, engine_event FROM mf_audit_events ORDER BY seq")).all()
    assert [(seq, bool(flag)) for seq, flag in flags] == [(1, True), (2, False), (3, False), (4, True)]
    engine.dispose()


def test_members_migration_keeps_the_demos_pairs_both_ways(empty_database: str) -> None:
    """mf0006 turns every relationship's mentee and mentor into members and back, losing nothing; after it the
    demo's relationships still run: their people act in their roles, and a stranger still cannot."""
    from alembic import command

    from mentorflow import Engine
    from mentorflow.demo import run_demo
    from mentorflow.errors import Forbidden

    run_demo(empty_database, lambda line: None)
    engine = create_db_engine(empty_database)
    config = migrate.alembic_config(engine, plugin_locations())

    def members() -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT relationship_id, person_id, role, joined_at FROM mf_relationship_members "
                "WHERE left_at IS NULL ORDER BY relationship_id, role"))]

    after = members()
    assert after and {role for _r, _p, role, _at in after} == {"mentee", "mentor"}
    with migrate.migration_connection(engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "mentorflow@mf0005_programme_owners")
    with engine.connect() as conn:
        pairs = {(rid, mentee, mentor) for rid, mentee, mentor in conn.execute(text(
            "SELECT id, mentee_id, mentor_id FROM mf_relationships"))}
        assert "mf_relationship_members" not in inspect(engine).get_table_names()
    assert pairs == {(rid, dict((role, p) for r2, p, role, _at in after if r2 == rid).get("mentee"),
                      dict((role, p) for r2, p, role, _at in after if r2 == rid).get("mentor"))
                     for rid in {r for r, *_rest in after}}
    with migrate.migration_connection(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
    assert [(r, p, role) for r, p, role, _at in members()] == [(r, p, role) for r, p, role, _at in after]
    engine.dispose()

    mf = Engine(empty_database)
    demo = mf.list_relationships(limit=100)[0][0]
    assert (demo.mentee_id, demo.mentor_id) == (after[0][1] if after[0][2] == "mentee" else after[1][1],
                                                after[0][1] if after[0][2] == "mentor" else after[1][1])
    assert mf.viewer(demo, demo.mentee_id).roles == {"mentee"}
    # Every lifecycle still works on the migrated database: the same people start again and act in their roles.
    again = mf.start_relationship(demo.programme_id, mentee=demo.mentee_id, mentor=demo.mentor_id)
    meeting = {"date": "2026-08-01", "duration_minutes": 45, "format": "video"}
    assert mf.fire(again, "log_meeting", demo.mentor_id, meeting).relationship.version == 2
    stranger = mf.add_person("Stranger")
    with pytest.raises(Forbidden):
        mf.fire(again.id, "log_meeting", stranger, meeting)
    assert mf.fire(again.id, "pause", demo.mentee_id, {"note": "exams"}).to_state == "paused"


def test_members_downgrade_refuses_a_group(empty_database: str) -> None:
    """A group cannot be squeezed back into two columns: the downgrade names it and changes nothing."""
    from alembic import command

    engine = create_db_engine(empty_database)
    migrate.upgrade(engine)
    at = "2026-01-01 00:00:00+00:00"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO mf_programmes (id, key, name, context, created_at) "
                          "VALUES (1, 'p', '{}', 'other', :at)"), {"at": at})
        conn.execute(text("INSERT INTO mf_workflow_versions (id, programme_id, version, workflow_id, digest, "
                          "definition, created_at) VALUES (1, 1, 1, 'w', 'd', '{}', :at)"), {"at": at})
        for pid in (1, 2, 3):
            conn.execute(text("INSERT INTO mf_people (id, display_name, locale, created_at) "
                              "VALUES (:id, 'P', 'en', :at)"), {"id": pid, "at": at})
        conn.execute(text("INSERT INTO mf_relationships (id, programme_id, workflow_version_id, state, version, "
                          "started_at, state_entered_at, updated_at) VALUES (7, 1, 1, 'a', 1, :at, :at, :at)"),
                     {"at": at})
        for pid, role in ((1, "mentor"), (2, "mentee"), (3, "mentee")):
            conn.execute(text("INSERT INTO mf_relationship_members (relationship_id, person_id, role, joined_at, "
                              "joined_seq) VALUES (7, :p, :r, :at, 1)"), {"p": pid, "r": role, "at": at})
    config = migrate.alembic_config(engine)
    with pytest.raises(RuntimeError, match="relationships 7 are not pairs"), \
            migrate.migration_connection(engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "mentorflow@mf0005_programme_owners")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mf_relationship_members")).scalar_one() == 3
    engine.dispose()
