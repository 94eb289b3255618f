"""Workflow authors' tools: ``diagram`` as an image through Graphviz, and ``validate`` locating each problem."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mentorflow.cli import _locate, _quote, problem_positions
from mentorflow.schemas import template_paths
from tests.conftest import require_service

EXECUTABLE = Path(sys.executable).with_name("mentorflow")


def run(*args: str, cwd: Path, path: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {"PATH": path if path is not None else str(EXECUTABLE.parent) + ":/usr/bin:/bin", "MENTORFLOW_LOCALE": "en"}
    return subprocess.run([str(EXECUTABLE), *args], cwd=cwd, env=env, capture_output=True, timeout=120)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "default.json").write_bytes(template_paths()["default"].read_bytes())
    return tmp_path


@pytest.fixture
def graphviz() -> None:
    if shutil.which("dot") is None:
        require_service("Graphviz", "install it (apt-get install graphviz) to test diagram images")


# -- diagram images -------------------------------------------------------------------------------------------

def test_svg_to_standard_output_and_to_a_file(folder: Path, graphviz: None) -> None:
    out = run("diagram", "--format", "svg", "default.json", cwd=folder)
    assert out.returncode == 0, out.stderr
    svg = ET.fromstring(out.stdout)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"Agreeing", "Setting goals", "Reflecting", "Closed", "Start setting goals"} <= texts
    written = run("diagram", "--format", "svg", "--output", "lifecycle.svg", "--locale", "da", "default.json",
                  cwd=folder)
    assert written.returncode == 0 and written.stdout == b"" and b"Wrote lifecycle.svg" in written.stderr
    danish = {t.text for t in ET.parse(folder / "lifecycle.svg").iter("{http://www.w3.org/2000/svg}text")}
    assert "Agreeing" not in danish and len(danish) > 10


def test_png_to_a_file(folder: Path, graphviz: None) -> None:
    out = run("diagram", "--format", "png", "-o", "lifecycle.png", "default.json", cwd=folder)
    assert out.returncode == 0, out.stderr
    image = (folder / "lifecycle.png").read_bytes()
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert width > 500 and height > 100


def test_without_graphviz_an_image_is_a_clear_error_exit_2(folder: Path) -> None:
    bare = folder / "bin"  # a PATH with nothing on it but the Python the command needs
    bare.mkdir()
    result = run("diagram", "--format", "svg", "default.json", cwd=folder, path=str(bare))
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode().startswith("Error: Drawing an image needs Graphviz, and its 'dot' program is not "
                                             "on the PATH.")
    assert b"Traceback" not in result.stderr
    text = run("diagram", "default.json", cwd=folder, path=str(bare))  # text formats need no Graphviz
    assert text.returncode == 0 and text.stdout.startswith(b"stateDiagram-v2\n")


def test_writing_to_a_missing_folder_exits_2(folder: Path) -> None:
    result = run("diagram", "--format", "dot", "-o", "no/such/folder/x.dot", "default.json", cwd=folder)
    assert result.returncode == 2 and b"Cannot write no/such/folder/x.dot" in result.stderr


# -- validate: where each problem is --------------------------------------------------------------------------

BROKEN = """{
  "id": "buddy",
  "programme": {"name": {"en": "Buddy", "da": "Buddy"}, "context": "onboarding"},
  "states": [
    {"id": "matched", "kind": "initial", "label": {"en": "Matched", "da": "Matchet"}},
    {"id": "done", "kind": "terminal", "label": {"en": "Done", "da": "Færdig"}}
  ],
  "transitions": [
    {"id": "finish", "from": "matched", "to": "done", "roles": ["mentor"],
     "label": {"en": "Finish", "da": "Afslut"}},
    {
      "id": "quit",
      "from": "matched",
      "to": "dnoe",
      "roles": ["mentor", "buddy"],
      "label": {"en": "Quit", "da": "Stop"}
    }
  ]
}
"""


def test_validate_prints_line_and_column_of_each_quoted_value(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text(BROKEN, "utf-8")
    result = run("validate", "broken.json", cwd=tmp_path)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert ("  /transitions/1/roles/1: \"buddy\" is not one of \"mentor\", \"mentee\", \"facilitator\", \"peer\", "
            "\"coordinator\", \"system\"\n"
            "      found: \"buddy\"\n      at broken.json:15:27\n") in err
    assert ("  /transitions/1/to: state 'dnoe' does not exist — did you mean 'done'?\n      found: \"dnoe\"\n"
            "      at broken.json:14:13\n") in err
    lines = BROKEN.splitlines()
    assert lines[14][26:33] == '"buddy"' and lines[13][12:18] == '"dnoe"'


@pytest.mark.parametrize("pointer, expected", [
    ("", (1, 1)),
    ("/id", (2, 9)),
    ("/programme/name/da", (3, 47)),
    ("/states/1", (6, 5)),
    ("/states/1/label/da", (6, 70)),
    ("/transitions/1/roles/1", (15, 27)),
    ("/transitions/2", None),
    ("/nothing", None),
    ("/id/0", None),
])
def test_locate_finds_the_value_of_a_pointer(pointer: str, expected: tuple[int, int] | None) -> None:
    assert _locate(BROKEN, pointer) == expected


def test_locate_handles_escapes_duplicates_and_odd_keys() -> None:
    text = '{"a/b": {"~x": [1, {"k": "v"}]}, "s": "x\\"y", "d": 1,\n "d": [2]}'
    assert _locate(text, "/a~1b/~0x/1/k") == (1, 26)
    assert _locate(text, "/d") == (2, 7), "with duplicate keys the last one counts, as when parsing"
    assert json.loads(text)["d"] == [2]
    assert _locate('{"é": "ø", "x": 1}', "/x") == (1, 17)


@pytest.mark.parametrize("pointer, expected", [
    ("/transitions/1/roles/1", (15, 27)),                      # a value: where it is
    ("/states/1/description", (6, 5)),                         # a missing key: the object that lacks it
    ("/transitions/2", (8, 18)),                               # past the end of a list: the list
    ("/programme/settings/privacy/on", (3, 16)),               # deep into what is not there: the nearest part that is
    ("/nothing", (1, 1)),
])
def test_every_pointer_gets_a_line_and_column(pointer: str, expected: tuple[int, int]) -> None:
    assert problem_positions(BROKEN.encode(), [pointer], parsed=True) == {pointer: expected}


def test_a_document_that_cannot_be_parsed_is_located_where_it_goes_wrong() -> None:
    assert problem_positions(b'{\n  "id": "x",\n  "states": [}', [""], parsed=False) == {"": (3, 14)}
    assert problem_positions('{"a": "ø"}'.encode("latin-1"), [""], parsed=False) == {"": (1, 8)}  # a byte column
    assert problem_positions(b'{"a": NaN}', [""], parsed=False) == {"": (1, 1)}


MISSING_KIND = """{
  "id": "tiny",
  "programme": {"name": {"en": "Tiny", "da": "Lille"}, "context": "other"},
  "states": [
    {"id": "first_phase", "kind": "initial", "label": {"en": "First", "da": "Først"}},
    {"id": "done", "kind": "terminal", "label": {"en": "Done", "da": "Færdig"}},
    {"id": "second", "kind": "active", "label": {"en": "Second", "da": "Anden"}},
    {"id": "third",
     "label": {"en": "Third", "da": "Tredje"}}
  ],
  "transitions": [
    {"id": "go", "from": "frist_phase", "to": "second", "roles": ["mentor"], "label": {"en": "Go", "da": "Gå"}},
    {"id": "on", "from": "second", "to": "third", "roles": ["mentor"], "label": {"en": "On", "da": "Videre"}},
    {"id": "end", "from": "third", "to": "done", "roles": ["mentor"], "label": {"en": "End", "da": "Slut"}}
  ]
}
"""


@pytest.mark.parametrize("locale", ["en", "da"])
def test_validate_locates_a_missing_key_and_suggests_the_closest_state(tmp_path: Path, locale: str) -> None:
    (tmp_path / "tiny.json").write_text(MISSING_KIND, "utf-8")
    result = run("--locale", locale, "validate", "tiny.json", cwd=tmp_path)
    assert result.returncode == 2
    err = result.stderr.decode()
    if locale == "en":
        assert "  /states/3/kind: 'kind' is required here but missing\n      at tiny.json:8:5\n" in err
        assert ("  /transitions/0/from: state 'frist_phase' does not exist — did you mean 'first_phase'?\n"
                "      found: \"frist_phase\"\n      at tiny.json:12:26\n") in err
    else:
        assert "  /states/3/kind: 'kind' mangler, men skal være her\n      ved tiny.json:8:5\n" in err
        assert "  /transitions/0/from: tilstanden 'frist_phase' findes ikke — mente du 'first_phase'?\n" in err
    report = json.loads(run("--locale", locale, "validate", "--format", "json", "tiny.json", cwd=tmp_path).stdout)
    problems = {p["pointer"]: p for p in report["files"][0]["problems"]}
    assert (problems["/states/3/kind"]["line"], problems["/states/3/kind"]["column"]) == (8, 5)
    assert (problems["/transitions/0/from"]["line"], problems["/transitions/0/from"]["column"]) == (12, 26)
    assert all(p["line"] is not None and p["column"] is not None for p in problems.values())


def test_found_keeps_the_outline_of_long_nested_values() -> None:
    document = json.loads(BROKEN)
    quoted = _quote(document, "/transitions/1")
    assert quoted == '{"id": "quit", "from": "matched", "to": "dnoe", "roles": […], "label": {…}}'
    outline = _quote(document, "/states")
    assert outline is not None and len(outline) <= 100
    assert outline.startswith('[{"id": "matched", "kind": "initial", "label": {…}}, {"id": "done"')
    assert outline.endswith("…")
    assert _quote(document, "/programme/name/da") == '"Buddy"'
    assert _quote(document, "/missing") is None


# -- the examples in docs/workflows.md are what the commands print ---------------------------------------------

WORKFLOWS_MD = Path(__file__).resolve().parent.parent / "docs" / "workflows.md"
BREAKS = [  # the five mistakes docs/workflows.md describes, made in its complete example
    ('"id": "log_meeting", "from": "meeting", "roles": ["mentor", "mentee"]',
     '"id": "log_meeting", "from": "meeting", "roles": ["buddy", "mentee"]'),
    ('{"name": "min_time_in_state", "params": {"duration": "P30D"}}',
     '{"name": "min_time_in_state", "params": {"duration": "a month"}}'),
    ('"id": "time_up", "from": ["meeting", "on_hold"], "to": "done"',
     '"id": "time_up", "from": ["meeting", "on_hold"], "to": "finished"'),
    ('"anchor": "relationship_started", "fire": "time_up"', '"anchor": "relationship_started", "fire": "finish"'),
    ('"items": {"$ref": "#/$defs/topic"}', '"items": {"$ref": "https://example.com/topic.json"}'),
]


def shown_session(command: str) -> tuple[list[str], str]:
    """The ```text block of docs/workflows.md that starts with ``$ command``: its arguments and output."""
    text = WORKFLOWS_MD.read_text("utf-8")
    match = re.search(r"```text\n\$ (" + re.escape(command) + r"[^\n]*)\n(.*?)```", text, re.DOTALL)
    assert match, f"docs/workflows.md shows no `$ {command}` session"
    return match.group(1).split()[1:], match.group(2)


@pytest.fixture
def buddy(tmp_path: Path) -> Path:
    text = WORKFLOWS_MD.read_text("utf-8")
    example = re.search(r"```json\n(\{\n  \"\$schema\".*?\n\})\n```", text, re.DOTALL)
    assert example, "docs/workflows.md has no complete example"
    (tmp_path / "buddy.json").write_text(example.group(1) + "\n", "utf-8")
    broken = example.group(1) + "\n"
    for old, new in BREAKS:
        assert broken.count(old) == 1, old
        broken = broken.replace(old, new)
    (tmp_path / "broken.json").write_text(broken, "utf-8")
    return tmp_path


def test_the_validate_example_is_what_validate_prints(buddy: Path) -> None:
    args, shown = shown_session("mentorflow validate buddy.json")
    result = run(*args, cwd=buddy)
    transcript = result.stdout.decode() + result.stderr.decode() + f"$ echo $?\n{result.returncode}\n"
    assert shown == transcript, "the `mentorflow validate` session in docs/workflows.md is out of date"


def test_the_simulate_example_is_what_simulate_prints(buddy: Path) -> None:
    args, shown = shown_session("mentorflow simulate")
    result = run(*args, cwd=buddy)
    assert result.returncode == 0, result.stderr
    assert shown == result.stdout.decode(), "the `mentorflow simulate` session in docs/workflows.md is out of date"
