"""Workflow loading: every built-in template loads, every kind of broken workflow is rejected.

Each rejection must name the place (an RFC 6901 JSON pointer into the
document) and say what is wrong in a plain sentence; a document with
several problems reports all of them at once; and nothing a document can
contain makes the loader fail with anything but :class:`WorkflowInvalid`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorflow import Problem, UserError, WorkflowInvalid, hookimpl
from mentorflow.i18n import set_locale
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.registry import make_loader
from mentorflow.schemas import template_paths
from mentorflow.validation import MAX_DEPTH, MAX_DOCUMENT_BYTES
from mentorflow.workflow import WorkflowLoader, load_workflow_file, parse_document
from mentorflow.workflow.loader import canonical_digest
from mentorflow.workflow.model import RESERVED_TRANSITION_IDS
from tests.lifecycle import base_workflow

DATA = Path(__file__).parent / "data" / "workflows"
Doc = dict[str, Any]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_locale("en")
    yield
    set_locale(None)


@pytest.fixture(scope="module")
def loader() -> WorkflowLoader:
    return make_loader(build_plugin_manager())


def tiny() -> Doc:
    """A three-state workflow: start -> working -> done."""
    return json.loads((DATA / "tiny.json").read_text("utf-8"))


def labels(text: str) -> dict[str, str]:
    return {"en": text, "da": text}


def state(sid: str, kind: str = "active") -> Doc:
    return {"id": sid, "kind": kind, "label": labels(sid)}


def transition(tid: str, source: Any, target: str | None = None, roles: list[str] | None = None,
               **extra: Any) -> Doc:
    tr = {"id": tid, "from": source, "roles": roles or ["mentor"], "label": labels(tid), **extra}
    if target is not None:
        tr["to"] = target
    return tr


def problems(loader: WorkflowLoader, document: Any) -> list[Problem]:
    with pytest.raises(WorkflowInvalid) as info:
        loader.load(document, "test.json")
    assert info.value.problems, "WorkflowInvalid without problems"
    for problem in info.value.problems:
        assert_plain_sentence(problem.message)
    return info.value.problems


def by_pointer(found: list[Problem]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in found:
        out.setdefault(p.pointer, []).append(p.message)
    return out


def assert_plain_sentence(message: str) -> None:
    """A message for people: not empty, no Python internals."""
    assert message.strip()
    for leak in ("Traceback", "Error(", "ValidationError", "<", "{'", "None is not"):
        assert leak not in message, message


def resolve(document: Any, json_pointer: str) -> bool:
    """Whether an RFC 6901 pointer leads to a value, or to a missing key of an existing object."""
    if json_pointer == "":
        return True
    assert json_pointer.startswith("/"), json_pointer
    parts = [p.replace("~1", "/").replace("~0", "~") for p in json_pointer.split("/")[1:]]
    node = document
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, dict):
            if part in node:
                node = node[part]
                continue
            return last  # a missing key: its object must exist
        if isinstance(node, list) and part.isdigit() and (part == "0" or not part.startswith("0")) \
                and int(part) < len(node):
            node = node[int(part)]
            continue
        return False
    return True


# -- what loads ---------------------------------------------------------------------------------------

def all_templates() -> dict[str, Any]:
    """The files in schemas/programmes/, plus the templates plugins offer where the registry knows them."""
    from mentorflow import registry

    offered = getattr(registry, "programme_templates", None)
    return {**template_paths(), **(offered(build_plugin_manager()) if offered else {})}


@pytest.mark.parametrize("name", sorted(all_templates()))
def test_every_template_loads(loader: WorkflowLoader, name: str) -> None:
    path = all_templates()[name]
    document = parse_document(path.read_bytes(), name)
    assert loader.check(document) == []
    workflow = loader.load(document, name)
    assert workflow.id == document["id"]
    assert workflow.initial_state in workflow.states
    assert workflow.terminal_states
    assert workflow.digest == canonical_digest(document)


def test_the_lifecycle_compiles_to_the_documented_lifecycle(loader: WorkflowLoader) -> None:
    workflow = loader.load(base_workflow())
    assert workflow.initial_state == "contracting"
    assert workflow.terminal_states == {"closed"}
    assert set(workflow.states) == {"contracting", "goal_setting", "reflecting", "adjusting", "paused", "closing",
                                    "closed"}
    sign = workflow.transitions["sign_agreement"]
    assert sign.is_action and sign.target is None and sign.form == "agreement_signature"
    assert workflow.transitions["add_goal"].sources == {"goal_setting", "reflecting", "adjusting"}
    agree = workflow.transitions["agree"]
    assert [g.name for g in agree.guards] == ["fired_by_roles"]
    assert agree.guards[0].params == {"transition": "sign_agreement", "roles": ["mentor", "mentee"]}
    timers = {t.id: t for t in workflow.timers}
    assert timers["reflection_due"].every is not None and timers["reflection_due"].every.days == 14
    assert timers["programme_end"].fire == "begin_closure" and timers["programme_end"].after.days == 180
    assert {t.id for t in workflow.transitions_from["paused"]} == {"resume", "end_early"}
    assert workflow.transitions_from["closed"] == ()
    assert workflow.forms["goal"].validator.is_valid({"title": "Write more", "category": "skills"})
    assert not workflow.forms["goal"].validator.is_valid({"title": "Write more"})


def test_load_workflow_file_reads_parses_and_validates(loader: WorkflowLoader, tmp_path: Path) -> None:
    assert load_workflow_file(DATA / "tiny.json", loader).id == "tiny"
    with pytest.raises(WorkflowInvalid) as info:
        load_workflow_file(DATA / "several_problems.json", loader)
    assert {p.source for p in info.value.problems} == {str(DATA / "several_problems.json")}
    with pytest.raises(UserError, match=r"Cannot read .*missing\.json: No such file"):
        load_workflow_file(tmp_path / "missing.json", loader)


def test_history_target_compiles_to_a_return_to_the_previous_state(loader: WorkflowLoader) -> None:
    resume = loader.load(base_workflow()).transitions["resume"]
    assert resume.history and resume.target is None and not resume.is_action
    assert resume.sources == {"paused"}


def test_history_return_counts_for_reachability_and_termination(loader: WorkflowLoader) -> None:
    # "on_hold" is left only through "@history"; it must count as able to reach "done".
    doc = tiny()
    doc["states"].insert(2, state("on_hold", "paused"))
    doc["transitions"] += [transition("hold", ["working"], "on_hold"), transition("resume", "on_hold", "@history")]
    workflow = loader.load(doc)
    assert workflow.transitions["resume"].history
    # Without a way into "on_hold", the history return has nowhere to lead: a trap.
    doc["transitions"] = [t for t in doc["transitions"] if t["id"] != "hold"]
    assert by_pointer(problems(loader, doc)).keys() == {"/states/2/id"}


def test_star_source_means_every_state_that_is_not_terminal(loader: WorkflowLoader) -> None:
    doc = tiny()
    doc["transitions"].append(transition("abandon", "*", "done", roles=["coordinator"]))
    doc["transitions"].append(transition("note", "*"))
    workflow = loader.load(doc)
    assert workflow.transitions["abandon"].sources == {"start", "working"}
    assert workflow.transitions["note"].is_action
    assert "abandon" in {t.id for t in workflow.transitions_from["start"]}
    assert workflow.transitions_from["done"] == ()


def test_canonical_digest_ignores_key_order_and_spacing(loader: WorkflowLoader) -> None:
    def reorder(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reorder(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reorder(v) for v in value]
        return value

    doc = base_workflow()
    shuffled = reorder(doc)
    assert list(shuffled) != list(doc)
    assert canonical_digest(shuffled) == canonical_digest(doc)
    spaced = parse_document(json.dumps(shuffled, indent=7))
    assert loader.load(spaced).digest == loader.load(doc).digest == canonical_digest(doc)
    changed = copy.deepcopy(doc)
    changed["states"][0]["label"]["en"] = "Contracting"
    assert canonical_digest(changed) != canonical_digest(doc)
    # The order of list items is meaning, not formatting.
    swapped = copy.deepcopy(doc)
    swapped["states"][0], swapped["states"][1] = swapped["states"][1], swapped["states"][0]
    assert canonical_digest(swapped) != canonical_digest(doc)


def test_compiled_workflow_does_not_change_when_the_document_does(loader: WorkflowLoader) -> None:
    doc = base_workflow()
    workflow = loader.load(doc)
    doc["states"][0]["label"]["en"] = "Changed"
    doc["transitions"][1]["guards"][0]["params"]["transition"] = "changed"
    assert workflow.states["contracting"].label["en"] == "Agreeing"
    assert workflow.transitions["agree"].guards[0].params["transition"] == "sign_agreement"
    assert workflow.digest == canonical_digest(workflow.document)


def test_check_returns_problems_instead_of_raising(loader: WorkflowLoader) -> None:
    assert loader.check(base_workflow()) == []
    doc = base_workflow()
    doc["id"] = "Nope"
    assert [p.pointer for p in loader.check(doc, "x.json")] == ["/id"]
    assert loader.check(doc, "x.json")[0].source == "x.json"


# -- what is rejected, and where ------------------------------------------------------------------------

def mutate(change: Callable[[Doc], Any], base: Callable[[], Doc] = base_workflow) -> Doc:
    doc = base()
    change(doc)
    return doc


def deep_settings(doc: Doc) -> None:
    nested: Doc = {}
    node = nested
    for _ in range(MAX_DEPTH + 5):
        node["a"] = {}
        node = node["a"]
    doc["programme"]["settings"] = nested


def trap(doc: Doc) -> None:
    doc["states"].append(state("limbo"))
    doc["states"].append(state("nowhere"))
    doc["transitions"] += [transition("to_limbo", "working", "limbo"), transition("round", "limbo", "nowhere"),
                           transition("and_round", "nowhere", "limbo")]


def set_in(doc: Doc, path: list[Any], value: Any) -> None:
    node: Any = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def delete(doc: Doc, path: list[Any]) -> None:
    node: Any = doc
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]


GOAL_TITLE = ["forms", "goal", "schema", "properties", "title"]
FORM_BASE = "/forms/goal/schema/properties/title"

# (test id, broken document, {pointer: words its message must contain}); the pointers are the complete set.
CASES: list[tuple[str, Callable[[], Any], dict[str, str]]] = [
    ("not an object", lambda: ["states", "transitions"], {"": "must be an object, not ["}),
    ("a string", lambda: "workflow", {"": "must be an object"}),
    ("null", lambda: None, {"": "must be an object, not null"}),
    ("missing required keys", lambda: mutate(lambda d: [d.pop("id"), d.pop("programme")]),
     {"/id": "'id' is required here but missing", "/programme": "'programme' is required here but missing"}),
    ("missing states", lambda: mutate(lambda d: d.pop("states")), {"/states": "'states' is required"}),
    ("missing nested key", lambda: mutate(lambda d: delete(d, ["transitions", 3, "roles"])),
     {"/transitions/3/roles": "'roles' is required here but missing"}),
    ("unknown top-level keys", lambda: mutate(lambda d: d.update(colour="red", size=3)),
     {"/colour": "'colour' is not allowed here (misspelt?)", "/size": "'size' is not allowed here"}),
    ("unknown keys deeper", lambda: mutate(lambda d: [d["states"][2].update(colour=1),
                                                      d["transitions"][0].update(too="x"),
                                                      d["timers"][0].update(evry="P1D"),
                                                      d["forms"]["goal"].update(schmea={}),
                                                      d["programme"].update(nmae="x")]),
     {"/states/2/colour": "'colour' is not allowed", "/transitions/0/too": "'too' is not allowed",
      "/timers/0/evry": "'evry' is not allowed", "/forms/goal/schmea": "'schmea' is not allowed",
      "/programme/nmae": "'nmae' is not allowed"}),
    ("unknown key with / and ~ in its name", lambda: mutate(lambda d: d.update({"a/b~c": 1})),
     {"/a~1b~0c": "'a/b~c' is not allowed here"}),
    ("bad workflow slug", lambda: mutate(lambda d: d.update(id="Default Lifecycle")),
     {"/id": '"Default Lifecycle" does not have the expected form (An identifier: a lowercase letter'}),
    ("bad state slug", lambda: mutate(lambda d: d["states"].append(state("9lives")), tiny),
     {"/states/3/id": '"9lives" does not have the expected form'}),
    ("bad form name", lambda: mutate(lambda d: d["forms"].update({"Pause Form": d["forms"]["pause"]})),
     {"/forms/Pause Form": '"Pause Form" does not have the expected form'}),
    ("labels missing Danish", lambda: mutate(lambda d: [d["states"][1]["label"].pop("da"),
                                                        d["programme"]["name"].pop("da"),
                                                        d["forms"]["goal"]["fields"]["title"]["label"].pop("da")]),
     {"/states/1/label/da": "'da' is required here but missing", "/programme/name/da": "'da' is required",
      "/forms/goal/fields/title/label/da": "'da' is required"}),
    ("empty label", lambda: mutate(lambda d: set_in(d, ["transitions", 0, "label", "en"], "")),
     {"/transitions/0/label/en": "must not be empty"}),
    ("wrong type", lambda: mutate(lambda d: set_in(d, ["transitions", 0, "roles"], "mentor")),
     {"/transitions/0/roles": 'must be a list, not "mentor"'}),
    ("unknown role", lambda: mutate(lambda d: set_in(d, ["transitions", 0, "roles", 1], "mentour")),
     {"/transitions/0/roles/1": '"mentour" is not one of "mentor", "mentee", "facilitator", "peer", "coordinator", '
                                '"system"'}),
    ("from is a number", lambda: mutate(lambda d: set_in(d, ["transitions", 0, "from"], 3)),
     {"/transitions/0/from": "must be a list or a text, not 3"}),
    ("star inside a list of sources", lambda: mutate(lambda d: set_in(d, ["transitions", 0, "from"], ["*"])),
     {"/transitions/0/from/0": '"*" does not have the expected form'}),
    ("duplicate state id", lambda: mutate(lambda d: d["states"].append(state("working")), tiny),
     {"/states/3/id": "state 'working' is defined twice (first at /states/1)"}),
    ("duplicate transition id", lambda: mutate(lambda d: set_in(d, ["transitions", 7, "id"], "accept_adjustment")),
     {"/transitions/7/id": "transition 'accept_adjustment' is defined twice (first at /transitions/6)"}),
    ("duplicate timer id", lambda: mutate(lambda d: set_in(d, ["timers", 1, "id"], "reflection_due")),
     {"/timers/1/id": "timer 'reflection_due' is defined twice"}),
    ("from an unknown state in a list", lambda: mutate(lambda d: set_in(d, ["transitions", 2, "from", 1], "reflectin")),
     {"/transitions/2/from/1": "state 'reflectin' does not exist"}),
    ("from an unknown state", lambda: mutate(lambda d: set_in(d, ["transitions", 5, "from"], "reflectin")),
     {"/transitions/5/from": "state 'reflectin' does not exist"}),
    ("to an unknown state", lambda: mutate(lambda d: set_in(d, ["transitions", 6, "to"], "reflectng")),
     {"/transitions/6/to": "state 'reflectng' does not exist"}),
    ("to an unknown state cuts the way to the end", lambda: mutate(lambda d: set_in(d, ["transitions", 1, "to"], "x"),
                                                                   tiny),
     {"/transitions/1/to": "state 'x' does not exist",
      "/states/2/id": "state 'done' cannot be reached from the initial state 'start'",
      "/states/0/id": "no terminal state can be reached from state 'start'",
      "/states/1/id": "no terminal state can be reached from state 'working'"}),
    ("no initial state", lambda: mutate(lambda d: set_in(d, ["states", 0, "kind"], "active"), tiny),
     {"/states": "exactly one state must have kind 'initial'; found 0"}),
    ("two initial states", lambda: mutate(lambda d: set_in(d, ["states", 1, "kind"], "initial"), tiny),
     {"/states": "exactly one state must have kind 'initial'; found 2"}),
    ("no terminal state", lambda: mutate(lambda d: set_in(d, ["states", 2, "kind"], "paused"), tiny),
     {"/states": "at least one state must have kind 'terminal'"}),
    ("unreachable state", lambda: mutate(lambda d: [d["states"].append(state("island")),
                                                    d["transitions"].append(transition("swim", "island", "done"))],
                                         tiny),
     {"/states/3/id": "state 'island' cannot be reached from the initial state 'start'"}),
    ("trap: no terminal state reachable", lambda: mutate(trap, tiny),
     {"/states/3/id": "no terminal state can be reached from state 'limbo': a relationship there could never end",
      "/states/4/id": "no terminal state can be reached from state 'nowhere'"}),
    ("unknown guard", lambda: mutate(lambda d: set_in(d, ["transitions", 1, "guards", 0, "name"], "signed_by_both")),
     {"/transitions/1/guards/0/name": "no loaded plugin registers a guard called 'signed_by_both' (known: "}),
    ("guard params invalid", lambda: mutate(lambda d: set_in(d, ["transitions", 3, "guards"], [
        {"name": "min_time_in_state", "params": {"duration": "soon"}}])),
     {"/transitions/3/guards/0/params/duration":
      "guard 'min_time_in_state': \"soon\" does not have the expected form (An ISO 8601 duration such as P14D.)"}),
    ("guard params with an unknown key", lambda: mutate(lambda d: set_in(d, ["transitions", 3, "guards", 0, "params",
                                                                             "cuont"], 2)),
     {"/transitions/3/guards/0/params/cuont": "guard 'min_count': 'cuont' is not allowed here"}),
    ("guard params missing", lambda: mutate(lambda d: set_in(d, ["transitions", 3, "guards"], [
        {"name": "min_time_in_state"}])),
     {"/transitions/3/guards/0/params": "guard 'min_time_in_state': 'duration' is required here but missing"}),
    ("guard params not an object", lambda: mutate(lambda d: set_in(d, ["transitions", 3, "guards", 0, "params"],
                                                                   "P1D")),
     {"/transitions/3/guards/0/params": 'must be an object, not "P1D"'}),
    ("guard count below its minimum", lambda: mutate(lambda d: set_in(d, ["transitions", 3, "guards", 0, "params",
                                                                          "count"], 0)),
     {"/transitions/3/guards/0/params/count": "guard 'min_count': must be at least 1"}),
    ("unknown effect", lambda: mutate(lambda d: set_in(d, ["transitions", 5, "effects"], [{"name": "goals.nope"}])),
     {"/transitions/5/effects/0/name": "no loaded plugin registers an effect called 'goals.nope' (known: "}),
    ("form not defined", lambda: mutate(lambda d: set_in(d, ["transitions", 4, "form"], "reflexion")),
     {"/transitions/4/form": "form 'reflexion' is not defined under /forms"}),
    ("form schema with an unknown type", lambda: mutate(lambda d: set_in(d, [*GOAL_TITLE, "type"], "strin")),
     {f"{FORM_BASE}/type": 'is not a valid JSON Schema: "strin" is not one of "array", "boolean"'}),
    ("form schema with two invalid keywords", lambda: mutate(lambda d: [set_in(d, [*GOAL_TITLE, "minLength"], -1),
                                                                        set_in(d, [*GOAL_TITLE, "pattern"], "(")]),
     {f"{FORM_BASE}/minLength": "is not a valid JSON Schema: must be at least 0",
      f"{FORM_BASE}/pattern": 'is not a valid JSON Schema: "(" is not a valid regex'}),
    ("form schema of the wrong type", lambda: mutate(lambda d: set_in(d, ["forms", "goal", "schema", "type"], "array")),
     {"/forms/goal/schema/type": 'must be "object"'}),
    ("form $ref to a remote URL", lambda: mutate(lambda d: set_in(d, GOAL_TITLE, {"$ref": "https://evil.example/s"})),
     {f"{FORM_BASE}/$ref": "only local references ('#/...') are allowed in forms, not https://evil.example/s"}),
    ("form $ref to a file", lambda: mutate(lambda d: set_in(d, GOAL_TITLE, {"$ref": "file:///etc/passwd"})),
     {f"{FORM_BASE}/$ref": "only local references ('#/...') are allowed in forms, not file:///etc/passwd"}),
    ("form $ref to a relative file", lambda: mutate(lambda d: set_in(d, GOAL_TITLE, {"$ref": "title.json#/x"})),
     {f"{FORM_BASE}/$ref": "only local references"}),
    ("form $dynamicRef to a remote URL",
     lambda: mutate(lambda d: set_in(d, GOAL_TITLE, {"$dynamicRef": "https://evil.example/s#meta"})),
     {f"{FORM_BASE}/$dynamicRef": "only local references"}),
    ("form $ref inside allOf and $defs", lambda: mutate(lambda d: set_in(d, ["forms", "goal", "schema", "$defs"], {
        "a": {"allOf": [{"$ref": "http://x.example/a"}]}})),
     {"/forms/goal/schema/$defs/a/allOf/0/$ref": "only local references"}),
    ("form $ref to nothing", lambda: mutate(lambda d: set_in(d, GOAL_TITLE, {"$ref": "#/$defs/title"})),
     {f"{FORM_BASE}/$ref": "#/$defs/title does not lead to anything in this form's schema"}),
    ("form $ref to an unknown anchor", lambda: mutate(lambda d: set_in(d, GOAL_TITLE, {"$ref": "#title"})),
     {f"{FORM_BASE}/$ref": "#title does not lead to anything"}),
    ("form $ref to something that is not a schema",
     lambda: mutate(lambda d: set_in(d, GOAL_TITLE, {"$ref": "#/required/0"})),
     {f"{FORM_BASE}/$ref": "#/required/0 does not lead to a schema"}),
    ("form $ref cycle", lambda: mutate(lambda d: set_in(d, ["forms", "goal", "schema", "$defs"], {
        "a": {"$ref": "#/$defs/b"}, "b": {"anyOf": [{"$ref": "#/$defs/a"}, {"type": "null"}]}})),
     {"/forms/goal/schema/$defs/a/$ref": "#/$defs/b leads back to where it is used without going deeper",
      "/forms/goal/schema/$defs/b/anyOf/0/$ref": "#/$defs/a leads back"}),
    ("form $ref to its own root", lambda: mutate(lambda d: set_in(d, ["forms", "goal", "schema", "$ref"], "#")),
     {"/forms/goal/schema/$ref": "# leads back to where it is used"}),
    ("form $id", lambda: mutate(lambda d: set_in(d, [*GOAL_TITLE, "$id"], "https://evil.example/title")),
     {f"{FORM_BASE}/$id": "'$id' is not allowed in a form"}),
    ("timer in an unknown state", lambda: mutate(lambda d: set_in(d, ["timers", 0, "states", 1], "adjustin")),
     {"/timers/0/states/1": "state 'adjustin' does not exist"}),
    ("timer satisfied by an unknown transition",
     lambda: mutate(lambda d: set_in(d, ["timers", 0, "satisfied_by", 0], "submit_reflexion")),
     {"/timers/0/satisfied_by/0": "transition 'submit_reflexion' does not exist"}),
    ("deadline firing an unknown transition", lambda: mutate(lambda d: set_in(d, ["timers", 1, "fire"], "end")),
     {"/timers/1/fire": "transition 'end' does not exist"}),
    ("deadline fire transition without role system",
     lambda: mutate(lambda d: set_in(d, ["transitions", 10, "roles"], ["mentor", "mentee", "coordinator"])),
     {"/timers/1/fire": "transition 'begin_closure' must list the role 'system' so the timer may fire it"}),
    ("deadline fire transition that cannot leave the timer's states",
     lambda: mutate(lambda d: set_in(d, ["timers", 1, "states"], ["goal_setting", "reflecting"])),
     {"/timers/1/fire": "transition 'begin_closure' cannot be fired from state 'goal_setting' where the timer runs"}),
    ("recurring timer without every", lambda: mutate(lambda d: d["timers"][0].pop("every")),
     {"/timers/0/every": "'every' is required here but missing"}),
    ("recurring timer with deadline fields", lambda: mutate(lambda d: d["timers"][0].update(after="P1D")),
     {"/timers/0/after": "'after' is not allowed here"}),
    ("deadline timer without after", lambda: mutate(lambda d: d["timers"][1].pop("after")),
     {"/timers/1/after": "'after' is required here but missing"}),
    ("bad durations", lambda: mutate(lambda d: [set_in(d, ["timers", 0, "every"], "fortnightly"),
                                                set_in(d, ["timers", 0, "remind", 0], "-P"),
                                                set_in(d, ["programme", "duration"], "6 months")]),
     {"/timers/0/every": '"fortnightly" does not have the expected form (An ISO 8601 duration',
      "/timers/0/remind/0": '"-P" does not have the expected form',
      "/programme/duration": '"6 months" does not have the expected form'}),
    ("nested deeper than the limit", lambda: mutate(deep_settings),
     {"": f"is nested more than {MAX_DEPTH} levels deep"}),
    ("larger than 1 MB", lambda: mutate(lambda d: d["programme"]["settings"].update(blob="ø" * 600_000)),
     {"": f"is larger than {MAX_DOCUMENT_BYTES} bytes"}),
]


@pytest.mark.parametrize(("document", "expected"), [pytest.param(make, want, id=name) for name, make, want in CASES])
def test_broken_workflow_is_rejected_with_pointer_and_sentence(loader: WorkflowLoader, document: Callable[[], Any],
                                                               expected: dict[str, str]) -> None:
    doc = document()
    found = by_pointer(problems(loader, doc))
    assert set(found) == set(expected), found
    for at, words in expected.items():
        assert any(words in message for message in found[at]), (at, found[at])
        assert resolve(doc, at), at


def test_several_problems_are_all_reported_at_once(loader: WorkflowLoader) -> None:
    doc = base_workflow()
    doc["id"] = "Default"                                              # bad slug
    doc["colour"] = "green"                                            # unknown key
    del doc["programme"]["context"]                                    # missing required key
    doc["states"][2]["label"].pop("da")                                # label without Danish
    doc["states"].append(state("goal_setting"))                        # duplicate state id
    doc["transitions"][4]["from"] = ["reflecting", "adjustng"]         # unknown source
    doc["transitions"][1]["guards"][0]["name"] = "both_signed"         # unknown guard
    doc["transitions"][3]["guards"][0]["params"]["count"] = "one"      # guard params of the wrong type
    doc["transitions"][6]["form"] = "acceptance"                       # form not defined
    doc["forms"]["pause"]["schema"]["properties"]["until"]["$ref"] = "https://example.org/date.json"
    doc["timers"][0]["satisfied_by"] = ["submit_reflection", "reflect"]  # unknown transition
    doc["timers"][1]["fire"] = "close"                                 # not system, wrong states
    found = by_pointer(problems(loader, doc))
    assert set(found) == {
        "/id", "/colour", "/programme/context", "/states/2/label/da", "/states/7/id", "/transitions/4/from/1",
        "/transitions/1/guards/0/name", "/transitions/3/guards/0/params/count", "/transitions/6/form",
        "/forms/pause/schema/properties/until/$ref", "/timers/0/satisfied_by/1", "/timers/1/fire",
    }
    assert len(found["/timers/1/fire"]) == 3  # no role system, and cannot leave either of the timer's two states


def test_several_problems_file_reports_each_with_the_file_as_source(loader: WorkflowLoader) -> None:
    path = DATA / "several_problems.json"
    with pytest.raises(WorkflowInvalid) as info:
        loader.load(parse_document(path.read_bytes(), str(path)), str(path))
    assert {p.pointer for p in info.value.problems} == {
        "/id", "/colour", "/programme/name/da", "/transitions/0/to", "/states/0/id", "/states/1/id"}
    assert all(p.source == str(path) for p in info.value.problems)
    assert "The workflow is not valid." in str(info.value)


def test_a_missing_states_list_is_reported_once_not_at_every_reference(loader: WorkflowLoader) -> None:
    doc = base_workflow()
    del doc["states"]
    assert [p.pointer for p in problems(loader, doc)] == ["/states"]
    doc = base_workflow()
    doc["transitions"] = {"not": "a list"}
    assert [p.pointer for p in problems(loader, doc)] == ["/transitions"]


# -- parsing -------------------------------------------------------------------------------------------

def test_json_syntax_error_reports_line_and_column() -> None:
    path = DATA / "syntax_error.json"
    with pytest.raises(WorkflowInvalid) as info:
        parse_document(path.read_bytes(), str(path))
    [problem] = info.value.problems
    assert problem.pointer == ""
    assert problem.source == str(path)
    assert problem.message.startswith("line 4, column 20: ")
    assert "double quotes" in problem.message


@pytest.mark.parametrize(("text", "words"), [
    ("", "line 1, column 1: Expecting value"),
    ("{\"id\": 1", "line 1, column 9"),
    ("{\"a\": NaN}", "NaN is not allowed in JSON"),
    ("[Infinity]", "Infinity is not allowed in JSON"),
    (b"\xff\xfe\x00", "is not UTF-8 text"),
    ("[" * 200_000, "is nested too deeply"),
])
def test_text_that_is_not_json_is_rejected_plainly(text: str | bytes, words: str) -> None:
    with pytest.raises(WorkflowInvalid) as info:
        parse_document(text)
    [problem] = info.value.problems
    assert problem.pointer == ""
    assert words in problem.message
    assert_plain_sentence(problem.message)


@pytest.mark.parametrize("encode", [False, True], ids=["str", "bytes"])
def test_documents_over_one_megabyte_are_refused_before_parsing(encode: bool) -> None:
    # 600 000 characters, but 1.2 MB in UTF-8: the limit is in bytes.
    text = json.dumps({"blob": "ø" * 600_000}, ensure_ascii=False)
    with pytest.raises(WorkflowInvalid) as info:
        parse_document(text.encode("utf-8") if encode else text)
    assert [(p.pointer, p.message) for p in info.value.problems] == [
        ("", f"is larger than {MAX_DOCUMENT_BYTES} bytes")]
    small = json.dumps({"blob": "x" * 1000})
    assert parse_document(small) == {"blob": "x" * 1000}


# -- plugins -------------------------------------------------------------------------------------------

class OrganisationRules:
    """A test plugin: this organisation allows no paused states."""

    @hookimpl
    def mentorflow_check_workflow(self, workflow: Any, document: dict[str, Any]) -> list[Problem]:
        return [Problem(f"/states/{i}/kind", "this organisation does not pause relationships")
                for i, s in enumerate(document["states"]) if workflow.states[s["id"]].kind == "paused"]


def test_plugin_workflow_checks_are_reported() -> None:
    plugin_loader = make_loader(build_plugin_manager([("organisation-rules", OrganisationRules())]))
    with pytest.raises(WorkflowInvalid) as info:
        plugin_loader.load(base_workflow(), "default.json")
    assert [(p.pointer, p.message, p.source) for p in info.value.problems] == [
        ("/states/4/kind", "this organisation does not pause relationships", "default.json")]
    assert plugin_loader.check(tiny()) == []


def test_built_in_guards_plugin_checks_the_transitions_its_guards_name(loader: WorkflowLoader) -> None:
    doc = base_workflow()
    doc["transitions"][1]["guards"][0]["params"]["transition"] = "sign"
    doc["transitions"][3]["guards"][0]["params"]["transition"] = "add_goals"
    found = by_pointer(problems(loader, doc))
    assert found == {"/transitions/1/guards/0/params/transition": ["transition 'sign' does not exist"],
                     "/transitions/3/guards/0/params/transition": [
                         "transition 'add_goals' does not exist — did you mean 'add_goal'?"]}


# -- reserved transition ids ---------------------------------------------------------------------------

@pytest.mark.parametrize("reserved", sorted(RESERVED_TRANSITION_IDS))
def test_a_transition_may_not_take_a_name_the_engine_writes_into_the_audit_log(loader: WorkflowLoader,
                                                                               reserved: str) -> None:
    doc = base_workflow()
    doc["transitions"][3]["id"] = reserved
    doc["timers"][0]["satisfied_by"] = [reserved]
    found = by_pointer(problems(loader, doc))
    assert set(found) == {"/transitions/3/id"}, found
    [message] = found["/transitions/3/id"]
    assert message == (f"'{reserved}' is reserved: the engine records its own '{reserved}' event in the audit log; "
                       "give the transition another id (reserved: retention_purge, start)")


def test_reserved_ids_cover_every_event_the_engine_writes_itself() -> None:
    assert {"start", "retention_purge"} == RESERVED_TRANSITION_IDS
    from mentorflow.retention import PURGE_TRANSITION

    assert PURGE_TRANSITION in RESERVED_TRANSITION_IDS


def test_a_version_stored_before_the_rule_still_loads(loader: WorkflowLoader) -> None:
    doc = base_workflow()
    doc["transitions"][3]["id"] = "start"
    doc["timers"][0]["satisfied_by"] = ["start"]
    assert "start" in loader.load(doc, "workflow version 1", stored=True).transitions
    set_locale("da")
    [problem] = loader.check(doc)
    assert problem.pointer == "/transitions/3/id" and "er reserveret" in problem.message


# -- did you mean ----------------------------------------------------------------------------------------

# (test id, change, pointer, English message, Danish message): one misspelt name, and the suggestion for it.
SUGGESTIONS: list[tuple[str, Callable[[Doc], Any], str, str, str]] = [
    ("state in from", lambda d: set_in(d, ["transitions", 1, "from"], "contractin"), "/transitions/1/from",
     "state 'contractin' does not exist — did you mean 'contracting'?",
     "tilstanden 'contractin' findes ikke — mente du 'contracting'?"),
    ("state in a from list", lambda d: set_in(d, ["transitions", 2, "from", 1], "reflectng"),
     "/transitions/2/from/1", "state 'reflectng' does not exist — did you mean 'reflecting'?",
     "tilstanden 'reflectng' findes ikke — mente du 'reflecting'?"),
    ("state in to", lambda d: set_in(d, ["transitions", 12, "to"], "closd"), "/transitions/12/to",
     "state 'closd' does not exist — did you mean 'closed'?",
     "tilstanden 'closd' findes ikke — mente du 'closed'?"),
    ("history target", lambda d: set_in(d, ["transitions", 9, "to"], "@histroy"), "/transitions/9/to",
     "state '@histroy' does not exist — did you mean '@history'?",
     "tilstanden '@histroy' findes ikke — mente du '@history'?"),
    ("timer state", lambda d: set_in(d, ["timers", 0, "states", 1], "adjustng"), "/timers/0/states/1",
     "state 'adjustng' does not exist — did you mean 'adjusting'?",
     "tilstanden 'adjustng' findes ikke — mente du 'adjusting'?"),
    ("form", lambda d: set_in(d, ["transitions", 4, "form"], "reflexion"), "/transitions/4/form",
     "form 'reflexion' is not defined under /forms — did you mean 'reflection'?",
     "formularen 'reflexion' er ikke defineret under /forms — mente du 'reflection'?"),
    ("guard", lambda d: set_in(d, ["transitions", 3, "guards", 0, "name"], "min_cuont"),
     "/transitions/3/guards/0/name", "did you mean 'min_count'?", "mente du 'min_count'?"),
    ("effect", lambda d: set_in(d, ["transitions", 0, "effects"], [{"name": "agreements.sing"}]),
     "/transitions/0/effects/0/name", "did you mean 'agreements.sign'?", "mente du 'agreements.sign'?"),
    ("choices provider", lambda d: set_in(d, ["forms", "goal", "fields", "category", "choices_from"], "goals.opn"),
     "/forms/goal/fields/category/choices_from", "did you mean 'goals.open'?", "mente du 'goals.open'?"),
    ("role", lambda d: set_in(d, ["transitions", 0, "roles", 1], "mentie"), "/transitions/0/roles/1",
     '"mentie" is not one of "mentor", "mentee", "facilitator", "peer", "coordinator", "system" — '
     "did you mean 'mentee'?",
     '"mentie" er ikke blandt de tilladte værdier: "mentor", "mentee", "facilitator", "peer", "coordinator", '
     "\"system\" — mente du 'mentee'?"),
    ("timer satisfied_by", lambda d: set_in(d, ["timers", 0, "satisfied_by", 0], "submit_reflections"),
     "/timers/0/satisfied_by/0", "transition 'submit_reflections' does not exist — did you mean 'submit_reflection'?",
     "overgangen 'submit_reflections' findes ikke — mente du 'submit_reflection'?"),
    ("timer fire", lambda d: set_in(d, ["timers", 1, "fire"], "begin_closing"), "/timers/1/fire",
     "transition 'begin_closing' does not exist — did you mean 'begin_closure'?",
     "overgangen 'begin_closing' findes ikke — mente du 'begin_closure'?"),
    ("misspelt key", lambda d: d["timers"][0].update(remnd=d["timers"][0].pop("remind")), "/timers/0/remnd",
     "'remnd' is not allowed here (misspelt?) — did you mean 'remind'?",
     "'remnd' er ikke tilladt her (stavefejl?) — mente du 'remind'?"),
]


@pytest.mark.parametrize("locale", ["en", "da"])
@pytest.mark.parametrize(("change", "at", "english", "danish"),
                         [pytest.param(change, at, en, da, id=name) for name, change, at, en, da in SUGGESTIONS])
def test_an_unknown_name_gets_the_closest_known_one_suggested(loader: WorkflowLoader, change: Callable[[Doc], Any],
                                                              at: str, english: str, danish: str, locale: str) -> None:
    set_locale(locale)
    found = by_pointer(problems(loader, mutate(change)))
    assert at in found, found
    expected = english if locale == "en" else danish
    assert any(message.endswith(expected) for message in found[at]), found[at]


def test_nothing_is_suggested_when_no_name_is_close(loader: WorkflowLoader) -> None:
    found = by_pointer(problems(loader, mutate(lambda d: set_in(d, ["transitions", 1, "to"], "xyzzy"))))
    assert found["/transitions/1/to"] == ["state 'xyzzy' does not exist"]


def test_a_loader_without_plugins_knows_no_guards() -> None:
    bare = WorkflowLoader()
    found = by_pointer(problems(bare, base_workflow()))
    assert set(found) == {"/transitions/1/guards/0/name", "/transitions/3/guards/0/name"}
    assert "(known: none)" in found["/transitions/1/guards/0/name"][0]
    assert bare.check(tiny()) == []


# -- nothing gets through as anything but WorkflowInvalid ----------------------------------------------

KEYS = ["id", "from", "to", "kind", "states", "transitions", "timers", "forms", "roles", "label", "en", "da",
        "name", "params", "fire", "every", "after", "form", "schema", "$ref", "guards", "effects", "programme"]
SPECIAL = ["*", "@history", "closed", "contracting", "paused", "system", "P1D", "initial", "terminal", "recurring",
           "deadline", "begin_closure", "#", "#/x", "https://example.org/x", "min_count", "object"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12) | st.sampled_from(SPECIAL),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8) | st.sampled_from(KEYS), children, max_size=4),
    max_leaves=25,
)


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*at, i))


DEFAULT = base_workflow()
DEFAULT_PATHS = [p for p in _paths(DEFAULT) if p]


def present(node: Any, key: Any) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


@st.composite
def mutated_default(draw: st.DrawFn) -> Doc:
    """The default template with a few keys deleted or values replaced by random JSON."""
    doc = copy.deepcopy(DEFAULT)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(DEFAULT_PATHS))
        node: Any = doc
        for part in path[:-1]:
            if present(node, part):
                node = node[part]
            else:
                break
        else:
            key = path[-1]
            if present(node, key):
                if draw(st.booleans()):
                    del node[key]
                else:
                    node[key] = draw(json_values)
    return doc


def assert_only_workflow_invalid(loader: WorkflowLoader, document: Any) -> None:
    before = copy.deepcopy(document)
    try:
        loader.load(document, "fuzz.json")
    except WorkflowInvalid as invalid:
        assert invalid.problems
        for problem in invalid.problems:
            assert problem.message.strip()
            assert problem.source in ("fuzz.json", "")
            assert resolve(document, problem.pointer), (problem.pointer, problem.message)
        assert loader.check(document) == invalid.problems
    else:
        assert loader.check(document) == []
    assert document == before, "the loader changed the document it was given"


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@FUZZ
@given(document=json_values)
def test_arbitrary_json_only_ever_raises_workflow_invalid(loader: WorkflowLoader, document: Any) -> None:
    assert_only_workflow_invalid(loader, document)


@FUZZ
@given(document=mutated_default())
def test_mutated_default_template_only_ever_raises_workflow_invalid(loader: WorkflowLoader, document: Doc) -> None:
    assert_only_workflow_invalid(loader, document)


@FUZZ
@given(schema=st.dictionaries(st.sampled_from(["properties", "$ref", "$defs", "items", "allOf", "anyOf", "not",
                                               "required", "pattern", "$anchor", "type", "if", "then"]),
                              json_values, max_size=4),
       data=json_values)
def test_random_form_schemas_are_rejected_or_validate_data_without_crashing(loader: WorkflowLoader, schema: Doc,
                                                                             data: Any) -> None:
    from mentorflow.validation import schema_problems

    doc = base_workflow()
    doc["forms"]["goal"]["schema"] = {**schema, "type": "object"}
    try:
        workflow = loader.load(doc)
    except WorkflowInvalid as invalid:
        assert all(resolve(doc, p.pointer) for p in invalid.problems)
        return
    for problem in schema_problems(workflow.forms["goal"].validator, data):
        assert problem.message.strip()
