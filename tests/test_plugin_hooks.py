"""Every hook has a test plugin: the check (as datasette's ``test_plugin_hooks_have_tests``) and the hooks it
found missing.

The hooks are read from the plugin manager an engine builds, so a hookspec added to ``core/hookspecs.py`` or
by a plugin's ``mentorflow_addhooks`` (``plugins/adjustments/hookspecs.py``, ``plugins/matching/hookspecs.py``,
...) is checked as soon as it exists. The test plugin here is :mod:`tests.notebook`, a module plugin with its
own table; each test registers it on a real engine and asserts what the hook does.
"""

from __future__ import annotations

import re
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask
from werkzeug.serving import make_server

from mentorflow import Engine, FormInvalid, ManualClock
from mentorflow.gdpr import erase_person, export_person, personal_data_hooks, pseudonym_for
from mentorflow.history import history_labels
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.settings import Settings
from mentorflow.meetings import relationship_meetings
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.plugins.calendar.events import person_events
from mentorflow.plugins.simulate.cli import parse_path
from mentorflow.plugins.simulate.simulation import DEFAULT_START, _simulate
from mentorflow.signup import signup_profile
from mentorflow.testing import Factory
from mentorflow.tokens import create_token
from tests import notebook
from tests.lifecycle import base_workflow

TESTS = Path(__file__).resolve().parent
HOOKIMPL = re.compile(r"@hookimpl(?:\([^)]*\))?\s*\n\s*def (mentorflow_\w+)\(")


def all_hooks() -> set[str]:
    """Every hook with a spec once the plugins (built-in ones included) have added theirs."""
    pm = build_plugin_manager()
    return {name for name in dir(pm.hook) if name.startswith("mentorflow_") and getattr(pm.hook, name).spec}


def hooks_implemented_in_tests() -> set[str]:
    found: set[str] = set()
    for path in TESTS.rglob("*.py"):
        found |= set(HOOKIMPL.findall(path.read_text(encoding="utf-8")))
    return found


def test_plugin_hooks_have_tests() -> None:
    hooks = all_hooks()
    assert {"mentorflow_register_guards", "mentorflow_adjustments_applied", "mentorflow_match_scorers"} <= hooks, \
        "the core's and the plugins' hookspecs are all read"
    missing = sorted(hooks - hooks_implemented_in_tests())
    assert not missing, f"these hooks have no test plugin under tests/ (write one, with assertions): {missing}"


@pytest.fixture
def mentorflow_plugins() -> list[Any]:
    return [notebook]  # the databases of these tests are migrated with the notebook's table too


@pytest.fixture
def factory(mentorflow_factory: Factory) -> Factory:
    mentorflow_factory.programme(document=base_workflow())
    return mentorflow_factory


def _note(engine: Engine, person: int, relationship: int | None, text: str) -> None:
    with engine.write() as conn:
        conn.execute(sa.insert(notebook.NOTES).values(person_id=person, relationship_id=relationship, text=text))


def _notes(engine: Engine) -> list[tuple[int, str | None]]:
    with engine.read() as conn:
        return [tuple(r) for r in conn.execute(sa.select(notebook.NOTES.c.person_id, notebook.NOTES.c.text)
                                                .order_by(notebook.NOTES.c.id))]


def test_startup_runs_once_on_the_built_engine(mentorflow_database_url: str) -> None:
    before = len(notebook.STARTED)
    engine = Engine(mentorflow_database_url, plugins=[notebook])
    assert len(notebook.STARTED) == before + 1
    started, guards = notebook.STARTED[-1]
    assert started is engine
    assert "min_count" in guards, "the plugins' guards are collected before start-up"


def test_migration_locations_bring_the_plugins_tables(tmp_path: Path) -> None:
    plain = Engine(f"sqlite:///{tmp_path / 'plain.db'}")
    plain.upgrade_database()
    assert "test_notebook_notes" not in sa.inspect(plain.db).get_table_names()
    engine = Engine(f"sqlite:///{tmp_path / 'notebook.db'}", plugins=[notebook])
    assert "tests:notebook_migrations" in engine.migration_locations()
    engine.upgrade_database()
    assert "test_notebook_notes" in sa.inspect(engine.db).get_table_names()


def test_validate_form_rejects_what_the_schema_allows_and_writes_nothing(mentorflow_engine: Engine,
                                                                        factory: Factory) -> None:
    rel = factory.relationship()
    for who in (rel.mentor_id, rel.mentee_id):
        rel = mentorflow_engine.fire(rel, "sign_agreement", who, {"accept": True}).relationship
    rel = mentorflow_engine.fire(rel, "agree", rel.mentor_id, {}).relationship
    with pytest.raises(FormInvalid) as caught:
        mentorflow_engine.fire(rel, "add_goal", rel.mentee_id, {"title": "Career", "category": "career"})
    assert [(p.pointer, p.message) for p in caught.value.problems] == [
        ("/title", f"says no more than the category (relationship {rel.id})")]
    assert mentorflow_engine.get(rel.id).version == rel.version
    done = mentorflow_engine.fire(rel, "add_goal", rel.mentee_id, {"title": "Find a first job", "category": "career"})
    assert done.relationship.version == rel.version + 1


def test_register_commands_adds_a_working_command(mentorflow_database_url: str) -> None:
    import click

    group = click.Group("mentorflow")
    build_plugin_manager([notebook], load_entrypoints=False).hook.mentorflow_register_commands(cli=group)
    assert "notes" in group.commands
    engine = Engine(mentorflow_database_url, plugins=[notebook])
    _note(engine, 5, None, "first note")
    result = CliRunner().invoke(group, ["notes", "5", "--database-url", mentorflow_database_url])
    assert result.exit_code == 0, result.output
    assert result.output == "first note\n"
    assert CliRunner().invoke(group, ["notes", "five", "--database-url", "x"]).exit_code == 2


def test_frame_ancestors_let_the_plugins_sites_frame_the_pages(tmp_path: Path) -> None:
    def page_policy(*plugins: Any) -> str:
        engine = Engine(f"sqlite:///{tmp_path / f'web{len(plugins)}.db'}", plugins=list(plugins))
        engine.upgrade_database()
        client = create_app(Settings(database_url=engine.db.url.render_as_string(), secret_key="x"),
                            engine).test_client()
        page = client.get("/health", headers={"Accept": "text/html"})
        answer = page if page.mimetype == "text/html" else client.get("/nowhere", headers={"Accept": "text/html"})
        assert answer.mimetype == "text/html"
        return str(answer.headers["Content-Security-Policy"])

    assert "https://lms.example.org" not in page_policy()
    framed = page_policy(notebook)
    assert "frame-ancestors 'self' https://lms.example.org" in framed
    assert "course/7" not in framed and "not a url" not in framed, "only the origin of a valid address counts"


def test_personal_data_hooks_export_erase_and_purge_the_plugins_rows(mentorflow_engine: Engine,
                                                                     factory: Factory) -> None:
    engine = mentorflow_engine
    rel = factory.relationship()
    _note(engine, rel.mentee_id, rel.id, "I worry about the exam")
    _note(engine, rel.mentor_id, rel.id, "Mentee worries")
    _note(engine, rel.mentor_id, None, "My own plans")

    exported = export_person(engine, rel.mentee_id)
    assert exported["plugins"]["tests.notebook"] == {"notes": [{"relationship_id": rel.id,
                                                                "text": "I worry about the exam"}]}
    assert export_person(engine, factory.person("Nobody"))["plugins"].get("tests.notebook") is None

    pseudonym = erase_person(engine, rel.mentee_id)
    assert notebook.SEEN_AT_ERASURE[-1] == (pseudonym, pseudonym_for(rel.mentee_id)), \
        "the plugin erases after the core renamed the person, in the same transaction"
    assert _notes(engine) == [(rel.mentee_id, "[erased]"), (rel.mentor_id, "Mentee worries"),
                              (rel.mentor_id, "My own plans")]

    with engine.write() as conn:  # as mentorflow.retention.run_retention calls it, one transaction per relationship
        engine.pm.hook.mentorflow_purge_relationship_content(relationship_id=rel.id, connection=conn)
    assert _notes(engine) == [(rel.mentee_id, "[erased]"), (rel.mentor_id, "[erased]"),
                              (rel.mentor_id, "My own plans")], "the relationship's notes go, the rest stays"


def test_personal_data_hooks_helper_wires_a_gdpr_module(mentorflow_database_url: str) -> None:
    declared = types.ModuleType("declared")
    hooks = personal_data_hooks("tests.notebook")
    declared.mentorflow_export_personal_data = hooks.export  # type: ignore[attr-defined]
    declared.mentorflow_erase_personal_data = hooks.erase  # type: ignore[attr-defined]
    declared.mentorflow_purge_relationship_content = hooks.purge  # type: ignore[attr-defined]
    engine = Engine(mentorflow_database_url, plugins=[notebook, ("declared", declared)])
    person = Factory(engine).person("Dora")
    _note(engine, person, 41, "Dora's note")
    doc = export_person(engine, person)
    assert doc["plugins"]["declared"] == doc["plugins"]["tests.notebook"] == {
        "notes": [{"relationship_id": 41, "text": "Dora's note"}]}
    erase_person(engine, person)
    assert _notes(engine) == [(person, "[erased]")]
    assert notebook.SEEN_AT_ERASURE[-2:] == [(pseudonym_for(person), pseudonym_for(person))] * 2


def test_personal_data_hooks_refuse_a_purge_the_module_does_not_have() -> None:
    hooks = personal_data_hooks("tests.lifecycle")  # a module without purge()
    with pytest.raises(TypeError, match=r"tests\.lifecycle has no purge"):
        hooks.purge(1, None)  # type: ignore[arg-type]



@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The web service on loopback (a real HTTP server in a thread, so the engine keeps the test plugin)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def test_programme_health_has_the_plugins_section_for_a_coordinator_and_refuses_a_stranger(
        mentorflow_engine: Engine, factory: Factory) -> None:
    engine = mentorflow_engine
    factory.programme("quiet", document=base_workflow())
    rel, other = factory.relationship(), factory.relationship()
    _note(engine, rel.mentee_id, rel.id, "I worry about the exam")
    _note(engine, rel.mentor_id, rel.id, "Mentee worries")
    _note(engine, other.mentor_id, other.id, "Going well")
    _note(engine, rel.mentor_id, None, "About no relationship")
    people = {"coordinator": factory.coordinator(), "quiet": factory.coordinator("quiet"),
              "stranger": factory.person("Stranger"), "mentor": rel.mentor_id}
    tokens = {who: create_token(engine, who, person_id=pid)[0] for who, pid in people.items()}
    app = create_app(Settings(database_url=engine.db.url.render_as_string(hide_password=False), secret_key="x"),
                     engine)
    with serving(app) as url, httpx.Client(base_url=url, timeout=15) as client:
        def health(who: str, key: str = "programme") -> httpx.Response:
            return client.get(f"/api/v1/programmes/{key}/health", headers={"Authorization": f"Bearer {tokens[who]}"})

        answer = health("coordinator")
        assert answer.status_code == 200, answer.text
        assert answer.json()["notebook"] == {"programme": "programme", "notes": 3}, \
            "the programme's relationships' notes, not the note about no relationship"
        assert {"reflections", "meetings", "goals"} <= set(answer.json()), "merged with the built-in plugins' sections"
        assert "worry" not in answer.text and "Going well" not in answer.text
        assert "notebook" not in health("quiet", "quiet").json(), "None: the plugin has nothing to say"
        for who in ("stranger", "mentor"):
            refused = health(who)
            assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/problem+json"
            assert "notebook" not in refused.text
        assert health("quiet").status_code == 403, "a coordinator of another programme is a stranger here"


def test_relationship_meetings_come_from_the_plugin_as_the_viewer_may_see_them(mentorflow_engine: Engine,
                                                                               factory: Factory) -> None:
    engine = mentorflow_engine
    rel = factory.relationship()
    stranger = factory.person("Stranger")
    _note(engine, rel.mentee_id, rel.id, "met 2026-11-20 for 45 minutes: Exam plan")
    _note(engine, rel.mentor_id, rel.id, "met 2026-11-03 for 30 minutes: First talk")
    _note(engine, rel.mentor_id, rel.id, "met 2026-10-01 for 20 minutes: Kick-off")
    _note(engine, rel.mentor_id, rel.id, "Not a meeting, a thought")

    def seen(viewer: int) -> list[tuple[date, int, str, str | None]]:
        return [(m.held_on, m.duration_minutes, m.format, m.agenda) for m in relationship_meetings(engine, rel, viewer)]

    assert seen(rel.mentor_id) == [(date(2026, 10, 1), 20, "notebook", "Kick-off"),
                                   (date(2026, 11, 3), 30, "notebook", "First talk")], "the mentor's own, by date"
    assert seen(rel.mentee_id) == [(date(2026, 11, 20), 45, "notebook", "Exam plan")]
    # Asking for a stranger is the meetings plugin's refusal (NotFound); the notebook's own answer is empty.
    assert list(notebook.mentorflow_relationship_meetings(engine, rel, stranger)) == []

    events = [e for e in person_events(engine, rel.mentor_id, domain="mentoring.example.org")
              if e.uid.startswith("meeting-")]
    assert [(e.start, e.end) for e in events] == [(date(2026, 10, 1), date(2026, 10, 2)),
                                                  (date(2026, 11, 3), date(2026, 11, 4))]
    assert "Agenda: First talk" in events[1].description and "20 minutes" in events[0].description
    assert events[1].uid == f"meeting-{notebook.MEETING_IDS + 2}@mentoring.example.org"
    feed = str(person_events(engine, rel.mentor_id, domain="x"))
    assert "Exam plan" not in feed, "the mentee's meeting note stays out of the mentor's calendar"
    assert "Exam plan" in str(person_events(engine, rel.mentee_id, domain="x"))


def test_history_labels_come_from_the_plugin_that_keeps_the_records(mentorflow_engine: Engine,
                                                                    factory: Factory) -> None:
    engine = mentorflow_engine
    rel = factory.relationship()
    _note(engine, rel.mentee_id, rel.id, "Ask about the exam")
    _note(engine, rel.mentor_id, rel.id, "The mentor's own thought")
    other = factory.relationship()
    _note(engine, other.mentee_id, other.id, "Another pair's note")
    recorded = {notebook.NOTE_CHOICES: {1, 2, 3, 99}, "nobody.answers": {5}}

    assert history_labels(engine, rel, rel.mentee_id, recorded) == {notebook.NOTE_CHOICES: {1: "Ask about the exam"}}
    assert history_labels(engine, rel, rel.mentor_id, recorded) == {
        notebook.NOTE_CHOICES: {2: "The mentor's own thought"}}, "each writer's own note only, this pair's only"
    assert history_labels(engine, rel, rel.mentee_id, {}) == {}, "nothing recorded: no plugin is asked"


def test_signup_profile_is_the_plugins_and_checks_and_stores_through_it(mentorflow_engine: Engine,
                                                                       factory: Factory) -> None:
    engine = mentorflow_engine
    programme_id = engine.programme_id("programme")
    offered = signup_profile(engine, programme_id, engine.current_workflow(programme_id)[1])
    assert offered is not None and offered.form == "notebook_profile"
    assert offered.schema["required"] == ["pen_name"] and offered.title["da"] == "Notesbogsprofil"
    assert [(p.pointer, p.message) for p in offered.check({"pen_name": "NoteBook"})] == [
        ("/pen_name", "is the notebook's own name")]
    assert offered.check({"pen_name": "Quill"}) == []
    person = factory.person("Quill")
    offered.store(person, "mentee", {"pen_name": "Quill"}, person)
    assert _notes(engine) == [(person, f"pen name as mentee in programme {programme_id}: Quill")]
    plain = Engine(engine.db.url.render_as_string(hide_password=False))  # the built-in plugins only
    assert signup_profile(plain, programme_id, engine.current_workflow(programme_id)[1]) is None, \
        "without the notebook nobody offers a profile for this programme"
    plain.db.dispose()


def test_timer_scan_notices_are_in_the_simulated_timeline(mentorflow_database_url: str) -> None:
    clock = ManualClock(DEFAULT_START)
    engine = Engine(mentorflow_database_url, clock=clock, plugins=[notebook, "mentorflow.plugins.reminders"])
    steps = parse_path(("0:mentor:sign_agreement,0:mentee:sign_agreement,0:mentee:agree,"
                        "1:mentee:add_goal,1:mentee:start_reflecting",))
    # The simulator's own run (``simulate`` makes a throw-away engine with the installed plugins only).
    result = _simulate(engine, clock, base_workflow(), 30, steps, (), {}, DEFAULT_START, "")
    digests = [e for e in result.events if e.kind == "digest"]
    # Owed from day 7; the clock jumps from timer instant to timer instant, the first scan after day 7 is day 13's.
    assert [((e.at - DEFAULT_START) / timedelta(days=1), e.recipient, e.role, e.timer, e.due_at) for e in digests] == [
        (13, "mentee", "mentee", "notebook_digest", DEFAULT_START + timedelta(days=7))], "owed once, to the mentee"
    assert [e["kind"] for e in result.as_dict()["events"]].count("digest") == 1
    assert result.counts()["reminder"] == 4, "the reminders plugin's notices are collected beside the notebook's"
    engine.db.dispose()


def test_relationship_figures_are_summed_over_the_programme_by_the_next_transition(factory: Factory,
                                                                                  mentorflow_engine: Engine) -> None:
    """The notebook's ``notebook.notes`` joins the programme figures: kept with the transition, and rebuilt."""
    from mentorflow import SYSTEM
    from mentorflow.plugins.figures.store import rebuild

    engine = mentorflow_engine

    def notes() -> float:
        return engine.pm.hook.mentorflow_programme_figures(engine=engine, programme="programme", actor=SYSTEM) \
            .value("notebook.notes")

    rel, other = factory.relationship(), factory.relationship()
    _note(engine, rel.mentee_id, rel.id, "One")
    _note(engine, rel.mentor_id, rel.id, "Two")
    _note(engine, other.mentor_id, other.id, "Three")
    assert notes() == 0, "notes written behind the engine's back count from the next transition"
    engine.fire(rel, "sign_agreement", rel.mentor_id, {"accept": True})
    assert notes() == 2
    with engine.write() as conn:
        rebuild(engine, conn)
    assert notes() == 3, "the rebuild asks every relationship again"
