"""Integrations do not know plugins by name, and plugins do not import each other (an AST scan of every import).

The rule (docs/hooks.md, "What a plugin may import"): a plugin imports the core (``mentorflow``,
``mentorflow.<module>``), its own package, third-party libraries and the documented public API modules
in :data:`PUBLIC_API`; the web service and the Open edX XBlock import no plugin at all. Everything else a
plugin needs from another comes through a hook or a public core API. A plugin is every entry point of
the ``mentorflow`` group in pyproject.toml (built-in plugins and the integrations that are plugins).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"mentorflow.plugins": "plugins", "mentorflow.integrations": "integrations", "mentorflow": "core"}
PUBLIC_API = {"mentorflow.integrations.web.plugin_api"}
"""Modules of a plugin that other plugins may import, each documented as such."""
PLUGIN_FREE = ("mentorflow.integrations.web", "mentorflow.integrations.openedx", "mentorflow.integrations.shared")
"""Packages that may not import any ``mentorflow.plugins`` module (the web service, the XBlock and what they share)."""


def module_of(path: Path) -> str:
    """The dotted module name of a source file (setup.py maps core/ to mentorflow, plugins/ to mentorflow.plugins)."""
    relative = path.relative_to(ROOT)
    for package, folder in FOLDERS.items():
        if relative.parts[0] == folder:
            parts = [*package.split("."), *relative.with_suffix("").parts[1:]]
            return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    raise ValueError(path)


def imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """Every module ``path`` imports (relative imports resolved), and any module named in ``import_module("...")``."""
    module = module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8") if source is None else source, str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # "from package import module" imports the module too.
            found += [(node.lineno, base)] + [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            argument = node.args[0] if node.args else None
            if isinstance(argument, ast.JoinedStr) and argument.values:
                argument = argument.values[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.append((node.lineno, argument.value))
    return found


def plugin_roots() -> dict[str, str]:
    """Each plugin's entry-point name and the package its files live in."""
    entry_points = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["entry-points"]["mentorflow"]
    roots = {}
    for name, target in entry_points.items():
        module = target.split(":")[0]
        # A plugin module inside a package (mentorflow.integrations.web.plugin) speaks for the whole package.
        roots[name] = module.rpartition(".")[0] if module.endswith(".plugin") else module
    return roots


def inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def source_files() -> list[Path]:
    return sorted(p for folder in ("core", "plugins", "integrations") for p in (ROOT / folder).rglob("*.py")
                  if "migrations" not in p.parts)


FILES = source_files()
ROOTS = plugin_roots()


def violations(path: Path, source: str | None = None) -> list[str]:
    module = module_of(path)
    owner = next((root for root in sorted(ROOTS.values(), key=len, reverse=True) if inside(module, root)), None)
    out = []
    for line, imported in imports(path, source):
        where = f"{path.relative_to(ROOT)}:{line} imports {imported}"
        if any(inside(module, free) for free in PLUGIN_FREE) and inside(imported, "mentorflow.plugins") \
                and imported != "mentorflow.plugins":
            out.append(f"{where}: the web service and the XBlock know no plugin by name (use a hook)")
            continue
        if owner is None or imported in PUBLIC_API or any(inside(imported, api) for api in PUBLIC_API):
            continue
        other = next((root for root in sorted(ROOTS.values(), key=len, reverse=True)
                      if inside(imported, root) and root != owner and not inside(owner, root)), None)
        if other is not None:
            out.append(f"{where}: a plugin ({owner}) imports another plugin ({other}); use a hook or a public API")
    return out


def test_the_scan_sees_the_source() -> None:
    assert len(FILES) > 100 and {"matching", "web", "lti", "calendar", "meetings"} <= set(ROOTS)
    assert ROOTS["web"] == "mentorflow.integrations.web"
    assert (30, "mentorflow.plugins.goals.api") not in imports(ROOT / "integrations/web/pages.py")
    assert any(m == "mentorflow.plugins.matching.api" for _line, m in imports(ROOT / "plugins/matching/web.py"))


def test_the_scan_catches_a_by_name_import() -> None:
    """An import by name, a relative reach into another plugin and ``import_module`` all count."""
    probe = ROOT / "integrations" / "web" / "pages.py"
    source = ("import importlib\nfrom mentorflow.plugins.goals import api\nfrom ..lti import claims\n"
              "importlib.import_module(f'mentorflow.plugins.{name}.api')\n")
    found = {m for _line, m in imports(probe, source)}
    assert {"mentorflow.plugins.goals.api", "mentorflow.integrations.lti.claims", "mentorflow.plugins."} <= found
    lti = ROOT / "integrations" / "lti" / "api.py"
    assert violations(lti, "from mentorflow.integrations.web.auth import current_principal\n")
    assert not violations(lti, "from mentorflow.integrations.web.plugin_api import current_principal\n")
    assert violations(probe, source)
    calendar = ROOT / "plugins" / "calendar" / "events.py"
    assert violations(calendar, "from mentorflow.plugins.meetings.api import meetings\n")
    assert not violations(calendar, "from .feeds import uid_domain\nfrom mentorflow.meetings import MeetingRecord\n")


def test_no_integration_knows_a_plugin_and_no_plugin_imports_another() -> None:
    found = [v for path in FILES for v in violations(path)]
    assert not found, "\n".join(found)
