"""The README's commands are the ones CI runs, and every documented install line has an install profile."""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import fields
from pathlib import Path
from types import ModuleType

import click

ROOT = Path(__file__).resolve().parent.parent


def _shell_lines(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = line.strip() == "```sh"
            continue
        if inside and line.strip():
            lines.append(line.strip())
    return lines


def test_readme_has_exactly_two_one_line_commands_and_ci_runs_the_test_one() -> None:
    commands = _shell_lines((ROOT / "README.md").read_text())
    assert len(commands) == 2, commands
    demo, tests = commands
    assert "mentorflow demo" in demo or "mentorflow serve" in demo
    assert "tox" in tests
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert tests in ci_lines, "the last command of .ci/run must be the README's test command"


# -- the README says what is there: every command, every environment variable ---------------------------------

SCANNED = ("core", "plugins", "integrations")
"""The packages whose environment reads the configuration table must list (tests/ and bench/ are not shipped)."""
NAME = re.compile(r"MENTORFLOW_[A-Z0-9_]+")


def _excluded(name: str) -> bool:
    # Test-only (MENTORFLOW_TEST_*: the PostgreSQL server the suite uses) and bench-only (MENTORFLOW_BENCH_*)
    # variables are for the people running the suite; the README's testing and benchmark sections name them.
    return name.startswith(("MENTORFLOW_TEST_", "MENTORFLOW_BENCH_"))


def _section(title: str) -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def _click_commands() -> set[str]:
    """Every command ``mentorflow --help`` lists, as paths ('db upgrade'), groups included; plugin commands too."""
    from mentorflow.cli import cli

    paths: set[str] = set()

    def walk(group: click.Group, ctx: click.Context, prefix: str) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            paths.add(prefix + name)
            if isinstance(command, click.Group):
                walk(command, click.Context(command, parent=ctx, info_name=name), prefix + name + " ")

    walk(cli, click.Context(cli, info_name="mentorflow"), "")
    return paths


def _readme_commands(known: set[str]) -> tuple[set[str], list[str]]:
    """The command paths the README's command list shows, and the lines naming no command at all."""
    block = re.search(r"```\n(.*?)```", _section("Command line"), re.DOTALL)
    assert block, "the README's Command line section has no code block"
    shown, strays = set(), []
    for line in block.group(1).splitlines():
        words = line.split("#")[0].split()
        if not words:
            continue
        assert words[0] == "mentorflow", line
        path = ""
        for word in words[1:]:
            longer = f"{path} {word}".strip()
            if longer not in known:
                break
            path = longer
        if path:
            shown |= {" ".join(path.split()[:n]) for n in range(1, len(path.split()) + 1)}
        else:
            strays.append(line)
    return shown, strays


def test_the_command_list_shows_every_command_and_only_real_ones() -> None:
    known = _click_commands()
    assert {"validate", "db upgrade", "token create", "lti keys rotate", "moodle sync-mentors", "match"} <= known
    shown, strays = _readme_commands(known)
    assert not strays, f"README lines that name no command: {strays}"
    leaves = {p for p in known if not any(q.startswith(p + " ") for q in known)}
    assert sorted(leaves - shown) == [], "commands missing from the README's Command line block"


def _read_variables() -> dict[str, set[str]]:
    """Every MENTORFLOW_* variable the shipped code reads, with the files that read it.

    A string constant that is exactly a variable's name is a read (``os.environ.get("…")``, a click
    ``envvar=``, a module constant such as ``DATABASE_ENV``); ``ENV_PREFIX + "CONFIG"`` is one too. The web
    service's settings read ``MENTORFLOW_<FIELD>`` for each field of ``Settings`` (see ``load_settings``).
    """
    from mentorflow.integrations.web.settings import ENV_PREFIX, Settings

    found: dict[str, set[str]] = {}
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                value = None
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.fullmatch(node.value):
                    value = node.value
                elif (isinstance(node, ast.BinOp) and isinstance(node.left, ast.Name) and node.left.id == "ENV_PREFIX"
                      and isinstance(node.right, ast.Constant) and isinstance(node.right.value, str)):
                    value = ENV_PREFIX + node.right.value
                if value is not None and not _excluded(value):
                    found.setdefault(value, set()).add(str(path.relative_to(ROOT)))
    for setting in fields(Settings):
        if setting.name != "extra":
            found.setdefault(ENV_PREFIX + setting.name.upper(), set()).add("integrations/web/settings.py")
    return found


def _table_rows() -> list[list[str]]:
    rows = [line.strip().strip("|").split("|") for line in _section("Configuration").splitlines()
            if line.startswith("| `MENTORFLOW_")]
    return [[cell.strip() for cell in row] for row in rows]


def test_the_configuration_table_lists_every_variable_the_code_reads() -> None:
    read = _read_variables()
    assert {"MENTORFLOW_DATABASE_URL", "MENTORFLOW_SMTP_HOST", "MENTORFLOW_CONFIG", "MENTORFLOW_PORT",
            "MENTORFLOW_LTI_LEEWAY_SECONDS"} <= set(read), "the scan finds nothing: has the code moved?"
    rows = _table_rows()
    listed = [name for row in rows for name in NAME.findall(row[0])]
    assert len(listed) == len(set(listed)), "a variable is listed twice"
    missing = {name: sorted(files) for name, files in read.items() if name not in listed}
    assert not missing, f"read by the code but not in the README's configuration table: {missing}"
    assert sorted(set(listed) - set(read)) == [], "the README lists variables the code never reads"
    for row in rows:
        assert len(row) == 3 and row[1] and row[2], f"a row needs a meaning and a default: {row}"


def test_the_readme_does_not_promise_what_is_already_there() -> None:
    assert "being built" not in (ROOT / "README.md").read_text("utf-8")
INSTALL = re.compile(r"\bpip install\s+([^`\n&;|]+)")


def install_lines() -> dict[str, list[str]]:
    """Every ``pip install`` line in README.md and docs/, normalised (quotes and ``-q`` dropped) -> where it is."""
    found: dict[str, list[str]] = {}
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, line in enumerate(page.read_text("utf-8").splitlines(), 1):
            for match in INSTALL.finditer(line):
                words = [w.strip("\"'") for w in match.group(1).split() if w not in ("-q", "--quiet")]
                found.setdefault(" ".join(words), []).append(f"{page.relative_to(ROOT)}:{number}")
    return found


def install_profiles() -> ModuleType:
    spec = importlib.util.spec_from_file_location("install_profiles", ROOT / ".ci" / "install_profiles.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_documented_install_line_is_exercised_by_an_install_profile() -> None:
    profiles = install_profiles()
    covered = {line for lines in profiles.COVERS.values() for line in lines} | set(profiles.RUN_BY_CI)
    lines = install_lines()
    assert {"mentorflow[moodle]", "mentorflow[postgres,redis]", "mentorflow[openedx]", "."} <= set(lines), lines
    missing = {line: where for line, where in lines.items() if line not in covered}
    assert not missing, (f"install lines without a profile in .ci/install_profiles.py (add one to PROFILES and "
                         f"COVERS): {missing}")
    assert set(profiles.COVERS) == set(profiles.PROFILES), "every profile says what it covers"
    assert "install_profiles.py" in (ROOT / ".ci" / "run").read_text(), ".ci/run runs the install profiles"


def python_snippet() -> str:
    """The README's "Using the engine" Python block (run on a plain install by tests/test_packaging.py)."""
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, "the README has one Python snippet"
    return blocks[0]
