"""MkDocs hooks (``mkdocs.yml``: ``hooks:``): publish the README and the repository files the docs link to.

The pages under docs/ link to files outside it (``../README.md``,
``../schemas/workflow.schema.json``, ``../deploy/systemd/``), which is right
on GitHub and in an editor but outside what MkDocs builds. So that
``mkdocs build --strict`` passes with every link working:

- the README becomes the page ``readme.md`` (its ``docs/x.md`` links made
  relative to the site);
- every other linked file is copied into the site under ``repo/`` as it is,
  and a linked folder gets a generated page listing its files;
- links are rewritten to those copies while the pages are built; the
  Markdown files themselves stay as they are.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files, InclusionLevel

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = re.compile(r"(\]\()\.\./([^)\s#]+)")
README_LINK = re.compile(r"(\]\()(?!https?:|mailto:|#)([^)\s#]+)")


def _targets(docs_dir: Path) -> set[str]:
    found = set()
    for page in docs_dir.glob("*.md"):
        for match in OUTSIDE.finditer(page.read_text("utf-8")):
            found.add(match.group(2))
    for match in README_LINK.finditer((ROOT / "README.md").read_text("utf-8")):
        if not match.group(2).startswith("docs/"):
            found.add(match.group(2))
    return {t for t in found if t != "README.md" and (ROOT / t).exists()}


def _add(files: Files, file: File) -> None:
    if files.get_file_from_path(file.src_uri) is None:  # a file linked both alone and with its folder
        files.append(file)


def on_files(files: Files, config: Any) -> Files:
    files.append(File.generated(config, "readme.md", abs_src_path=str(ROOT / "README.md")))
    for target in sorted(_targets(Path(config["docs_dir"]))):
        path = ROOT / target
        if path.is_dir():
            listing = [f"# {target.rstrip('/')}/", "",
                       f"Files of the folder `{target.rstrip('/')}` of the mentorflow repository:", ""]
            for child in sorted(p for p in path.iterdir() if p.is_file()):
                _add(files, File.generated(config, f"repo/{target.rstrip('/')}/{child.name}",
                                           abs_src_path=str(child)))
                listing.append(f"- [{child.name}]({child.name})")
            files.append(File.generated(config, f"repo/{target.rstrip('/')}/index.md",
                                        content="\n".join(listing) + "\n", inclusion=InclusionLevel.NOT_IN_NAV))
        else:
            _add(files, File.generated(config, f"repo/{target}", abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if page.file.src_uri == "readme.md":
        return README_LINK.sub(lambda m: m.group(1) + (m.group(2).removeprefix("docs/") if m.group(2).startswith(
            "docs/") else "repo/" + m.group(2)), markdown)
    if page.file.src_uri.startswith("repo/"):
        return markdown

    def rewrite(match: re.Match[str]) -> str:
        target = match.group(2)
        if target == "README.md":
            return match.group(1) + "readme.md"
        return match.group(1) + "repo/" + (target + "index.md" if target.endswith("/") else target)

    return OUTSIDE.sub(rewrite, markdown)
