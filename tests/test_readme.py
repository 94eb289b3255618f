"""The README's commands are the ones CI runs."""

from __future__ import annotations

from pathlib import Path

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
