"""The ``mentorflow`` command line.

Exit codes: 0 success, 1 an internal error (a bug), 2 anything the user
can fix (bad input, bad configuration), always with a plain message and
never a traceback.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from mentorflow.cli_help import LOCALE, LocalizedGroup
from mentorflow.errors import MentorflowError, ProblemsError, UserError, WorkflowInvalid
from mentorflow.i18n import _, _lazy, set_locale

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str) -> NoReturn:
    click.echo(click.style(_("Error: "), fg="red", bold=True) + message, err=True)
    sys.exit(2)


QUOTE_LIMIT = 100


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _compact(node: Any, depth: int) -> str:
    """JSON text of ``node`` with containers deeper than ``depth`` written as ``{…}`` or ``[…]``."""
    if isinstance(node, dict):
        if depth <= 0:
            return "{…}" if node else "{}"
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_compact(v, depth - 1)}"
                               for k, v in node.items()) + "}"
    if isinstance(node, list):
        if depth <= 0:
            return "[…]" if node else "[]"
        return "[" + ", ".join(_compact(v, depth - 1) for v in node) + "]"
    return json.dumps(node, ensure_ascii=False)


def _quote(document: Any, pointer: str) -> str | None:
    """The JSON found at ``pointer`` in ``document``, for showing beside a problem.

    A long object or list keeps its outline (its keys, and short values)
    with deeper levels elided, so ``found:`` still says which item it is.
    """
    node = document
    for part in _pointer_parts(pointer):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    for depth in (3, 2):
        text = _compact(node, depth)
        if len(text) <= QUOTE_LIMIT:
            return text
    # An object keeps its keys (its outline); a list keeps its first items.
    text = _compact(node, 1 if isinstance(node, dict) else 2)
    return text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT - 1] + "…"


def _found(document: Any, pointer: str) -> str | None:
    """:func:`_quote` safe to print: an unpaired surrogate (a problem of its own) is shown as its escape."""
    from mentorflow.text import printable

    quoted = _quote(document, pointer) if document is not None else None
    return printable(quoted) if quoted is not None else None


_SPACE = re.compile(r"[ \t\n\r]*")


def _locate(text: str, pointer: str) -> tuple[int, int] | None:
    """Line and column (1-based, in characters) where the value at ``pointer`` starts in JSON ``text``.

    Walks the text itself (the parsed document has no positions), skipping
    values it does not descend into with the JSON decoder; with duplicate
    keys the last one counts, as when parsing. None when there is no value.
    """
    decoder = json.JSONDecoder()

    def skip(i: int) -> int:
        match = _SPACE.match(text, i)
        assert match is not None  # "[ \t\n\r]*" matches the empty string too
        return match.end()

    try:
        i = skip(0)
        for part in _pointer_parts(pointer):
            if text[i] == "{":
                found, i = None, skip(i + 1)
                while text[i] != "}":
                    # scanstring is json.decoder's own string scanner; typeshed does not declare it.
                    key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                    i = skip(skip(i) + 1)  # the ':'
                    if key == part:
                        found = i
                    i = skip(decoder.raw_decode(text, i)[1])
                    if text[i] == ",":
                        i = skip(i + 1)
                if found is None:
                    return None
                i = found
            elif text[i] == "[" and part.isdigit():
                i, index = skip(i + 1), 0
                while text[i] != "]" and index < int(part):
                    i = skip(decoder.raw_decode(text, i)[1])
                    if text[i] == ",":
                        i = skip(i + 1)
                    index += 1
                if text[i] == "]":
                    return None
            else:
                return None
    except (ValueError, IndexError):
        return None
    return text.count("\n", 0, i) + 1, i - text.rfind("\n", 0, i)


def _nearest(text: str, pointer: str) -> tuple[int, int]:
    """Line and column of the value at ``pointer``, else of its nearest ancestor that is in ``text``.

    A missing key is thus shown at the object that lacks it, and a pointer a
    plugin made into what it adds to the document at the part that is there.
    """
    parts = pointer.split("/")  # escaped tokens: each prefix is the pointer of an ancestor
    for end in range(len(parts), 0, -1):
        where = _locate(text, "/".join(parts[:end]))
        if where is not None:
            return where
    return (1, 1)


def _syntax_position(raw: bytes) -> tuple[int, int]:
    """Where a document that could not be parsed goes wrong (1:1 when it is the whole document: size, NaN)."""
    try:
        json.loads(raw.decode(json.detect_encoding(raw)))
    except json.JSONDecodeError as error:
        return error.lineno, error.colno
    except UnicodeDecodeError as error:  # the column is then counted in bytes
        return raw.count(b"\n", 0, error.start) + 1, error.start - raw.rfind(b"\n", 0, error.start)
    except (ValueError, RecursionError):
        pass
    return 1, 1


def problem_positions(raw: bytes, pointers: list[str], parsed: bool) -> dict[str, tuple[int, int]]:
    """File line and column (1-based) for each problem's pointer into the JSON document ``raw``."""
    if not parsed:
        where = _syntax_position(raw)
        return {p: where for p in pointers}
    text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    return {p: _nearest(text, p) for p in pointers}


class MentorflowGroup(LocalizedGroup):
    """Adds plugin commands and turns mentorflow's user errors into exit code 2."""

    plugin_commands_loaded: bool = False
    """Whether the plugins' commands have been added to this group (set on the instance when they are)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        _load_plugin_commands(self)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        # Built-in commands first: running one need not import every plugin (faster, and a
        # plugin cannot replace a built-in command by registering the same name).
        command = super().get_command(ctx, name)
        if command is None:
            _load_plugin_commands(self)
            command = super().get_command(ctx, name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WorkflowInvalid:
            raise
        except UserError as error:
            _fail(error.message)
        except MentorflowError as error:
            click.echo(_("Internal error: {error}").format(error=error.message), err=True)
            sys.exit(1)
        except (OperationalError, ProgrammingError) as error:
            # The user's database, not our code: never set up, out of date, or unreachable.
            _fail(_database_problem(error))


MISSING_TABLE = re.compile(r"no such table|relation \S+ does not exist|UndefinedTable", re.IGNORECASE)


def _database_problem(error: OperationalError | ProgrammingError) -> str:
    """What a command that met a database error tells its user (the driver's first line, no traceback)."""
    detail = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    if MISSING_TABLE.search(str(error.orig)):
        return _("The database is not set up for this command ({detail}): run `mentorflow db upgrade` first, with "
                 "the same --database-url or MENTORFLOW_DATABASE_URL.").format(detail=detail)
    return _("The database could not be used: {detail}").format(detail=detail)


def _load_plugin_commands(group: MentorflowGroup) -> None:
    """Add the plugins' commands to ``group`` once (a flag on the group: another group built gets its own)."""
    if group.plugin_commands_loaded:
        return
    group.plugin_commands_loaded = True
    from mentorflow.pluginmanager import build_plugin_manager

    built_in = dict(group.commands)
    try:
        build_plugin_manager().hook.mentorflow_register_commands(cli=group)
    except UserError as error:
        _fail(error.message)
    # A plugin adds commands; it cannot replace a built-in one (get_command finds built-ins first too).
    group.commands.update(built_in)


def _locale_first(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # Eager, so ``mentorflow --locale da --help`` already shows the help in Danish.
    set_locale(value)
    return value


@click.group(cls=MentorflowGroup, context_settings=CONTEXT)
@click.option("--locale", type=LOCALE, is_eager=True, callback=_locale_first,
              help=_lazy("Language of messages (default: from the environment)."))
@click.version_option(package_name="mentorflow")
def cli(locale: str | None) -> None:
    """mentorflow: workflows for mentoring programmes."""
    set_locale(locale)


def _engine(database_url: str | None, **kwargs: Any) -> Any:
    from mentorflow.engine import Engine

    return Engine(database_url, **kwargs)


DATABASE = click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", metavar="URL",
                        help=_lazy("SQLAlchemy database URL (default: sqlite:///mentorflow.db; env "
                               "MENTORFLOW_DATABASE_URL)."))


@cli.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=_lazy("json gives machine-readable results for CI."))
def validate(files: tuple[Path, ...], output: str) -> None:
    """Validate workflow (programme) files; every problem is reported with its JSON pointer."""
    from mentorflow.pluginmanager import build_plugin_manager
    from mentorflow.registry import make_loader
    from mentorflow.workflow.loader import parse_document

    loader = make_loader(build_plugin_manager())
    results: list[dict[str, Any]] = []
    failed = False
    for path in files:
        document: Any = None
        raw = b""
        try:
            try:
                raw = path.read_bytes()
            except OSError as error:
                raise UserError(_("Cannot read {path}: {error}").format(path=path, error=error.strerror)) from None
            document = parse_document(raw, str(path))
            loader.load(document, str(path))
            results.append({"file": str(path), "valid": True, "problems": []})
        except ProblemsError as error:
            failed = True
            where = problem_positions(raw, [p.pointer for p in error.problems], document is not None)
            results.append({"file": str(path), "valid": False, "problems": [
                {**p.as_dict(), "found": _found(document, p.pointer),
                 "line": where[p.pointer][0], "column": where[p.pointer][1]}
                for p in error.problems]})
        except UserError as error:  # the file cannot be read: there is no line to point at
            failed = True
            results.append({"file": str(path), "valid": False, "problems": [
                {"pointer": "", "message": error.message, "source": str(path), "found": None, "line": None,
                 "column": None}]})
    if output == "json":
        click.echo(json.dumps({"valid": not failed, "files": results}, ensure_ascii=False, indent=2))
    else:
        for result in results:
            if result["valid"]:
                click.echo(_("{file}: valid").format(file=result["file"]))
                continue
            click.echo(_("{file}: {n} problem(s)").format(file=result["file"], n=len(result["problems"])), err=True)
            for problem in result["problems"]:
                click.echo(f"  {problem['pointer'] or '/'}: {problem['message']}", err=True)
                if problem.get("found"):
                    click.echo("      " + _("found: {value}").format(value=problem["found"]), err=True)
                if problem["line"] is not None:
                    click.echo("      " + _("at {file}:{line}:{column}").format(
                        file=result["file"], line=problem["line"], column=problem["column"]), err=True)
    if failed:
        sys.exit(2)


def _load_one(path: Path) -> Any:
    from mentorflow.pluginmanager import build_plugin_manager
    from mentorflow.registry import make_loader
    from mentorflow.workflow.loader import load_workflow_file

    try:
        return load_workflow_file(path, make_loader(build_plugin_manager()))
    except WorkflowInvalid as error:
        _fail(str(error))


@cli.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output", type=click.Choice(["mermaid", "dot", "svg", "png"]), default="mermaid",
              show_default=True, help=_lazy("svg and png are drawn by Graphviz (the 'dot' program)."))
@click.option("--output", "-o", "target", type=click.Path(dir_okay=False, path_type=Path),
              help=_lazy("Write the diagram to this file instead of standard output."))
@click.option("--locale", "label_locale", type=LOCALE, help=_lazy("Language of the labels."))
def diagram(file: Path, output: str, target: Path | None, label_locale: str | None) -> None:
    """Print the workflow's state diagram as Mermaid text or Graphviz DOT, or draw it as an SVG or PNG image."""
    from mentorflow.workflow.diagram import render_image, to_dot, to_mermaid

    workflow = _load_one(file)
    if output in ("svg", "png"):
        if target is None and output == "png" and sys.stdout.isatty():
            raise UserError(_("A PNG image is not for a terminal: give --output FILE."))
        body = render_image(workflow, output, label_locale)
    else:
        body = (to_dot if output == "dot" else to_mermaid)(workflow, label_locale).encode("utf-8")
    if target is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return
    try:
        target.write_bytes(body)
    except OSError as error:
        raise UserError(_("Cannot write {path}: {error}").format(path=target, error=error.strerror)) from None
    click.echo(_("Wrote {path}").format(path=target), err=True)


@cli.group(context_settings=CONTEXT)
def db() -> None:
    """Manage the database schema."""


@db.command(context_settings=CONTEXT)
@DATABASE
def upgrade(database_url: str | None) -> None:
    """Apply all pending migrations (core and plugins)."""
    try:
        revisions = _engine(database_url).upgrade_database()
    except UserError:
        raise
    except Exception as error:  # connection refused, permissions: the user's environment
        raise UserError(_("Could not upgrade the database: {error}").format(error=error)) from None
    click.echo(_("Database is at revision(s): {revs}").format(revs=", ".join(revisions)))


@cli.command(context_settings=CONTEXT)
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def plugins(output: str) -> None:
    """List loaded plugins and the hooks each implements."""
    from mentorflow.pluginmanager import build_plugin_manager

    rows = build_plugin_manager().plugin_list()
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        origin = row["distribution"] or row["module"]
        needs = "  " + _("needs {extras}").format(extras=", ".join(row["needs"])) if row["needs"] else ""
        click.echo(f"{row['name']}  ({origin}){needs}")
        for hook in row["hooks"]:
            click.echo(f"    {hook}")


@cli.command(context_settings=CONTEXT)
def templates() -> None:
    """List the programme templates: the built-in ones and those plugins offer."""
    from mentorflow.i18n import localized
    from mentorflow.pluginmanager import build_plugin_manager
    from mentorflow.registry import programme_templates
    from mentorflow.workflow.loader import parse_document

    for name, path in programme_templates(build_plugin_manager()).items():
        doc = parse_document(path.read_bytes(), name)
        click.echo(f"{name:<24} {localized(doc['programme']['name'])}")


@cli.command(context_settings=CONTEXT)
@click.option("--database", "database", type=click.Path(dir_okay=False, path_type=Path),
              help=_lazy("SQLite file to create (default: a new temporary file). Must not exist yet."))
def demo(database: Path | None) -> None:
    """Run one relationship through the whole lifecycle on a fresh SQLite file and print its timeline."""

    from mentorflow.demo import run_demo

    if database is not None:
        if database.exists():
            raise UserError(_("{path} already exists; the demo needs a fresh file.").format(path=database))
        if not database.resolve().parent.is_dir():
            raise UserError(_("Cannot create {path}: the folder {folder} does not exist.").format(
                path=database, folder=database.resolve().parent))
        try:
            run_demo(f"sqlite:///{database.resolve()}", click.echo)
        except OperationalError as error:  # a read-only folder, a full disk: the user's environment
            raise UserError(_("Could not create the demo database {path}: {error}").format(
                path=database, error=error.orig or error)) from None
        click.echo(_("Database: {path}").format(path=database))
        return
    with tempfile.TemporaryDirectory(prefix="mentorflow-demo-") as folder:
        run_demo(f"sqlite:///{Path(folder) / 'demo.db'}", click.echo)


from mentorflow.gdpr_cli import gdpr  # noqa: E402 (commands are defined above)
from mentorflow.retention_cli import retention  # noqa: E402
from mentorflow.tenancy_cli import programmes  # noqa: E402

cli.add_command(gdpr)
cli.add_command(retention)
cli.add_command(programmes)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(standalone_mode=True)
    except WorkflowInvalid as error:
        _fail(str(error))


if __name__ == "__main__":
    main()
