"""The plugin author's pages run: the tutorial's plugin installs and passes its own tests, and every file
the tutorial shows is exactly the file in examples/tutorial-plugin/; the examples of
docs/testing-plugins.md pass as a test suite of their own.

Both run the way a plugin author would: a separate pytest process that finds mentorflow's fixtures
through the ``pytest11`` entry point and the plugin through the ``mentorflow`` entry point of a
distribution installed with pip (non-editable, ``--no-deps``, into a target folder).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "tutorial-plugin"
TUTORIAL = ROOT / "docs" / "tutorial-plugin.md"
TESTING = ROOT / "docs" / "testing-plugins.md"
TITLED = re.compile(r'^(`{3,})([\w+-]*)[ \t]+title="([^"]+)"[^\n]*\n(.*?)^\1[ \t]*$', re.MULTILINE | re.DOTALL)
IGNORED = {"__pycache__", ".pytest_cache", "build", "dist"}


def titled_blocks(page: Path) -> dict[str, str]:
    """``title="..."`` code blocks of a page: title to text (a title shown twice is an error)."""
    found: dict[str, str] = {}
    for match in TITLED.finditer(page.read_text("utf-8")):
        assert match.group(3) not in found, f"{page.name} shows {match.group(3)} twice"
        found[match.group(3)] = match.group(4)
    return found


def example_files() -> dict[str, str]:
    return {str(path.relative_to(EXAMPLE)): path.read_text("utf-8") for path in sorted(EXAMPLE.rglob("*"))
            if path.is_file() and not IGNORED & set(path.relative_to(EXAMPLE).parts)
            and not any(part.endswith(".egg-info") for part in path.parts)}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MENTORFLOW_", "PYTEST_", "PYTHON"))}
    env.update(MENTORFLOW_LOCALE="en", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def run_pytest(tests: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def test_the_tutorial_shows_exactly_the_files_of_the_example() -> None:
    shown, files = titled_blocks(TUTORIAL), example_files()
    assert set(shown) == set(files), (
        f"docs/tutorial-plugin.md shows {sorted(shown)} but examples/tutorial-plugin/ holds {sorted(files)}")
    for name, text in files.items():
        assert shown[name] == text, (f"the block titled {name} in docs/tutorial-plugin.md differs from "
                                     f"examples/tutorial-plugin/{name}; copy the file into the page")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example installed with pip, from a copy (a build leaves files behind), into a target folder."""
    work = tmp_path_factory.mktemp("tutorial")
    source = work / "mentorflow-weekdays"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns(*IGNORED, "*.egg-info"))
    target = work / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--no-input", "--target", str(target), str(source)],
                          capture_output=True, text=True, timeout=600, env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    return target


def test_the_tutorial_plugin_installs_and_passes_its_own_tests(installed: Path, tmp_path: Path) -> None:
    # Only the tests are copied to where pytest runs, so the plugin can come from nowhere but the installation.
    shutil.copytree(EXAMPLE / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns(*IGNORED))
    env = clean_env(PYTHONPATH=str(installed))
    result = run_pytest(tmp_path / "tests", tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^5 passed", result.stdout.splitlines()[-1]), result.stdout

    where = subprocess.run([sys.executable, "-c", (
        "import mentorflow_weekdays as m; from importlib.metadata import entry_points; "
        "print(m.__file__); print([(e.name, e.value, e.dist.name) for e in entry_points(group='mentorflow') "
        "if e.name == 'weekdays'])")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    module, entry = where.stdout.splitlines()
    assert Path(module).is_relative_to(installed), module
    assert entry == "[('weekdays', 'mentorflow_weekdays', 'mentorflow-weekdays')]"


def test_the_plugin_shows_in_mentorflow_plugins(installed: Path, tmp_path: Path) -> None:
    listing = subprocess.run([sys.executable, "-m", "mentorflow", "plugins"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120, env=clean_env(PYTHONPATH=str(installed)))
    assert listing.returncode == 0, listing.stderr
    assert "weekdays  (mentorflow-weekdays 1.0.0)\n    mentorflow_notification_channels\n" \
           "    mentorflow_register_guards\n" in listing.stdout


def test_the_examples_of_testing_plugins_pass(tmp_path: Path) -> None:
    blocks = titled_blocks(TESTING)
    assert blocks, "docs/testing-plugins.md should show its examples as titled blocks"
    for name, text in blocks.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    tests = [name for name in blocks if Path(name).name.startswith("test_")]
    result = run_pytest(tmp_path, tmp_path, clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.search(r"^(\d+) passed", result.stdout.splitlines()[-1])
    assert passed and int(passed.group(1)) >= 2 * len(tests), result.stdout
