"""One plugin shape: the same job has the same file in every built-in plugin, as docs/architecture.md lists.

The table between ``<!-- plugin-shape:start -->`` and ``<!-- plugin-shape:end -->`` must say which plugin has
which file, and a plugin that implements a hook keeps that hook's work in the file the page names for it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mentorflow.pluginmanager import build_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / "plugins"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
BUILT_IN = sorted(p.name for p in PLUGINS.iterdir() if (p / "__init__.py").is_file())
FILE_FOR_HOOK = {
    "mentorflow_export_personal_data": "gdpr.py",
    "mentorflow_erase_personal_data": "gdpr.py",
    "mentorflow_purge_relationship_content": "gdpr.py",
    "mentorflow_migration_locations": "migrations",
    "mentorflow_check_workflow": "checks.py",
    "mentorflow_register_commands": "cli.py",
    "mentorflow_register_choices": "choices.py",
    "mentorflow_web_blueprints": "web.py",
    "mentorflow_page_panels": "panels.py",
    "mentorflow_history_labels": "history.py",
}
"""Hooks whose work lives in one named file (effects and guards may sit beside their feature: see the page)."""


def documented_table() -> dict[str, dict[str, bool]]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = text.split("<!-- plugin-shape:start -->", 1)[1].split("<!-- plugin-shape:end -->", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in block.strip().splitlines()]
    header, body = rows[0], rows[2:]
    return {row[0].strip("`"): {plugin: cell == "✓" for plugin, cell in zip(header[1:], row[1:], strict=True)}
            for row in body}


def test_the_documented_table_names_every_built_in_plugin() -> None:
    for file, plugins in documented_table().items():
        assert sorted(plugins) == BUILT_IN, f"the row for {file} does not list the plugins under plugins/"


def test_the_documented_table_matches_the_files() -> None:
    wrong = [f"{plugin}/{file}: the page says {'yes' if has else 'no'}"
             for file, plugins in documented_table().items() for plugin, has in plugins.items()
             if (PLUGINS / plugin / file.rstrip("/")).exists() != has]
    assert not wrong, "docs/architecture.md (one plugin shape) is out of date:\n" + "\n".join(wrong)


def test_models_and_migrations_come_together() -> None:
    for plugin in BUILT_IN:
        assert (PLUGINS / plugin / "models.py").exists() == (PLUGINS / plugin / "migrations").is_dir(), plugin


@pytest.mark.parametrize("plugin", BUILT_IN)
def test_a_hook_is_served_by_its_file(plugin: str) -> None:
    pm = build_plugin_manager()
    module = next(p for p in pm.get_plugins() if getattr(p, "__name__", "") == f"mentorflow.plugins.{plugin}")
    implemented = {name for name in dir(module) if name in FILE_FOR_HOOK}
    missing = sorted(f"{hook} -> {FILE_FOR_HOOK[hook]}" for hook in implemented
                     if not (PLUGINS / plugin / FILE_FOR_HOOK[hook]).exists())
    assert not missing, f"the {plugin} plugin implements hooks without their file: {missing}"


@pytest.mark.parametrize("plugin", [p for p in BUILT_IN if (PLUGINS / p / "gdpr.py").exists()])
def test_personal_data_is_wired_through_the_core_helper(plugin: str) -> None:
    """No plugin writes the export/erase/purge trio by hand again: one call of personal_data_hooks."""
    source = (PLUGINS / plugin / "__init__.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert not defined & set(list(FILE_FOR_HOOK)[:3]), f"{plugin}/__init__.py implements personal data by hand"
    assert re.search(r'personal_data_hooks\(f"\{__name__\}\.gdpr"\)', source)
