"""The ``mentorflow`` command, run as people run it: the installed executable, in a fresh folder.

Exit codes: 0 success, 2 anything the user can fix (always a plain
message, never a traceback).

Each run starts Python and imports SQLAlchemy and every plugin, so the
runs happen concurrently, once per module (the ``runs`` fixture); the
tests then look at what each run printed and left behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from mentorflow.i18n import set_locale
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.registry import make_loader
from mentorflow.schemas import template_paths
from mentorflow.workflow import load_workflow_file
from mentorflow.workflow.diagram import mermaid_ids, to_dot, to_mermaid

DATA = Path(__file__).parent / "data" / "workflows"
EXECUTABLE = Path(sys.executable).with_name("mentorflow")
if not EXECUTABLE.exists():  # pragma: no cover - a system-wide installation
    EXECUTABLE = Path(shutil.which("mentorflow") or "mentorflow")
DEFAULT_STATES = ["contracting", "goal_setting", "reflecting", "adjusting", "paused", "closing", "closed"]
WORKERS = max(2, min(6, (os.cpu_count() or 2) + 1))


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    env.update(MENTORFLOW_LOCALE="en", COLUMNS="100")
    return env


def execute(cwd: Path, args: tuple[str, ...], executable: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(executable or (str(EXECUTABLE),)), *args], cwd=cwd, env=environment(),
                          capture_output=True, text=True, timeout=300)


def with_workflows(folder: Path) -> None:
    for path in DATA.glob("*.json"):
        shutil.copy(path, folder / path.name)
    (folder / "default.json").write_bytes(template_paths()["default"].read_bytes())


def with_existing_database(folder: Path) -> None:
    (folder / "existing.db").write_bytes(b"precious")


# Every subcommand's --help, walked in one process through the installed console-script entry point
# (what the executable calls): a process per page would take longer than all the other runs together.
HELP_WALK = r"""
import contextlib, io, json, re, sys
from importlib.metadata import entry_points

[script] = [ep for ep in entry_points(group="console_scripts") if ep.name == "mentorflow"]
main = script.load()

def commands_in(text):
    section = text.split("Commands:", 1)[1] if "Commands:" in text else ""
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z0-9-]*)\b", section, re.MULTILINE)]

pages, todo = {}, [()]
while todo:
    path = todo.pop(0)
    out, err = io.StringIO(), io.StringIO()
    sys.argv = ["mentorflow", *path, "--help"]
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as exit:
            code = exit.code or 0
    pages[" ".join(path)] = {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}
    todo += [(*path, sub) for sub in commands_in(out.getvalue())]
print(json.dumps(pages))
"""


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    setup: Callable[[Path], None] | None = with_workflows
    executable: tuple[str, ...] = ()


RUNS: dict[str, Run] = {
    "help": Run(("--help",), None),
    "help walk": Run(("-c", HELP_WALK), None, (sys.executable,)),
    "python -m": Run(("--help",), None, (sys.executable, "-m", "mentorflow")),
    "unknown command": Run(("valdate", "default.json")),
    "validate good": Run(("validate", "default.json", "tiny.json", "hyphens.json")),
    "validate bad": Run(("validate", "several_problems.json", "tiny.json")),
    "validate unreadable": Run(("validate", "syntax_error.json", "not_an_object.json", "nowhere.json")),
    "validate json": Run(("validate", "--format", "json", "tiny.json", "several_problems.json", "nowhere.json",
                          "syntax_error.json")),
    "validate json good": Run(("validate", "--format", "json", "default.json")),
    "diagram": Run(("diagram", "default.json")),
    "diagram dot": Run(("diagram", "--format", "dot", "default.json")),
    "diagram bad": Run(("diagram", "several_problems.json")),
    "diagram dot missing": Run(("diagram", "--format", "dot", "nowhere.json")),
    "db upgrade": Run(("db", "upgrade", "--database-url", "sqlite:///x.db"), None),
    "db upgrade nonsense": Run(("db", "upgrade", "--database-url", "nonsense://"), None),
    "db upgrade no folder": Run(("db", "upgrade", "--database-url", "sqlite:///no/such/folder/x.db"), None),
    "plugins": Run(("plugins",), None),
    "plugins json": Run(("plugins", "--format", "json"), None),
    "templates": Run(("templates",), None),
    "demo": Run(("demo",), None),
    "demo existing": Run(("demo", "--database", "existing.db"), with_existing_database),
    "demo no folder": Run(("demo", "--database", "no/such/folder.db"), None),
    # Commands that read tables, on a database nobody has upgraded yet.
    "moodle sites not set up": Run(("moodle", "sites", "--database-url", "sqlite:///fresh.db"), None),
    "programmes shares not set up": Run(("programmes", "shares", "--database-url", "sqlite:///fresh.db"), None),
    "token list not set up": Run(("token", "list", "--database-url", "sqlite:///fresh.db"), None),
}


@dataclass(frozen=True)
class Result:
    folder: Path
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    def one(name: str) -> tuple[str, Result]:
        run = RUNS[name]
        folder = tmp_path_factory.mktemp(re.sub(r"\W+", "-", name))
        if run.setup is not None:
            run.setup(folder)
        done = execute(folder, run.args, run.executable)
        return name, Result(folder, done.returncode, done.stdout, done.stderr)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return dict(pool.map(one, RUNS))


@pytest.mark.parametrize("name", list(RUNS))
def test_no_run_shows_a_traceback(runs: dict[str, Result], name: str) -> None:
    result = runs[name]
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode in (0, 2), (result.returncode, result.stderr)
    if result.returncode == 2 and name != "validate json":
        assert result.stderr.strip(), "a failure must say why"


@pytest.mark.parametrize("name", [name for name in RUNS if name.endswith("not set up")])
def test_a_database_nobody_upgraded_is_named_with_the_command_that_sets_it_up(
        runs: dict[str, Result], name: str) -> None:
    result = runs[name]
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "mentorflow db upgrade" in result.stderr and "no such table" in result.stderr, result.stderr


# -- help ----------------------------------------------------------------------------------------------

def commands_in(help_text: str) -> list[str]:
    """The subcommands a click ``--help`` lists under "Commands:"."""
    section = help_text.split("Commands:", 1)[1] if "Commands:" in help_text else ""
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z0-9-]*)\b", section, re.MULTILINE)]


def test_help_for_the_group_and_every_subcommand(runs: dict[str, Result]) -> None:
    top = runs["help"]
    assert top.returncode == 0, top.stderr
    assert top.stdout.startswith("Usage: mentorflow [OPTIONS] COMMAND [ARGS]...")
    assert {"validate", "diagram", "db", "plugins", "templates", "demo"} <= set(commands_in(top.stdout))
    walk = runs["help walk"]
    assert walk.returncode == 0, walk.stderr
    pages = json.loads(walk.stdout)
    assert pages[""]["stdout"] == top.stdout
    assert {"validate", "diagram", "db", "db upgrade", "plugins", "templates", "demo"} <= set(pages)
    for path, page in pages.items():
        assert page["code"] == 0, (path, page["stderr"])
        assert page["stdout"].startswith(f"Usage: mentorflow {path} ".replace("  ", " ")), (path, page["stdout"])
        assert "Traceback" not in page["stderr"]


def test_python_dash_m_mentorflow(runs: dict[str, Result]) -> None:
    result = runs["python -m"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: python -m mentorflow")
    assert commands_in(result.stdout) == commands_in(runs["help"].stdout)


def test_unknown_subcommand_exits_2(runs: dict[str, Result]) -> None:
    result = runs["unknown command"]
    assert result.returncode == 2
    assert "No such command 'valdate'" in result.stderr


# -- validate ------------------------------------------------------------------------------------------

def test_validate_good_files(runs: dict[str, Result]) -> None:
    result = runs["validate good"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["default.json: valid", "tiny.json: valid", "hyphens.json: valid"]
    assert result.stderr == ""


def test_validate_bad_file_lists_every_problem_with_pointer_and_what_was_found(runs: dict[str, Result]) -> None:
    result = runs["validate bad"]
    assert result.returncode == 2
    assert result.stdout == "tiny.json: valid\n"
    err = result.stderr
    assert err.startswith("several_problems.json: 6 problem(s)\n")
    assert ("  /colour: 'colour' is not allowed here (misspelt?)\n      found: \"blue\"\n"
            "      at several_problems.json:3:13\n") in err
    assert '  /id: "Several Problems" does not have the expected form' in err
    assert '      found: "Several Problems"\n' in err
    # Nothing to quote; the place is that of the object that lacks the key.
    assert ("  /programme/name/da: 'da' is required here but missing\n      at several_problems.json:5:13\n"
            "  /states") in err
    assert ("  /transitions/0/to: state 'dnoe' does not exist — did you mean 'done'?\n      found: \"dnoe\"\n"
            "      at several_problems.json:13:45\n") in err
    assert "  /states/1/id: state 'done' cannot be reached from the initial state 'start'\n" in err
    assert "  /states/0/id: no terminal state can be reached from state 'start'" in err


def test_validate_syntax_error_not_an_object_and_missing_file(runs: dict[str, Result]) -> None:
    result = runs["validate unreadable"]
    assert result.returncode == 2
    err = result.stderr
    assert "syntax_error.json: 1 problem(s)\n  /: line 4, column 20: Expecting property name" in err
    assert "double quotes\n      at syntax_error.json:4:20\n" in err
    assert 'not_an_object.json: 1 problem(s)\n  /: must be an object, not ["not", "a", "workflow"]' in err
    assert re.search(r"nowhere\.json: 1 problem\(s\)\n  /: Cannot read nowhere\.json: No such file or directory",
                     err)


def test_validate_json_format(runs: dict[str, Result]) -> None:
    result = runs["validate json"]
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    files = {f["file"]: f for f in report["files"]}
    assert list(files) == ["tiny.json", "several_problems.json", "nowhere.json", "syntax_error.json"]
    assert files["tiny.json"] == {"file": "tiny.json", "valid": True, "problems": []}
    bad = files["several_problems.json"]
    assert bad["valid"] is False
    assert {p["pointer"] for p in bad["problems"]} == {
        "/id", "/colour", "/programme/name/da", "/transitions/0/to", "/states/0/id", "/states/1/id"}
    colour = next(p for p in bad["problems"] if p["pointer"] == "/colour")
    assert colour == {"pointer": "/colour", "message": "'colour' is not allowed here (misspelt?)",
                      "source": "several_problems.json", "found": '"blue"', "line": 3, "column": 13}
    missing_key = next(p for p in bad["problems"] if p["pointer"] == "/programme/name/da")
    assert missing_key["found"] is None and (missing_key["line"], missing_key["column"]) == (5, 13)
    assert all(isinstance(p["line"], int) and isinstance(p["column"], int) for p in bad["problems"])
    [missing] = files["nowhere.json"]["problems"]
    assert missing["pointer"] == "" and "No such file or directory" in missing["message"]
    assert missing["line"] is None and missing["column"] is None  # no file, no line
    [syntax] = files["syntax_error.json"]["problems"]
    assert syntax["pointer"] == "" and syntax["message"].startswith("line 4, column 20")
    assert (syntax["line"], syntax["column"]) == (4, 20)

    good = runs["validate json good"]
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout) == {"valid": True, "files": [
        {"file": "default.json", "valid": True, "problems": []}]}


# -- diagram -------------------------------------------------------------------------------------------

def test_diagram_mermaid(runs: dict[str, Result]) -> None:
    result = runs["diagram"]
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("stateDiagram-v2\n")
    for sid in DEFAULT_STATES:
        assert re.search(rf"^    state \"[^\"]+\" as {sid}$", text, re.MULTILINE), sid
    assert "    [*] --> contracting\n" in text
    assert "    closed --> [*]\n" in text
    assert "    contracting --> goal_setting: Start setting goals\n" in text
    # "@history" is drawn back to every state "paused" can be entered from.
    for back in ("contracting", "goal_setting", "reflecting", "adjusting"):
        assert f"    paused --> {back}: Resume\n" in text
    assert re.search(r"^    note right of contracting: .*\bSign the agreement\b", text, re.MULTILINE)


def test_diagram_dot(runs: dict[str, Result]) -> None:
    result = runs["diagram dot"]
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith('digraph "default-lifecycle" {\n')
    assert text.endswith("}\n")
    for sid in DEFAULT_STATES:
        assert re.search(rf'^  "{sid}" \[shape=', text, re.MULTILINE), sid
    assert '  __start -> "contracting";\n' in text
    assert '"closed" [shape=doubleoctagon' in text
    assert '  "contracting" -> "goal_setting" [label="Start setting goals"];\n' in text


def test_diagram_of_a_bad_or_missing_file_exits_2(runs: dict[str, Result]) -> None:
    bad = runs["diagram bad"]
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("Error: The workflow is not valid.\n")
    assert "several_problems.json#/transitions/0/to: state 'dnoe' does not exist" in bad.stderr
    missing = runs["diagram dot missing"]
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.startswith("Error: Cannot read nowhere.json: No such file or directory")


@pytest.fixture
def hyphens() -> object:
    set_locale("en")
    yield load_workflow_file(DATA / "hyphens.json", make_loader(build_plugin_manager()))
    set_locale(None)


def test_mermaid_ids_are_ones_mermaid_can_read(hyphens: object) -> None:
    # Workflow ids may contain "-" (Mermaid reads it as part of an arrow) and be keywords such as "state".
    ids = mermaid_ids(hyphens)  # type: ignore[arg-type]
    assert ids == {"not-started": "state_not_started", "node": "node", "state": "state_state",
                   "all-done": "state_all_done"}
    text = to_mermaid(hyphens)  # type: ignore[arg-type]
    assert "    [*] --> state_not_started\n" in text
    assert "    state_state --> node: Carry on\n" in text  # "@history" back to where "state" is entered from
    assert '    state "In progress﹕ week 1" as node\n' in text  # a colon would end the label early
    assert '    state "On \'hold\'" as state_state\n' in text
    assert "    note right of node: Take a note\n" in text
    for line in text.splitlines()[1:]:
        if " --> " in line:
            source, target = line.split(":")[0].strip().split(" --> ")
            assert {source, target} <= {*ids.values(), "[*]"}, line


def test_dot_quotes_every_id(hyphens: object) -> None:
    text = to_dot(hyphens)  # type: ignore[arg-type]
    for sid in ("not-started", "node", "state", "all-done"):
        assert f'  "{sid}" [shape=' in text
    assert '  __start -> "not-started";\n' in text
    assert '  "state" -> "node" [label="Carry on"];\n' in text
    assert 'label="On \\"hold\\""' in text
    assert re.search(r'"state" \[shape=box, label="[^"]*(\\"[^"]*)*", style="rounded,dashed"\]', text)


def test_diagram_labels_follow_the_locale() -> None:
    workflow = load_workflow_file(template_paths()["default"], make_loader(build_plugin_manager()))
    assert 'state "Aftale" as contracting' in to_mermaid(workflow, "da")
    assert '"contracting" [shape=box, label="Agreeing\\n• Propose the agreement\\n• Sign the agreement\\n' in to_dot(
        workflow, "en")


# -- db ------------------------------------------------------------------------------------------------

def test_db_upgrade_creates_the_tables(runs: dict[str, Result]) -> None:
    result = runs["db upgrade"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Database is at revision(s): ")
    with sqlite3.connect(result.folder / "x.db") as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        versions = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    assert {"alembic_version", "mf_people", "mf_programmes", "mf_relationships", "mf_audit_events",
            "mf_workflow_versions"} <= tables
    printed = set(result.stdout.split(": ", 1)[1].strip().split(", "))
    # Alembic's table holds heads only; a plugin revision that depends on the core's newest replaced it there,
    # and the command names the core's revision again.
    assert versions <= printed and printed - versions == {"mf0006_relationship_members"}


@pytest.mark.parametrize("name", ["db upgrade nonsense", "db upgrade no folder"])
def test_db_upgrade_with_a_bad_url_exits_2(runs: dict[str, Result], name: str) -> None:
    result = runs[name]
    assert result.returncode == 2
    assert result.stderr.startswith("Error: Could not upgrade the database: ")
    assert result.stdout == ""


# -- plugins, templates --------------------------------------------------------------------------------

def test_plugins_lists_built_ins_with_their_hooks(runs: dict[str, Result]) -> None:
    result = runs["plugins"]
    assert result.returncode == 0, result.stderr
    blocks = {block.split("  (")[0]: block for block in re.split(r"\n(?=\S)", result.stdout.strip())}
    assert re.match(r"guards  \(mentorflow \d", blocks["guards"])
    assert "\n    mentorflow_register_guards" in blocks["guards"]
    assert "\n    mentorflow_check_workflow" in blocks["guards"]
    assert "\n    mentorflow_notification_channels" in blocks["log_channel"]

    as_json = runs["plugins json"]
    assert as_json.returncode == 0
    rows = {row["name"]: row for row in json.loads(as_json.stdout)}
    assert {"mentorflow_check_workflow", "mentorflow_register_guards"} <= set(rows["guards"]["hooks"])
    assert rows["log_channel"]["hooks"] == ["mentorflow_notification_channels"]
    assert rows["guards"]["module"] == "mentorflow.plugins.guards"
    assert set(rows) == set(blocks)


def test_templates_lists_default(runs: dict[str, Result]) -> None:
    result = runs["templates"]
    assert result.returncode == 0
    assert re.search(r"^default\s+Mentoring programme$", result.stdout, re.MULTILINE)
    # Plugins may offer templates of their own; each is listed as "name  title".
    assert all(re.fullmatch(r"\S+ +\S.*", line) for line in result.stdout.splitlines())


# -- demo ----------------------------------------------------------------------------------------------

def test_demo_prints_a_timeline_ending_closed(runs: dict[str, Result]) -> None:
    result = runs["demo"]
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip().splitlines()
    assert lines[0].startswith("Relationship 1 in programme 'Mentoring programme'")
    timeline = [line for line in lines if re.match(r"^\s*\d+\s+\d{4}-\d{2}-\d{2}\s", line)]
    assert len(timeline) >= 10
    assert "Relationship started" in timeline[0] and timeline[0].rstrip().endswith("→ Agreeing")
    assert timeline[-1].rstrip().endswith("→ Closed")
    assert lines[-1] == "Final state: Closed"
    assert list(result.folder.iterdir()) == []  # the default database is temporary


def test_demo_refuses_an_existing_file_or_a_missing_folder(runs: dict[str, Result]) -> None:
    existing = runs["demo existing"]
    assert existing.returncode == 2
    assert existing.stderr == "Error: existing.db already exists; the demo needs a fresh file.\n"
    assert (existing.folder / "existing.db").read_bytes() == b"precious"
    no_folder = runs["demo no folder"]
    assert no_folder.returncode == 2
    assert no_folder.stderr.startswith("Error: Cannot create no/such/folder.db: the folder ")
    assert no_folder.stderr.rstrip().endswith("does not exist.")
