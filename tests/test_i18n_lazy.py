"""Text is translated when it is shown, never frozen when a module is imported (#19).

An AST scan of every mentorflow source file refuses a ``_()``/``ngettext()``
call that runs at import time (module level, class body, decorator or default
argument); such text is marked with ``_lazy()``. The command line and the
XBlock's field labels then follow the locale in force when they are shown,
in one process, after every module is already imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mentorflow.cli import cli
from mentorflow.cli_help import LocalizedHelp
from mentorflow.i18n import LazyString, _lazy, set_locale

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("core", "plugins", "integrations")
EAGER = frozenset({"_", "ngettext"})


@pytest.fixture(autouse=True)
def _reset_locale() -> Iterator[None]:
    yield
    set_locale(None)


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    """``_()``/``ngettext()`` calls in ``node`` that run when it is evaluated (not inside a lambda)."""
    if isinstance(node, ast.Lambda):
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in EAGER:
        yield node
    for child in ast.iter_child_nodes(node):
        yield from _calls(child)


def _import_time_calls(tree: ast.Module) -> Iterator[ast.Call]:
    """Calls in code that runs on import: module and class bodies, decorators and defaults, not function bodies."""
    def walk(body: list[ast.stmt]) -> Iterator[ast.Call]:
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = statement.args
                for expression in [*statement.decorator_list, *arguments.defaults,
                                   *(d for d in arguments.kw_defaults if d is not None)]:
                    yield from _calls(expression)
            elif isinstance(statement, ast.ClassDef):
                for expression in [*statement.decorator_list, *statement.bases, *statement.keywords]:
                    yield from _calls(expression)
                yield from walk(statement.body)
            else:
                # if/try/with/for at module level run on import too: scan them whole, except nested defs.
                for child in ast.iter_child_nodes(statement):
                    if isinstance(child, ast.stmt):
                        yield from walk([child])
                    else:
                        yield from _calls(child)
    yield from walk(tree.body)


def _sources() -> list[Path]:
    return sorted(p for folder in SOURCES for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def test_no_translation_runs_at_import_time() -> None:
    found = [f"{path.relative_to(ROOT)}:{call.lineno}"
             for path in _sources() for call in _import_time_calls(ast.parse(path.read_text("utf-8")))]
    assert found == [], "mark import-time text with _lazy(), not _(): " + ", ".join(found)


def test_the_scan_finds_an_import_time_call() -> None:
    source = ("import click\nX = _('a')\nclass A:\n    label = _('b')\n    def f(self):\n        return _('ok')\n"
              "@click.option('--x', help=_('c'))\ndef g(y=ngettext('d', 'e', 2), z=lambda: _('ok')):\n"
              "    return _('ok')\nif True:\n    Y = _('f')\n")
    assert [c.args[0].value for c in _import_time_calls(ast.parse(source))] == ["a", "b", "c", "d", "f"]


def test_a_lazy_string_translates_in_the_locale_at_use() -> None:
    label = _lazy("Display name")
    set_locale("da")
    assert str(label) == "Visningsnavn" and f"{label}:" == "Visningsnavn:"
    set_locale("en")
    assert str(label) == "Display name" and label.msgid == "Display name"
    assert isinstance(label, str) and label == "Display name"  # stored and compared as its message id


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_line_help_follows_locale_in_one_process() -> None:
    # Everything is imported before the first run: nothing may be frozen in the language of the import.
    assert "Sprog for meddelelser" in _help("--locale", "da", "--help")
    english = _help("--locale", "en", "--help")
    assert "Language of messages" in english and "Sprog" not in english
    assert "maskinlæsbare resultater" in _help("--locale", "da", "validate", "--help")
    assert "machine-readable results" in _help("--locale", "en", "validate", "--help")
    # A sub-command of a plugin's group, with click's own suffix kept after the translation.
    rotate = _help("--locale", "da", "lti", "keys", "rotate", "--help")
    assert "Antal dage, den gamle nøgle" in rotate and "[default: 7" in rotate
    assert "Days the old key stays" in _help("--locale", "en", "lti", "keys", "rotate", "--help")
    assert "Sprog for meddelelser" in _help("--locale", "da", "--help")


def _commands(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path} {name}")


def test_every_command_translates_its_option_help() -> None:
    with click.Context(cli) as ctx:
        cli.list_commands(ctx)  # loads the plugins' commands
    plain = [path for path, command in _commands(cli, "mentorflow") if not isinstance(command, LocalizedHelp)]
    assert plain == [], "use LocalizedCommand/LocalizedGroup (mentorflow.cli_help) for " + ", ".join(plain)


def test_xblock_field_labels_render_in_the_locale_shown() -> None:
    pytest.importorskip("xblock")
    from mentorflow.integrations.openedx.block import MentorflowXBlock

    field = MentorflowXBlock.fields["display_name"]
    assert isinstance(field.display_name, LazyString)
    set_locale("da")
    assert str(field.display_name) == "Visningsnavn"
    assert str(MentorflowXBlock.fields["programme_key"].display_name) == "Programnøgle"
    set_locale("en")
    assert str(field.display_name) == "Display name"
    assert str(field.help) == "The component's name in the course outline."
