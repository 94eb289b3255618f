"""The coordinator dashboard's tables as downloads: CSV (streamed) and XLSX.

Every table the dashboard shows exports: the relationships (all of them, the
table's filter, or a selection), the overdue duties (all, not only the most
overdue the page lists), the relationships per stage and the reflections per
week. A programme that is not pairs (a group, a circle, co-mentoring: issue #18) counts
relationships and members separately and says which in the column names: its relationships table has
one column per member role (every current member's name, ``; `` between them) and a ``members`` count,
and its stages table a ``members`` column beside ``relationships`` (see ``docs/figures.md``).

Who may download is checked by the caller (a coordinator of the
programme, :func:`mentorflow.policy.coordinator_for`); the rows hold only what
the dashboard shows a coordinator: names, stages, dates and counts, never
relationship content.

CSV cells go through :func:`mentorflow.csvcells.safe_row` (a name such as
``=HYPERLINK(...)`` is not run by a spreadsheet). The CSV is a generator:
relationships are read :data:`EXPORT_BATCH` at a time, so memory stays flat
however many a programme holds. XLSX is written by XlsxWriter in its
constant-memory mode to an anonymous temporary file, then streamed; its text
cells are written as strings (``strings_to_formulas`` off), which a
spreadsheet never evaluates, so they need no quote prefix.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Response
from sqlalchemy import func, select

from mentorflow.csvcells import safe_row
from mentorflow.db.models import Relationship, RelationshipMember
from mentorflow.engine import Engine
from mentorflow.i18n import get_locale, set_locale
from mentorflow.members import Format
from mentorflow.snapshots import RelationshipSnapshot

EXPORT_BATCH = 2_000
"""Relationships read per query while an export streams."""
CSV_CHUNK_ROWS = 500
"""Rows the CSV stream sends at a time (the most it holds in memory)."""
FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
RELATIONSHIP_COLUMNS = ["relationship", "mentee", "mentor", "state", "state_id", "started_at", "state_entered_at",
                        "closed_at", "version", "workflow_version_id"]
"""A pair programme's relationships table (one mentee and at most one mentor per row)."""
_AFTER_PEOPLE = RELATIONSHIP_COLUMNS[3:]


def people_roles(fmt: Format) -> tuple[str, ...]:
    """The member roles a relationships table names people in, those being mentored first (mentee, then mentor)."""
    if fmt.is_pair:
        return ("mentee", "mentor")
    return tuple(sorted(fmt.member_roles, key=("mentee", "peer", "mentor", "facilitator").index))


def relationship_columns(fmt: Format) -> list[str]:
    """The relationships table's columns for a programme of format ``fmt``: the pair's, or one per member role and
    ``members`` (how many people the relationship has now) for a group, a circle or co-mentoring."""
    if fmt.is_pair:
        return RELATIONSHIP_COLUMNS
    return ["relationship", *people_roles(fmt), "members", *_AFTER_PEOPLE]


@dataclass(frozen=True)
class Table:
    """One exported table: its file name stem, column names and a function giving its rows (read lazily)."""

    name: str
    columns: list[str]
    rows: Callable[[], Iterable[list[Any]]]


def pair_names(engine: Engine, snaps: list[RelationshipSnapshot]) -> dict[int, str]:
    """The display names of every current member of ``snaps``."""
    return engine.display_names({p for s in snaps for p in s.member_ids})


def _relationship_row(engine: Engine, snap: RelationshipSnapshot, names: dict[int, str], fmt: Format) -> list[Any]:
    state = engine.workflow_by_version(snap.workflow_version_id).states[snap.state].title()
    people: list[Any]
    if fmt.is_pair:
        people = [names.get(snap.mentee_id or -1, ""), names.get(snap.mentor_id or -1, "")]
    else:
        people = ["; ".join(names.get(p, "") for p in snap.people(role)) for role in people_roles(fmt)]
        people.append(len(snap.member_ids))
    return [snap.id, *people, state, snap.state, snap.started_at.isoformat(), snap.state_entered_at.isoformat(),
            snap.closed_at.isoformat() if snap.closed_at else "", snap.version, snap.workflow_version_id]


def relationships_table(engine: Engine, key: str, *, state: str | None = None, search: str | None = None,
                        ids: list[int] | None = None, batch: int | None = None) -> Table:
    """The programme's relationships, newest first: all, those the table's filter shows, or the ids selected.

    ``ids`` must already be known to belong to programme ``key`` (see :func:`.console.selected`).
    """
    size = batch or EXPORT_BATCH
    fmt = engine.current_workflow(key)[1].format

    def rows() -> Iterator[list[Any]]:
        if ids is not None:
            for start in range(0, len(ids), size):
                snaps = [engine.get(i) for i in ids[start:start + size]]
                names = pair_names(engine, snaps)
                yield from (_relationship_row(engine, s, names, fmt) for s in snaps)
            return
        offset = 0
        while True:
            snaps, _total = engine.list_relationships(programme=key, state=state, search=search, limit=size,
                                                      offset=offset)
            names = pair_names(engine, snaps)
            yield from (_relationship_row(engine, s, names, fmt) for s in snaps)
            if len(snaps) < size:
                return
            offset += size

    return Table(f"{key}-relationships", relationship_columns(fmt), rows)


def members_per_state(engine: Engine, key: str) -> dict[str, int]:
    """The current members of a programme's relationships per state (a person on two relationships counts twice)."""
    R, M = Relationship.__table__, RelationshipMember.__table__
    with engine.read() as conn:
        pid = engine.programme_id(key, conn)
        rows = conn.execute(select(R.c.state, func.count()).select_from(R.join(M, M.c.relationship_id == R.c.id))
                            .where(R.c.programme_id == pid, M.c.left_at.is_(None)).group_by(R.c.state))
        return {state: count for state, count in rows}


def stages_table(engine: Engine, key: str) -> Table:
    """Relationships per stage, in the workflow's order (the dashboard's first chart); members too, beside them,
    when the programme is not pairs."""
    _version, workflow = engine.current_workflow(key)
    columns = ["state_id", "state", "relationships"] + ([] if workflow.format.is_pair else ["members"])

    def rows() -> Iterator[list[Any]]:
        counts = engine.count_relationships(key)
        members = {} if workflow.format.is_pair else members_per_state(engine, key)
        for state in workflow.states.values():
            yield [state.id, state.title(), counts.get(state.id, 0)] + (
                [] if workflow.format.is_pair else [members.get(state.id, 0)])

    return Table(f"{key}-stages", columns, rows)


def figures_table(key: str, name: str, columns: list[str], rows: Callable[[], Iterable[list[Any]]]) -> Table:
    """A table of figures the dashboard computed (activity, overdue), as the page shows them."""
    return Table(f"{key}-{name}", columns, rows)


def download(table: Table, fmt: str) -> Response:
    """``table`` as a CSV (streamed) or XLSX attachment."""
    body = _csv(table) if fmt == "csv" else _xlsx(table)
    return Response(body, mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{table.name}.{fmt}"',
                             "Cache-Control": "no-store"})


def _in_locale(rows: Iterator[list[Any]], locale: str) -> Iterator[list[Any]]:
    # The stream runs after the request has returned: state titles stay in the language it asked in.
    set_locale(locale)
    yield from rows


def _csv(table: Table) -> Iterator[str]:
    locale = get_locale()

    def lines() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(table.columns)
        for n, row in enumerate(_in_locale(iter(table.rows()), locale), start=1):
            writer.writerow(safe_row(row))
            if n % CSV_CHUNK_ROWS == 0:  # send in chunks, keeping only one chunk in memory
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    return lines()


def _xlsx(table: Table) -> Iterator[bytes]:
    import xlsxwriter

    # Anonymous, gone when closed (by the generator below), never left in the server's folders.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet(table.name.rsplit("-", 1)[-1][:31])
    bold = workbook.add_format({"bold": True})
    for col, title in enumerate(table.columns):
        sheet.write_string(0, col, title, bold)
    for row_number, row in enumerate(table.rows(), start=1):
        for col, value in enumerate(row):
            if isinstance(value, bool) or not isinstance(value, int | float):
                sheet.write_string(row_number, col, "" if value is None else str(value))
            else:
                sheet.write_number(row_number, col, value)
    workbook.close()
    handle.seek(0)

    def chunks() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(64 * 1024):
                yield chunk

    return chunks()
