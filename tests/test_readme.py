"""The README's commands are the ones CI runs, and every documented install line has an install profile."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

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
