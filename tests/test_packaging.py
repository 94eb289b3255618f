"""The wheel: one import namespace, schemas and migrations inside, no bare top-level modules."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Build from a clean copy: a stale build/ folder in the work tree would hide missing package data.
    source = tmp_path_factory.mktemp("source") / "mentorflow"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        "build", "dist", "*.egg-info", ".tox", ".venv", "venv", ".git", "__pycache__", "test-artifacts", "*.db"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True, text=True)
    return next(out.glob("mentorflow-*.whl"))


def test_wheel_has_one_namespace_and_ships_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == {"mentorflow"}
    for needed in ("mentorflow/schemas/workflow.schema.json", "mentorflow/schemas/programme.schema.json",
                   "mentorflow/schemas/form.schema.json", "mentorflow/schemas/programmes/default.json",
                   "mentorflow/db/migrations/env.py", "mentorflow/db/migrations/versions/0001_core.py",
                   "mentorflow/plugins/guards.py", "mentorflow/integrations/__init__.py", "mentorflow/py.typed",
                   "mentorflow/integrations/web/templates/base.html",
                   "mentorflow/integrations/web/static/mentorflow.css",
                   "mentorflow/locale/da/LC_MESSAGES/mentorflow.mo",
                   "mentorflow/plugins/reminders/migrations/0001_reminders.py"):
        assert needed in names
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "[mentorflow]" in entry_points and "guards = mentorflow.plugins.guards" in entry_points
    assert "[pytest11]" in entry_points


def test_non_editable_install_into_a_clean_venv_works(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    # Dependencies come from this interpreter's site-packages, appended after the venv's own.
    deps = sysconfig.get_paths()["purelib"]
    check = f"""
import importlib.util, sys
sys.path.append({deps!r})
import mentorflow, mentorflow.plugins, mentorflow.integrations, mentorflow.schemas
assert mentorflow.__file__.startswith({str(env_dir)!r}), mentorflow.__file__
for bare in ("core", "plugins", "integrations", "schemas"):
    assert importlib.util.find_spec(bare) is None, bare
from mentorflow.cli import main
sys.argv = ["mentorflow", "db", "upgrade", "--database-url", "sqlite:///{tmp_path / 'w.db'}"]
main()
"""
    run = subprocess.run([str(python), "-c", check], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "mf0005_programme_owners" in run.stdout
