"""The documentation site builds with MkDocs (Material theme) in strict mode, and its nav covers every page.

``mkdocs`` and ``mkdocs-material`` are in the ``dev`` extra, so CI builds the site on every run;
``tox -e docs`` builds it on its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def nav_pages(nav: list) -> set[str]:  # type: ignore[type-arg]
    found: set[str] = set()
    for item in nav:
        for value in (item.values() if isinstance(item, dict) else [item]):
            found |= nav_pages(value) if isinstance(value, list) else {value}
    return found


def test_the_nav_lists_every_page_and_the_readme() -> None:
    config = pytest.importorskip("mkdocs.config", reason="mkdocs is not installed (it is in the dev extra)")
    loaded = config.load_config(str(ROOT / "mkdocs.yml"))
    pages = nav_pages(loaded["nav"])
    missing = sorted(p.name for p in DOCS.glob("*.md") if p.name not in pages)
    assert not missing, f"mkdocs.yml's nav does not list {', '.join(missing)}"
    assert "readme.md" in pages, "the README is part of the site (scripts/mkdocs_hooks.py publishes it)"


def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (it is in the dev extra)")
    pytest.importorskip("material", reason="mkdocs-material is not installed (it is in the dev extra)")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"^WARNING", result.stderr, re.MULTILINE), result.stderr
    for page in [p.stem for p in DOCS.glob("*.md") if p.name != "index.md"] + ["readme"]:
        assert (site / page / "index.html").exists(), f"the site has no page for {page}"
    home = (site / "index.html").read_text("utf-8")
    assert 'href="readme/"' in home, "docs/index.md's link to the README leads to the README page"
    assert (site / "repo" / "schemas" / "workflow.schema.json").exists(), "linked repository files are published"
    tutorial = (site / "tutorial-plugin" / "index.html").read_text("utf-8")
    assert "mentorflow_weekdays/__init__.py" in tutorial, "code block titles are rendered"
    assert 'class="mermaid"' in (site / "architecture" / "index.html").read_text("utf-8")


def test_the_readme_links_the_documentation() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for page in ("docs/index.md", "docs/tutorial-plugin.md", "docs/testing-plugins.md", "docs/workflows.md",
                 "docs/hooks.md"):
        assert f"]({page})" in readme, f"README.md should link {page}"
