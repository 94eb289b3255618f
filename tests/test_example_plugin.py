"""The example third-party plugin (examples/mentorflow-example-plugin/, "kudos") installs and passes its own tests.

Run the way a plugin author runs them: the distribution installed with pip (non-editable, ``--no-deps``,
into a target folder), its tests in a separate pytest process that finds mentorflow's fixtures through the
``pytest11`` entry point and the plugin through the ``mentorflow`` entry point. Its tests drive a real engine
and the real web service on a loopback port: a page panel, a REST route, an effect and a guard, through
hooks alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.test_tutorial import IGNORED, clean_env, run_pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "mentorflow-example-plugin"


def test_the_example_plugin_installs_and_passes_its_own_tests(tmp_path: Path) -> None:
    source = tmp_path / "mentorflow-kudos"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns(*IGNORED, "*.egg-info"))
    target = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--no-input", "--target", str(target), str(source)],
                          capture_output=True, text=True, timeout=600, env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / "mentorflow_kudos" / "templates" / "kudos_panel.html").is_file()
    assert (target / "mentorflow_kudos" / "migrations" / "0001_kudos.py").is_file()
    # Only the tests are copied to where pytest runs: the plugin comes from nowhere but the installation.
    tests = tmp_path / "run" / "tests"
    shutil.copytree(EXAMPLE / "tests", tests, ignore=shutil.ignore_patterns(*IGNORED))
    result = run_pytest(tests, tests.parent, clean_env(PYTHONPATH=str(target)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^5 passed", result.stdout.splitlines()[-1]), result.stdout


def test_the_example_imports_nothing_but_the_public_apis() -> None:
    """Through hooks alone: mentorflow's core, the documented web plugin API, and its own package."""
    allowed = ("mentorflow_kudos", "mentorflow.integrations.web.plugin_api")
    for path in sorted((EXAMPLE / "mentorflow_kudos").rglob("*.py")):
        for module in re.findall(r"^\s*(?:from|import) (mentorflow[\w.]*)", path.read_text("utf-8"), re.MULTILINE):
            inside = module.startswith(allowed) or not module.startswith(("mentorflow.plugins",
                                                                          "mentorflow.integrations"))
            assert inside, f"{path.relative_to(ROOT)} imports {module}"
