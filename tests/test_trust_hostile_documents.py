"""Hostile programme documents (issue #21): every way a publisher could make form checks slow is refused fast.

Each hostile document goes through the three doors a publisher has: ``mentorflow validate`` (exit 2, the
pointer printed), ``Engine.publish_workflow`` and ``PUT /api/v1/programmes/<key>/workflow`` with a
coordinator's token on a real server (422 problem+json with the pointer; 413 for a body over the
request cap). Every call runs under a hard time limit, so an exponential regression fails instead of
hanging; no test asserts fine-grained timings.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mentorflow import Engine
from mentorflow.errors import WorkflowInvalid
from mentorflow.patterns import EQUIVALENTS, search
from mentorflow.testing import default_workflow
from mentorflow.tokens import create_token
from mentorflow.validation import schema_problems
from mentorflow.workflow.cost import (
    MAX_CHECK_DEPTH,
    MAX_COST,
    MAX_DOCUMENT_NODES,
    MAX_SUBSCHEMAS,
    Estimate,
    embedded_schemas,
)
from tests.web.conftest import Server, start_server, stop_server

LIMIT = 10.0
"""Seconds any one call may take; the slowest honest answer here is well under one."""
FORM = "/forms/meeting/schema"
ROOT = Path(__file__).resolve().parent.parent


def bounded(call: Callable[[], Any], limit: float = LIMIT) -> Any:
    """``call()`` in a thread that must finish within ``limit`` seconds (its exception is re-raised)."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = call()
        except BaseException as error:  # re-raised in the test's thread
            result["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        pytest.fail(f"the call took more than {limit} seconds", pytrace=False)
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def engine(mentorflow_engine: Engine) -> Engine:
    """An engine with every installed plugin, on SQLite and PostgreSQL."""
    return mentorflow_engine


# -- hostile documents ---------------------------------------------------------------------------------------
def with_meeting_schema(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """The default template with its meeting form's schema changed by ``change``."""
    document = default_workflow()
    change(document["forms"]["meeting"]["schema"])
    return document


def fan_out(depth: int) -> dict[str, Any]:
    """``agenda`` -> d0 = anyOf of four $refs to d1 -> ... -> d<depth> (a text): 4^depth subschemas per check."""
    def change(schema: dict[str, Any]) -> None:
        defs: dict[str, Any] = {f"d{k}": {"anyOf": [{"$ref": f"#/$defs/d{k + 1}"} for _ in range(4)]}
                                for k in range(depth)}
        defs[f"d{depth}"] = {"type": "string", "maxLength": 5000}
        schema["$defs"] = defs
        schema["properties"]["agenda"] = {"$ref": "#/$defs/d0"}
    return with_meeting_schema(change)


def fan_out_pointer(depth: int) -> str:
    """The smallest subschema over budget: cost(d<depth>) = 1 and cost(dk) = 1 + 4 * (1 + cost(dk+1)) give
    1, 9, 41, 169, 681, 2729 ...; with MAX_COST = 1000 the first over it is five levels above the text."""
    assert MAX_COST == 1000, "the arithmetic above assumes this budget"
    return f"{FORM}/$defs/d{depth - 5}"


def pattern_on_agenda(pattern: str) -> dict[str, Any]:
    return with_meeting_schema(lambda s: s["properties"]["agenda"].update(pattern=pattern))


def ref_chain(length: int) -> dict[str, Any]:
    """``agenda`` -> d0 -> d1 -> ... -> d<length>: cheap, but a check would recurse ``length`` levels."""
    def change(schema: dict[str, Any]) -> None:
        defs: dict[str, Any] = {f"d{k}": {"$ref": f"#/$defs/d{k + 1}"} for k in range(length)}
        defs[f"d{length}"] = {"type": "string"}
        schema["$defs"] = defs
        schema["properties"]["agenda"] = {"$ref": "#/$defs/d0"}
    return with_meeting_schema(change)


def many_values() -> dict[str, Any]:
    # 150,000 values in about 300 kB: under the byte limit, over the value limit.
    return with_meeting_schema(lambda s: s["properties"]["rating"].update(enum=[1] * 150_000))


def many_subschemas() -> dict[str, Any]:
    return with_meeting_schema(lambda s: s.update(patternProperties={f"^x{i}$": {"type": "string"}
                                                                      for i in range(MAX_SUBSCHEMAS + 1)}))


def unevaluated_with_patterns() -> dict[str, Any]:
    def change(schema: dict[str, Any]) -> None:
        schema.pop("additionalProperties")
        schema["unevaluatedProperties"] = False
        schema["patternProperties"] = {"^x_": {"type": "string"}}
    return with_meeting_schema(change)


@dataclass
class Case:
    document: Callable[[], dict[str, Any]]
    pointer: str
    words: str  # part of the message (English)


CASES = {
    "fan-out depth 8": Case(lambda: fan_out(8), fan_out_pointer(8), "could take"),
    "fan-out depth 10": Case(lambda: fan_out(10), fan_out_pointer(10), "could take"),
    "fan-out depth 30": Case(lambda: fan_out(30), fan_out_pointer(30), "could take"),
    "backreference": Case(lambda: pattern_on_agenda(r"^(a+)\1$"), f"{FORM}/properties/agenda/pattern",
                          "cannot be used"),
    "lookahead": Case(lambda: pattern_on_agenda(r"^(?=a)(a|a)*$"), f"{FORM}/properties/agenda/pattern",
                      "cannot be used"),
    "backreference in patternProperties": Case(
        lambda: with_meeting_schema(lambda s: s.update(patternProperties={r"^(x)\1$": {"type": "string"}})),
        f"{FORM}/patternProperties/^(x)\\1$", "cannot be used"),
    # The walk from the schema's root: step 1 is /properties/agenda, step k is d<k-2>; the limit is 128 steps.
    "200 nested $refs": Case(lambda: ref_chain(200), f"{FORM}/$defs/d126", "more than 128 nested"),
    "150,000 values": Case(many_values, "", f"more than {MAX_DOCUMENT_NODES} values"),
    "2,001 subschemas": Case(many_subschemas, FORM, f"more than {MAX_SUBSCHEMAS} subschemas"),
    "unevaluatedProperties with patternProperties": Case(
        unevaluated_with_patterns, f"{FORM}/unevaluatedProperties", "cannot be combined"),
}


# -- the three doors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_publish_refuses_a_hostile_document_with_its_pointer(engine: Engine, name: str) -> None:
    case = CASES[name]
    document = case.document()
    with pytest.raises(WorkflowInvalid) as raised:
        bounded(lambda: engine.publish_workflow("hostile", document))
    found = {p.pointer: p.message for p in raised.value.problems}
    assert case.pointer in found, found
    assert case.words in found[case.pointer]
    assert engine.programmes() == [] or all(p["key"] != "hostile" for p in engine.programmes())


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mentorflow", *args], capture_output=True, text=True,
                          timeout=LIMIT * 3, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


@pytest.mark.parametrize("name", ["fan-out depth 30", "backreference", "200 nested $refs", "150,000 values"])
def test_validate_refuses_a_hostile_document_with_exit_2_and_the_pointer(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(case.document()), "utf-8")
    done = run_cli("validate", str(path))
    assert done.returncode == 2, done.stderr
    assert f"  {case.pointer or '/'}: " in done.stderr and case.words in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_validate_refuses_size_and_depth_bombs_without_a_traceback(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    document = default_workflow()
    document["programme"]["name"]["en"] = "x" * 10_000_000
    big.write_text(json.dumps(document), "utf-8")
    deep = tmp_path / "deep.json"
    deep.write_text('{"a":' * 100_000 + "1" + "}" * 100_000, "utf-8")
    done = run_cli("validate", str(big), str(deep))
    assert done.returncode == 2
    assert "is larger than 1000000 bytes" in done.stderr
    assert "is nested too deeply" in done.stderr
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr


def nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


def test_publish_refuses_size_and_depth_bombs(engine: Engine) -> None:
    document = default_workflow()
    document["programme"]["name"]["en"] = "x" * 10_000_000
    for bomb, words in ((document, "is larger than"), ({**default_workflow(), "x": nested(100_000)},
                                                       "is nested more than")):
        with pytest.raises(WorkflowInvalid) as raised:
            bounded(lambda bomb=bomb: engine.publish_workflow("hostile", bomb))
        assert [p.pointer for p in raised.value.problems] == [""]
        assert words in raised.value.problems[0].message


@dataclass
class Site:
    server: Server
    token: str

    def put(self, body: bytes) -> httpx.Response:
        return httpx.put(self.server.url + "/api/v1/programmes/alpha/workflow", content=body, timeout=LIMIT,
                         headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'web.db'}"
    engine = Engine(url)
    engine.upgrade_database()
    engine.publish_workflow("alpha", default_workflow())
    coordinator = engine.add_person("Coordinator")
    engine.grant_role("alpha", coordinator, "coordinator")
    token = create_token(engine, "coordinator", person_id=coordinator)[0]
    engine.db.dispose()
    server = start_server(url, folder / "server.log")
    yield Site(server, token)
    stop_server(server.process)


@pytest.mark.parametrize("name", ["fan-out depth 8", "fan-out depth 10", "fan-out depth 30", "backreference",
                                  "backreference in patternProperties", "200 nested $refs", "150,000 values"])
def test_a_coordinator_publishing_a_hostile_document_gets_a_problem_with_the_pointer(site: Site, name: str) -> None:
    case = CASES[name]
    response = site.put(json.dumps(case.document()).encode())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    found = {p["pointer"]: p["message"] for p in response.json()["errors"]}
    assert case.pointer in found and case.words in found[case.pointer], found


def test_a_coordinator_sending_size_and_depth_bombs_gets_413_and_a_pointer(site: Site) -> None:
    too_big = site.put(b'{"x": "' + b"x" * 10_000_000 + b'"}')
    assert too_big.status_code == 413 and too_big.headers["content-type"] == "application/problem+json"
    too_deep = site.put(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
    assert too_deep.status_code == 422 and too_deep.headers["content-type"] == "application/problem+json"
    assert [p["pointer"] for p in too_deep.json()["errors"]] == [""]
    assert "nested more than 32 levels" in too_deep.json()["errors"][0]["message"]
    # Under the request cap, over the document's: refused by the loader, with the same problem format.
    document = default_workflow()
    document["programme"]["name"]["en"] = "x" * 1_500_000
    over = site.put(json.dumps(document).encode())
    assert over.status_code == 422 and "is larger than 1000000 bytes" in over.text
    assert site.put(json.dumps(default_workflow()).encode()).status_code in (200, 201)  # the server is fine


# -- patterns run in linear time -----------------------------------------------------------------------------
def meeting(**fields: Any) -> dict[str, Any]:
    return {"date": "2026-01-05", "duration_minutes": 30, "format": "video", **fields}


CHECK = """
import json, sys
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.registry import make_loader
from mentorflow.validation import schema_problems
document, form, values = json.load(sys.stdin)
validator = make_loader(build_plugin_manager()).load(document).forms[form].validator
print(json.dumps([[[p.pointer, p.message] for p in schema_problems(validator, value)] for value in values]))
"""


def check_in_a_process(document: dict[str, Any], form: str, *values: Any) -> list[list[tuple[str, str]]]:
    """The problems of each value, checked in a child process under a hard time limit: Python's ``re`` holds
    the GIL while it backtracks, so a thread running it could not be timed out."""
    done = subprocess.run([sys.executable, "-c", CHECK], input=json.dumps([document, form, list(values)]),
                          capture_output=True, text=True, timeout=LIMIT * 3)
    assert done.returncode == 0, done.stderr
    return [[(pointer, message) for pointer, message in problems] for problems in json.loads(done.stdout)]


def test_a_catastrophic_pattern_is_matched_in_linear_time() -> None:
    # ^(a|a)*$ backtracks 2^n ways in Python's re (1.4 s at 23 characters); RE2 has no backtracking.
    refused, accepted = check_in_a_process(pattern_on_agenda("^(a|a)*$"), "meeting",
                                           meeting(agenda="a" * 4_000 + "!"), meeting(agenda="a" * 4_000))
    assert [pointer for pointer, _message in refused] == ["/agenda"]
    assert accepted == []


def test_pattern_properties_and_additional_properties_run_on_re2() -> None:
    def change(schema: dict[str, Any]) -> None:
        schema["patternProperties"] = {"^(x|x)*y$": {"type": "integer"}}
    hostile_key = "x" * 5_000
    [problems] = check_in_a_process(with_meeting_schema(change), "meeting",
                                    meeting(**{hostile_key: 1, "xxy": "not a number"}))
    assert sorted(pointer for pointer, _message in problems) == ["/" + hostile_key, "/xxy"]
    assert "not allowed here" in dict(problems)["/" + hostile_key]


def test_format_regex_data_is_checked_with_re2(engine: Engine) -> None:
    validator = bounded(lambda: engine.load_workflow(with_meeting_schema(
        lambda s: s["properties"]["agenda"].update(format="regex")))).forms["meeting"].validator
    assert schema_problems(validator, meeting(agenda="^[a-z]+$")) == []
    assert [p.pointer for p in schema_problems(validator, meeting(agenda=r"(a)\1"))] == ["/agenda"]


def test_the_templates_duration_patterns_are_matched_exactly_as_before() -> None:
    """The two lookahead patterns the templates ship run as RE2 equivalents: same answer on every text of up to
    seven characters over the letters and digits a duration uses (Python's re as the oracle)."""
    for legacy in EQUIVALENTS:
        oracle = re.compile(legacy)
        for length in range(8):
            for letters in itertools.product("PTYMWDHS1", repeat=length) if length < 7 else itertools.product(
                    "PTYMD1", repeat=length):
                text = "".join(letters)
                assert search(legacy, text) == bool(oracle.search(text)), (legacy, text)


# -- the shipped documents pass with a wide margin and still check data right ----------------------------------
def shipped_documents() -> dict[str, dict[str, Any]]:
    found = {path.name: json.loads(path.read_text("utf-8")) for path in sorted(
        (ROOT / "schemas" / "programmes").glob("*.json"))}
    found["tests/data/workflows/tiny.json"] = json.loads((ROOT / "tests/data/workflows/tiny.json").read_text())
    found["default_workflow()"] = default_workflow()
    return found


def test_a_recursive_schema_that_descends_into_the_data_stays_cheap() -> None:
    """Two properties that refer back to the root apply to different values: the cost grows with the data's
    depth, not as 2^depth, and the check depth stays within the limit."""
    estimate = Estimate.of({"type": "object", "properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}}})
    assert estimate.cost() <= 2 * 32 + 1 and estimate.height() <= MAX_CHECK_DEPTH
    assert estimate.over_budget() == [] and estimate.too_deep() is None


@pytest.mark.parametrize("name", list(shipped_documents()))
def test_every_shipped_document_is_far_within_the_bounds(engine: Engine, name: str) -> None:
    document = shipped_documents()[name]
    bounded(lambda: engine.load_workflow(copy.deepcopy(document)))
    for _path, schema in embedded_schemas(document):
        estimate = Estimate.of(schema)
        assert estimate.cost() * 10 <= MAX_COST, (_path, estimate.cost())
        assert estimate.height() * 5 <= MAX_CHECK_DEPTH


def test_a_template_duration_field_accepts_and_refuses_the_right_values(engine: Engine) -> None:
    workflow = engine.load_workflow(json.loads((ROOT / "schemas/programmes/default.json").read_text("utf-8")))
    validator = workflow.forms["agreement"].validator
    agreement = json.loads((ROOT / "schemas/programmes/default.json").read_text("utf-8"))["forms"]["agreement"]
    base = {name: value for name, value in _minimal(agreement["schema"]).items() if name != "duration"}
    for good in ("P6M", "P1Y", "P1Y6M", "P2W", "P10D"):
        problems = schema_problems(validator, {**base, "duration": good})
        assert problems == [], (good, problems)
    for bad in ("P", "6M", "P6", "PT1H", "P1M1Y", "P1D "):
        assert "/duration" in {p.pointer for p in schema_problems(validator, {**base, "duration": bad})}, bad


def _minimal(schema: dict[str, Any]) -> dict[str, Any]:
    """A value for every required field of a flat form (enough to check one field on its own)."""
    values: dict[str, Any] = {}
    for name in schema.get("required", ()):
        sub = schema["properties"][name]
        if "enum" in sub:
            values[name] = sub["enum"][0]
        elif sub.get("type") == "boolean":
            values[name] = True
        elif sub.get("type") in ("integer", "number"):
            values[name] = sub.get("minimum", 1)
        elif sub.get("type") == "array":
            values[name] = []
        else:
            values[name] = "P6M" if name == "duration" else "x"
    return values
