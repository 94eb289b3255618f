"""The documentation under docs/ stays true to the code.

Like datasette's ``test_plugin_hooks_are_documented``: every hookspec has a
section in docs/hooks.md whose heading lists its arguments, every example
workflow in the docs is accepted by the engine's loader, pasted diagrams are
what ``mentorflow diagram`` prints today, and links between pages resolve.
"""

from __future__ import annotations

import inspect
import json
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mentorflow import HOOKSPEC_VERSION, WorkflowInvalid, hookspecs
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.registry import make_loader
from mentorflow.schemas import template_paths
from mentorflow.workflow.diagram import to_dot, to_mermaid
from mentorflow.workflow.loader import WorkflowLoader, parse_document

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOOKS_MD = DOCS / "hooks.md"
WORKFLOWS_MD = DOCS / "workflows.md"
ARCHITECTURE_MD = DOCS / "architecture.md"
PAGES = sorted(DOCS.glob("*.md"))

FENCE = re.compile(r"^(`{3,})([\w+-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
HOOK_HEADING = re.compile(r"^(mentorflow_\w+)\(([^()]*)\)$")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


# -- reading Markdown -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """A fenced code block: its info-string language, text, and the line its fence opens on."""

    page: Path
    lang: str
    text: str
    line: int

    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@cache
def read(page: Path) -> str:
    return page.read_text("utf-8")


def blocks(page: Path, lang: str | None = None) -> list[Block]:
    text = read(page)
    found = [Block(page, m.group(2), m.group(3), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]
    return [b for b in found if lang is None or b.lang == lang]


def prose(text: str) -> str:
    """The text with fenced code blocks blanked out (offsets and line numbers are kept)."""
    return FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def headings(page: Path) -> list[tuple[int, str]]:
    """``(level, text)`` of every heading outside code blocks."""
    return [(len(m.group(1)), m.group(2)) for m in HEADING.finditer(prose(read(page)))]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading (lower case, punctuation dropped, spaces to hyphens)."""
    text = heading.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, text in headings(page):
        base = slug(text)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def sections(page: Path, level: int = 2) -> dict[str, str]:
    """Heading text to the Markdown under it, up to the next heading of the same or a higher level."""
    text = read(page)
    masked = prose(text)
    marks = [(m.start(), m.end(), len(m.group(1)), m.group(2)) for m in HEADING.finditer(masked)]
    out = {}
    for i, (_, end, lvl, title) in enumerate(marks):
        if lvl != level:
            continue
        stop = next((s for s, _, lv, _ in marks[i + 1:] if lv <= level), len(text))
        out[title] = text[end:stop]
    return out


# -- the hookspecs ----------------------------------------------------------------------------------

def hookspec_functions() -> dict[str, Callable[..., Any]]:
    """Every hookspec in mentorflow.hookspecs, in definition order."""
    found = [(name, fn) for name, fn in vars(hookspecs).items()
             if inspect.isfunction(fn) and getattr(fn, f"{hookspecs.PROJECT}_spec", None) is not None]
    return dict(found)


HOOKS = hookspec_functions()


def spec_arguments(name: str) -> list[str]:
    return list(inspect.signature(HOOKS[name]).parameters)


def documented_hooks() -> dict[str, list[str]]:
    """Hook headings of docs/hooks.md: name to the argument names written in the parentheses."""
    out: dict[str, list[str]] = {}
    for _, text in headings(HOOKS_MD):
        match = HOOK_HEADING.match(text.replace("`", "").strip())
        if match:
            args = [a.strip() for a in match.group(2).split(",") if a.strip()]
            assert match.group(1) not in out, f"docs/hooks.md documents {match.group(1)} twice"
            out[match.group(1)] = args
    return out


def hook_section(name: str) -> str:
    for title, body in sections(HOOKS_MD).items():
        match = HOOK_HEADING.match(title.replace("`", "").strip())
        if match and match.group(1) == name:
            return body
    pytest.fail(f"docs/hooks.md has no section '## {name}(...)'")


def test_there_are_hookspecs_to_check() -> None:
    assert len(HOOKS) >= 10, sorted(HOOKS)


@pytest.mark.parametrize("name", list(HOOKS))
def test_hookspec_is_documented_with_its_arguments(name: str) -> None:
    expected = f"## {name}({', '.join(spec_arguments(name))})"
    documented = documented_hooks()
    assert name in documented, (
        f"docs/hooks.md has no section for the hookspec {name}; add a heading exactly like\n    {expected}")
    assert documented[name] == spec_arguments(name), (
        f"docs/hooks.md documents {name}({', '.join(documented[name])}) but the hookspec takes "
        f"({', '.join(spec_arguments(name))}); the heading should read\n    {expected}")


@pytest.mark.parametrize("name", list(HOOKS))
def test_hookspec_has_a_docstring(name: str) -> None:
    doc = inspect.getdoc(HOOKS[name]) or ""
    assert doc.strip(), f"the hookspec {name} in core/hookspecs.py has no docstring"


def test_no_heading_names_a_hook_that_does_not_exist() -> None:
    unknown = []
    for level, text in headings(HOOKS_MD):
        stripped = text.replace("`", "").strip()
        if not stripped.startswith("mentorflow_"):
            continue
        match = HOOK_HEADING.match(stripped)
        if match is None:
            unknown.append(f"{'#' * level} {text}  (not written as name(arguments))")
        elif match.group(1) not in HOOKS:
            unknown.append(f"{'#' * level} {text}  (no such hookspec in mentorflow.hookspecs)")
        elif level != 2:
            unknown.append(f"{'#' * level} {text}  (hook sections are level-2 headings)")
    assert not unknown, "docs/hooks.md has hook headings that do not match a hookspec:\n" + "\n".join(unknown)


@pytest.mark.parametrize("name", list(HOOKS))
def test_hook_section_states_firstresult_and_historic(name: str) -> None:
    options = getattr(HOOKS[name], f"{hookspecs.PROJECT}_spec")
    body = hook_section(name)
    for option in ("firstresult", "historic"):
        expected = f"**{option}:** {'yes' if options.get(option) else 'no'}"
        assert expected in body, f"the section of {name} in docs/hooks.md should say {expected!r}"


@pytest.mark.parametrize("name", list(HOOKS))
def test_hook_example_implements_the_hook(name: str) -> None:
    """Each section's example is a plugin module mentorflow loads, implementing that hook."""
    examples = [m.group(3) for m in FENCE.finditer(hook_section(name)) if m.group(2) == "python"]
    assert examples, f"the section of {name} in docs/hooks.md has no ```python example"
    module = types.ModuleType(f"docs_example_{name}")
    exec(compile("\n".join(examples), f"docs/hooks.md ({name} example)", "exec"), module.__dict__)
    pm = build_plugin_manager([(module.__name__, module)], load_entrypoints=False)
    implemented = {caller.name for caller in pm.get_hookcallers(module) or ()}
    assert name in implemented, f"the example of {name} in docs/hooks.md does not implement {name}"


def test_hookspec_version_has_a_changelog_row() -> None:
    rows = re.findall(r"^\|\s*(\d+)\s*\|", prose(read(HOOKS_MD)), re.MULTILINE)
    assert str(HOOKSPEC_VERSION) in rows, (
        f"HOOKSPEC_VERSION is {HOOKSPEC_VERSION}: add a row '| {HOOKSPEC_VERSION} | what changed |' to the "
        "table under 'Hook versions' in docs/hooks.md")


# -- example workflows and code -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def loader() -> WorkflowLoader:
    return make_loader(build_plugin_manager())


def full_workflows(page: Path) -> list[tuple[Block, dict[str, Any]]]:
    """The ```json blocks of a page that hold a whole workflow (they have "states")."""
    out = []
    for block in blocks(page, "json"):
        try:
            document = json.loads(block.text)
        except json.JSONDecodeError:
            continue  # test_json_block_parses reports it
        if isinstance(document, dict) and "states" in document:
            out.append((block, document))
    return out


JSON_BLOCKS = [b for page in PAGES for b in blocks(page, "json")]
WORKFLOW_BLOCKS = [block for page in PAGES for block, _ in full_workflows(page)]
PYTHON_BLOCKS = [b for page in PAGES for b in blocks(page, "python")]


def test_workflows_page_has_a_full_example() -> None:
    assert full_workflows(WORKFLOWS_MD), "docs/workflows.md should show at least one complete workflow"


@pytest.mark.parametrize("block", JSON_BLOCKS, ids=lambda b: b.where())
def test_json_block_parses(block: Block) -> None:
    try:
        json.loads(block.text)
    except json.JSONDecodeError as error:
        pytest.fail(f"the ```json block at {block.where()} is not JSON: {error} (use ```jsonc or ```text "
                    "for anything that is not)")


@pytest.mark.parametrize("block", WORKFLOW_BLOCKS, ids=lambda b: b.where())
def test_json_workflow_is_valid(block: Block, loader: WorkflowLoader) -> None:
    try:
        loader.load(parse_document(block.text, block.where()), block.where())
    except WorkflowInvalid as invalid:
        problems = invalid.problems
    else:
        return
    pytest.fail(f"the workflow at {block.where()} is not valid:\n" + "\n".join(f"  {p}" for p in problems))


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.where())
def test_python_block_compiles(block: Block) -> None:
    try:
        compile(block.text, block.where(), "exec")
    except SyntaxError as error:
        pytest.fail(f"the ```python block at {block.where()} does not compile: {error}")


def _mermaid_after(page: Path, line: int) -> Block:
    following = [b for b in blocks(page, "mermaid") if b.line > line]
    assert following, f"{page.relative_to(ROOT)} has no ```mermaid block after line {line}"
    return following[0]


def test_default_lifecycle_diagram_is_current(loader: WorkflowLoader) -> None:
    workflow = loader.load(parse_document(template_paths()["default"].read_bytes(), "default.json"))
    shown = _mermaid_after(ARCHITECTURE_MD, 0)
    assert shown.text == to_mermaid(workflow), (
        f"the diagram at {shown.where()} is out of date; replace it with the output of\n"
        "    mentorflow diagram schemas/programmes/default.json")


def test_example_workflow_diagrams_are_current(loader: WorkflowLoader) -> None:
    block, document = full_workflows(WORKFLOWS_MD)[0]
    problems = loader.check(document)
    assert not problems, f"the example at {block.where()} is not valid (see test_json_workflow_is_valid)"
    workflow = loader.load(document)
    shown = _mermaid_after(WORKFLOWS_MD, block.line)
    assert shown.text == to_mermaid(workflow), (
        f"the diagram at {shown.where()} no longer matches the example at {block.where()}; paste the output "
        "of `mentorflow diagram` for it")
    command = f"$ mentorflow diagram --format dot {workflow.id}.json\n"
    dots = [b for b in blocks(WORKFLOWS_MD, "text") if b.text.startswith(command)]
    assert dots, f"docs/workflows.md should show the output of `{command.strip()[2:]}`"
    assert dots[0].text.removeprefix(command) == to_dot(workflow), (
        f"the DOT output at {dots[0].where()} is out of date; paste the output of `{command.strip()[2:]}`")


# -- links ----------------------------------------------------------------------------------------------

def links(page: Path) -> list[tuple[int, str]]:
    text = prose(read(page))
    text = re.sub(r"`[^`\n]*`", lambda m: " " * len(m.group(0)), text)  # links inside inline code are text
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in LINK.finditer(text)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for line, target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        path, _, fragment = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        where = f"{page.relative_to(ROOT)}:{line}: ({target})"
        if not destination.exists():
            broken.append(f"{where} {path} does not exist")
        elif fragment and destination.suffix == ".md" and fragment not in anchors(destination):
            broken.append(f"{where} {destination.name} has no heading with the anchor #{fragment}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_index_links_every_page() -> None:
    linked = {Path(target.partition("#")[0]).name for _, target in links(DOCS / "index.md")}
    missing = [p.name for p in PAGES if p.name != "index.md" and p.name not in linked]
    assert not missing, f"docs/index.md does not link {', '.join(missing)}"
