"""One answer to "who may see or do this": :mod:`mentorflow.policy`, on SQLite and PostgreSQL.

- Every plugin query function about a relationship refuses a stranger with exactly the error a
  relationship id that does not exist gets (issue #21: a 403 would tell which ids exist), and one
  table lists them all: a new query function without a row fails :func:`test_the_table_lists_every_query`.
- Programme-wide figures are for the programme's coordinators and the system, decided by
  :func:`mentorflow.policy.coordinator_for`.
- No plugin ``api.py`` works out anyone's role itself (an AST scan; the rules are checked to fire on
  the preamble the plugins used to copy).
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mentorflow import SYSTEM, Engine, Forbidden, NotFound, policy
from mentorflow.actors import Actor
from mentorflow.testing import Factory

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
API_MODULES = sorted(p.parent.name for p in PLUGINS.glob("*/api.py"))
MISSING = 10_000  # an id no test relationship has


@dataclass
class World:
    engine: Engine
    programme: str
    rel: Any
    mentor: int
    mentee: int
    coordinator: int
    stranger: int
    other_coordinator: int
    """A coordinator of another programme: a stranger to this one's relationships."""


@pytest.fixture
def world(mentorflow_factory: Factory) -> World:
    factory = mentorflow_factory
    factory.programme("programme")
    factory.programme("elsewhere")
    coordinator = factory.person("Carla", role="coordinator", programme="programme")
    mentor = factory.person("Morten", role="mentor", programme="programme")
    mentee = factory.person("Mia", role="mentee", programme="programme")
    rel = factory.engine.start_relationship("programme", mentee=mentee, mentor=mentor)
    return World(factory.engine, "programme", rel, mentor, mentee, coordinator, factory.person("Olga"),
                 factory.person("Eli", role="coordinator", programme="elsewhere"))


Query = Callable[[Engine, Any, Any], Any]

RELATIONSHIP_QUERIES: dict[str, Query] = {
    "adjustments.proposals": lambda e, r, v: _api("adjustments").proposals(e, r, v),
    "adjustments.pending_proposal": lambda e, r, v: _api("adjustments").pending_proposal(e, r, v),
    "adjustments.effective_settings": lambda e, r, v: _api("adjustments").effective_settings(e, r, v),
    "adjustments.applied_changes": lambda e, r, v: _api("adjustments").applied_changes(e, r, v),
    "adjustments.goal_changes": lambda e, r, v: _api("adjustments").goal_changes(e, r, v),
    "agreements.current_agreement": lambda e, r, v: _api("agreements").current_agreement(e, r, v),
    "agreements.agreement_history": lambda e, r, v: _api("agreements").agreement_history(e, r, v),
    "agreements.is_fully_signed": lambda e, r, v: _api("agreements").is_fully_signed(e, r, v),
    "closure.planned_end": lambda e, r, v: _api("closure").planned_end(e, r, v),
    "closure.closure_forms": lambda e, r, v: _api("closure").closure_forms(e, r, v),
    "closure.closure_info": lambda e, r, v: _api("closure").closure_info(e, r, v),
    "closure.closing_summary": lambda e, r, v: _api("closure").closing_summary(e, r, v),
    "goals.list_goals": lambda e, r, v: _api("goals").list_goals(e, r, v),
    "goals.goal_attainment": lambda e, r, v: _api("goals").goal_attainment(e, r, v),
    "goals.self_assessment_growth": lambda e, r, v: _api("goals").self_assessment_growth(e, r, v),
    "meetings.meetings": lambda e, r, v: _api("meetings").meetings(e, r, v),
    "messages.summary": lambda e, r, v: _api("messages").summary(e, r, v),
    "messages.thread": lambda e, r, v: _api("messages").thread(e, r, v),
    "messages.post": lambda e, r, v: _api("messages").post(e, r, v, "A question for you"),
    "messages.mark_read": lambda e, r, v: _api("messages").mark_read(e, r, v),
    "reflections.reflections": lambda e, r, v: _api("reflections").reflections(e, r, v),
    "reflections.reflection_status": lambda e, r, v: _api("reflections").reflection_status(e, r, v),
}
"""Every public function of a plugin's api.py that reads a relationship for a viewer."""

SYSTEM_QUERIES = {"reflections.pulse_due"}
"""Functions about a relationship that take no viewer: asked by code acting as the system (timers)."""

PROGRAMME_QUERIES: dict[str, Query] = {
    "closure.rematch_queue": lambda e, p, v: _api("closure").rematch_queue(e, p, v),
    "goals.programme_goal_attainment": lambda e, p, v: _api("goals").programme_goal_attainment(e, p, v),
    "meetings.meeting_stats": lambda e, p, v: _api("meetings").meeting_stats(e, p, v),
    "reflections.programme_health": lambda e, p, v: _api("reflections").programme_health(e, p, v),
}
"""Every public function of a plugin's api.py that reads programme-wide figures for a viewer."""


def _api(plugin: str) -> Any:
    return importlib.import_module(f"mentorflow.plugins.{plugin}.api")


def _own_functions(plugin: str) -> dict[str, inspect.Signature]:
    module = _api(plugin)
    return {f"{plugin}.{name}": inspect.signature(value) for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")}


def test_the_table_lists_every_query() -> None:
    """A new query function in a plugin's api.py needs a row here, so its stranger answer is checked."""
    about_relationships, about_programmes = set(), set()
    for plugin in API_MODULES:
        for name, signature in _own_functions(plugin).items():
            if "relationship" in signature.parameters:
                about_relationships.add(name)
            elif "viewer" in signature.parameters and ({"programme", "programme_key"} & set(signature.parameters)):
                about_programmes.add(name)
    assert about_relationships == set(RELATIONSHIP_QUERIES) | SYSTEM_QUERIES
    assert about_programmes == set(PROGRAMME_QUERIES)


@pytest.mark.parametrize("name", sorted(RELATIONSHIP_QUERIES))
def test_a_stranger_gets_the_error_of_a_relationship_that_does_not_exist(world: World, name: str) -> None:
    query = RELATIONSHIP_QUERIES[name]
    query(world.engine, world.rel, world.mentee)  # the pair reads it (so the refusals below are about who asks)
    with pytest.raises(NotFound) as missing:
        query(world.engine, MISSING, world.mentee)
    for stranger in (world.stranger, world.other_coordinator, Actor.person(world.stranger)):
        for relationship in (world.rel, world.rel.id):
            with pytest.raises(NotFound) as refused:
                query(world.engine, relationship, stranger)
            assert type(refused.value) is type(missing.value)
            assert str(refused.value) == str(missing.value).replace(str(MISSING), str(world.rel.id))
            assert refused.value.as_problem() == {
                **missing.value.as_problem(), "detail": str(refused.value)}


@pytest.mark.parametrize("name", sorted(PROGRAMME_QUERIES))
def test_programme_figures_are_for_its_coordinators_and_the_system(world: World, name: str) -> None:
    query = PROGRAMME_QUERIES[name]
    query(world.engine, world.programme, world.coordinator)
    query(world.engine, world.programme, SYSTEM)
    for outsider in (world.mentor, world.mentee, world.stranger, world.other_coordinator):
        with pytest.raises(Forbidden):
            query(world.engine, world.programme, outsider)


def test_relationship_for_reads_the_stored_row_not_the_callers_copy(world: World) -> None:
    """A snapshot counts by its id: a mentor reassigned away holding an old copy is a stranger now."""
    engine, held = world.engine, world.rel
    nils = engine.add_person("Nils")
    engine.grant_role(world.programme, nils, "mentor")
    moved = engine.fire(held, "reassign_mentor", world.coordinator, {"mentor_id": nils}).relationship
    with engine.read() as conn:
        with pytest.raises(NotFound, match=f"Relationship {held.id} does not exist"):
            policy.relationship_for(conn, world.mentor, held)
        snap, who = policy.relationship_for(conn, nils, held)
        assert snap == moved and who.roles == frozenset({"mentor"}) and who.role == "mentor"
        _snap, admin = policy.relationship_for(conn, SYSTEM, held.id, administrator=True)
        assert admin is policy.ADMINISTRATOR and admin.is_coordinator and not admin.is_participant


def test_every_role_comes_from_one_rule(world: World) -> None:
    """acting_role (the runner), viewer_for (reads) and form_choices (the default role) agree."""
    engine, rel = world.engine, world.rel
    everyone = {"mentor": world.mentor, "mentee": world.mentee, "coordinator": world.coordinator}
    engine.grant_role(world.programme, world.mentee, "coordinator")  # a mentee who also coordinates
    with engine.read() as conn:
        for role, person in everyone.items():
            viewer = policy.viewer_for(conn, rel, Actor.person(person))
            assert role in viewer.roles
            assert policy.acting_role(conn, rel, Actor.person(person), frozenset({role})) == role
        both = policy.viewer_for(conn, rel, Actor.person(world.mentee))
        assert both.roles == frozenset({"mentee", "coordinator"}) and both.role == "mentee"
        assert policy.acting_role(conn, rel, Actor.person(world.mentee), {"mentor", "coordinator"}) == "coordinator"
        assert policy.acting_role(conn, rel, Actor.person(world.stranger), set(everyone) | {"system"}) is None
        assert policy.acting_role(conn, rel, SYSTEM, {"mentor", "coordinator"}) is None
        assert policy.viewer_for(conn, rel, SYSTEM).role == "system"


def test_a_participant_acting_costs_no_role_query(world: World) -> None:
    """The coordinator question is asked only when the pair does not already answer (the fire path's cost)."""
    from sqlalchemy import event

    asked: list[str] = []

    def listener(*args: Any) -> None:
        if "mf_programme_roles" in args[2]:
            asked.append(args[2])

    event.listen(world.engine.db, "before_cursor_execute", listener)
    try:
        with world.engine.read() as conn:
            everyone = frozenset({"mentor", "mentee", "coordinator"})
            assert policy.acting_role(conn, world.rel, Actor.person(world.mentor), everyone) == "mentor"
            assert asked == []
            assert policy.acting_role(conn, world.rel, Actor.person(world.coordinator), everyone) == "coordinator"
            assert len(asked) == 1
    finally:
        event.remove(world.engine.db, "before_cursor_execute", listener)


# -- no plugin api.py works out roles itself --------------------------------------------------------------------
ROLE_NAMES = frozenset({"viewer_for", "is_coordinator", "programme_roles", "TransitionRunner", "ProgrammeRole",
                        "read_relationship", "acting_role"})
"""Names a plugin api.py must not use: they answer who someone is, which :func:`policy.relationship_for` and
:func:`policy.coordinator_for` answer for it (and read_relationship would skip the stranger check)."""
PARTY_COLUMNS = frozenset({"mentor_id", "mentee_id"})


def _names(node: ast.AST) -> set[str]:
    """Every name and attribute name in ``node``'s subtree."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            found.add(child.id)
        elif isinstance(child, ast.Attribute):
            found.add(child.attr)
        elif isinstance(child, ast.alias):
            found.add((child.asname or child.name).split(".")[-1])
    return found


def role_decisions(source: str) -> list[str]:
    """Where ``source`` computes someone's role instead of asking :mod:`mentorflow.policy`, as ``line: what``.

    The rules:

    1. comparing a relationship's ``mentor_id``/``mentee_id`` with someone's ``person_id`` (or ``in`` /
       ``is``) is working out who is mentor or mentee;
    2. using one of :data:`ROLE_NAMES` (imported, called or looked up) is asking the role question or
       reading the relationship without the stranger check;
    3. building a ``Viewer(...)`` by hand is deciding its roles;
    4. reading a viewer's ``.roles`` set is deciding from roles rather than through policy's properties
       and :func:`mentorflow.policy.access`.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            sides = [_names(side) for side in (node.left, *node.comparators)]
            if any(s & PARTY_COLUMNS for s in sides) and any("person_id" in s for s in sides):
                found.append(f"{line}: compares mentor_id/mentee_id with a person_id")
        elif isinstance(node, ast.Name | ast.Attribute | ast.alias):
            used = _names(node) & ROLE_NAMES if not isinstance(node, ast.Attribute) else {node.attr} & ROLE_NAMES
            found.extend(f"{line}: uses {name}" for name in sorted(used))
            if isinstance(node, ast.Attribute) and node.attr == "roles":
                found.append(f"{line}: reads .roles")
        if isinstance(node, ast.Call) and "Viewer" in _names(node.func):
            found.append(f"{line}: builds a Viewer")
    return sorted(set(found))


OLD_PREAMBLE = '''
from mentorflow.policy import Access, Viewer, Visibility, access, viewer_for
from mentorflow.transitions import read_relationship


def meetings(engine, relationship, viewer):
    actor = as_actor(viewer)
    with engine.read() as conn:
        snap = read_relationship(conn, relationship)
        who = viewer_for(conn, snap, actor)
        if access(who, Visibility.PROGRAMME, None, settings) is Access.NONE:
            raise Forbidden(_("You are not part of relationship {id}.").format(id=snap.id))


def meeting_stats(engine, programme, viewer):
    actor = as_actor(viewer)
    roles = frozenset({"system"}) if actor.is_system else frozenset(
        engine.programme_roles(programme, actor.person_id) & {"coordinator"})
    who = Viewer(actor, roles)


def signs(snap, actor, who):
    return actor.person_id in (snap.mentor_id, snap.mentee_id) or "coordinator" in who.roles
'''


def test_the_role_rules_catch_the_preamble_the_plugins_used_to_copy() -> None:
    found = role_decisions(OLD_PREAMBLE)
    assert {f.split(": ", 1)[1] for f in found} == {
        "uses viewer_for", "uses read_relationship", "uses programme_roles", "builds a Viewer",
        "compares mentor_id/mentee_id with a person_id", "reads .roles"}
    assert role_decisions("snap, who = relationship_for(conn, viewer, relationship)\n"
                          "people = {'mentor': snap.mentor_id}\nown = row.author_id == who.actor.person_id\n") == []


@pytest.mark.parametrize("plugin", API_MODULES)
def test_no_plugin_api_works_out_roles_itself(plugin: str) -> None:
    source = (PLUGINS / plugin / "api.py").read_text("utf-8")
    assert role_decisions(source) == [], f"plugins/{plugin}/api.py decides roles itself; ask mentorflow.policy"
