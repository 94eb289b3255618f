"""Build the shipped programme templates, ``schemas/programmes/*.json``.

Every template is composed the same way:

1. the plain lifecycle, ``schemas/lifecycle.json`` (states, transitions, timers and forms; no plugin's additions);
2. the programme's ``prepare(document)``: what the lifecycle plugins build on (the goal form, whose fields
   the goal-status and adjustment forms copy);
3. each lifecycle plugin's fragment, ``mentorflow.plugins.<name>.workflow.extend``, in :data:`FRAGMENTS` order;
4. the programme's ``customise(document)``: its words, forms, cadence, guards and settings.

The programmes are the modules ``scripts/templates/<module>.py`` named in :data:`PROGRAMMES`; each has
``NAME`` (the template's file stem), ``prepare`` and ``customise``, and may name ``EXTRA_FRAGMENTS`` applied
after the lifecycle's (a group programme adds ``members``: joining and leaving). Every template is validated with all
installed plugins before anything is written.

    python scripts/build_templates.py            # write the templates
    python scripts/build_templates.py --check    # exit 1 if a committed template differs (CI, tests)
"""

from __future__ import annotations

import argparse
import copy
import importlib
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
BASE = ROOT / "schemas" / "lifecycle.json"
OUTPUT = ROOT / "schemas" / "programmes"
COMMAND = "python scripts/build_templates.py"

FRAGMENTS = ("agreements", "goals", "reflections", "meetings", "adjustments", "closure")
"""The lifecycle plugins whose workflow fragments every template includes, in the order they are applied
(adjustments reads the goal form's categories; closure replaces the lifecycle's closing form)."""
PROGRAMMES = ("default", "university_students", "onboarding", "leadership", "career", "entrepreneurs",
              "association", "personal_growth", "first_year_cohort", "entrepreneur_co_mentoring", "professional_circle")

Document = dict[str, Any]


def base() -> Document:
    """A fresh copy of the plain lifecycle."""
    return json.loads(BASE.read_text("utf-8"))


def fragments() -> list[Callable[[Document], Document]]:
    """The ``extend`` functions of :data:`FRAGMENTS`."""
    return [importlib.import_module(f"mentorflow.plugins.{name}.workflow").extend for name in FRAGMENTS]


def programmes() -> list[ModuleType]:
    """The programme modules of :data:`PROGRAMMES` (they import their helpers as ``template_kit``)."""
    if str(TEMPLATES) not in sys.path:
        sys.path.insert(0, str(TEMPLATES))
    modules = []
    for name in PROGRAMMES:
        qualified = f"mentorflow_template_{name}"
        module = sys.modules.get(qualified)
        if module is None:
            spec = importlib.util.spec_from_file_location(qualified, TEMPLATES / f"{name}.py")
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[qualified] = module
            spec.loader.exec_module(module)
        modules.append(module)
    return modules


def compose(programme: ModuleType) -> Document:
    """One template: base, the programme's preparation, every fragment, the programme's customisation."""
    document = base()
    programme.prepare(document)
    extra = [importlib.import_module(f"mentorflow.plugins.{name}.workflow").extend
             for name in getattr(programme, "EXTRA_FRAGMENTS", ())]
    for extend in [*fragments(), *extra]:
        document = extend(document)
    programme.customise(document)
    return copy.deepcopy(document)


def render(document: Document) -> str:
    """The file text of a template: keys in composition order, two-space indent, UTF-8, final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def build() -> dict[str, str]:
    """Every template's file name and text, validated with the installed plugins."""
    from mentorflow.errors import ProblemsError
    from mentorflow.pluginmanager import build_plugin_manager
    from mentorflow.registry import make_loader

    loader = make_loader(build_plugin_manager())
    files: dict[str, str] = {}
    for programme in programmes():
        name = f"{programme.NAME}.json"
        document = compose(programme)
        try:
            loader.load(copy.deepcopy(document), name)
        except ProblemsError as error:
            problems = "\n".join(f"  {p.pointer or '/'}: {p.message}" for p in error.problems)
            raise SystemExit(f"{name} is not a valid workflow:\n{problems}") from None
        files[name] = render(document)
    return files


def differences(files: dict[str, str], folder: Path = OUTPUT) -> list[str]:
    """Why the templates in ``folder`` are not what :func:`build` makes (empty when they are)."""
    found = []
    for name, text in files.items():
        path = folder / name
        if not path.exists():
            found.append(f"{name} is missing")
        elif path.read_text("utf-8") != text:
            found.append(f"{name} differs from what the script generates")
    for path in sorted(folder.glob("*.json")):
        if path.name not in files:
            found.append(f"{path.name} is not generated by the script (add a programme module for it)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a template is out of date")
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        found = differences(files)
        for line in found:
            print(line, file=sys.stderr)
        if found:
            print(f"Regenerate the templates with: {COMMAND}", file=sys.stderr)
        return 1 if found else 0
    for name, text in files.items():
        (OUTPUT / name).write_text(text, "utf-8")
        print(f"wrote {(OUTPUT / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
