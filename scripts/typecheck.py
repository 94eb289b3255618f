"""Run mypy on the ``mentorflow`` package as setup.py lays it out: ``python scripts/typecheck.py [mypy options]``.

setup.py maps folders onto one package (core/ is ``mentorflow``, plugins/ is ``mentorflow.plugins``, ...),
which mypy cannot follow: it names a module after its folder, and an editable install maps them with an
import hook that mypy does not run (an installed wheel is found, but its errors are silenced as a
third-party package's). So this builds the package's layout as a tree of symbolic links under
build/typecheck/ (the source files themselves, nothing copied), runs ``mypy -p mentorflow`` on it with the
configuration in pyproject.toml, and prints every path as the source path (``core/engine.py:12: error``).
The exit code is mypy's.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "build" / "typecheck"
SKIPPED = {"__pycache__"}


def folders() -> dict[str, str]:
    """setup.py's ``FOLDERS`` mapping (package name -> folder), read without running setup.py."""
    module = ast.parse((ROOT / "setup.py").read_text("utf-8"))
    for node in module.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "FOLDERS" for t in node.targets):
            mapping = ast.literal_eval(node.value)
            assert isinstance(mapping, dict)
            return {str(k): str(v) for k, v in mapping.items()}
    raise SystemExit("setup.py has no FOLDERS mapping")


def build_tree(mapping: dict[str, str]) -> dict[str, str]:
    """Link every folder where its package lives; the tree's path prefixes -> the source folders."""
    if TREE.exists():
        shutil.rmtree(TREE)
    prefixes: dict[str, str] = {}
    for package, folder in sorted(mapping.items()):
        parts = package.split(".")
        target = TREE.joinpath(*parts)
        parent = TREE.joinpath(*parts[:-1])
        if len(parts) == 1:
            # The top package is a real folder holding a link per entry, so sub-packages from other
            # folders (mentorflow.plugins from plugins/) can sit beside the core's own modules.
            target.mkdir(parents=True)
            for entry in sorted((ROOT / folder).iterdir()):
                if entry.name not in SKIPPED:
                    (target / entry.name).symlink_to(entry)
        else:
            parent.mkdir(parents=True, exist_ok=True)
            if target.exists() or target.is_symlink():
                raise SystemExit(f"{folder}/ would replace {target.relative_to(TREE)} (a name used twice)")
            target.symlink_to(ROOT / folder, target_is_directory=True)
        prefixes[os.path.relpath(target, ROOT) + os.sep] = folder + os.sep
    return prefixes


def main(argv: list[str]) -> int:
    prefixes = build_tree(folders())
    top = min(folders(), key=len)
    env = {**os.environ, "MYPYPATH": os.path.relpath(TREE, ROOT)}
    run = subprocess.run([sys.executable, "-m", "mypy", "-p", top, *argv], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    longest_first = sorted(prefixes.items(), key=lambda item: -len(item[0]))
    for stream, text in ((sys.stdout, run.stdout), (sys.stderr, run.stderr)):
        for line in text.splitlines():
            for prefix, folder in longest_first:
                if line.startswith(prefix):
                    line = folder + line.removeprefix(prefix)
                    break
            print(line, file=stream)
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
