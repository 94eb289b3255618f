"""Enrolling people from a CSV file (issue #17): a preview first, a problem per row and column, all or nothing.

The file has a header row naming its columns (any order; ``,`` or ``;`` between cells, as spreadsheets save it):
``display_name`` and ``role`` (``mentee`` or ``mentor``) are required, ``email`` or ``external_id`` identifies the
person (at least one of them), ``locale`` is optional. Rows are numbered as a spreadsheet numbers them (the header
is row 1), and each problem is located as ``/rows/<row>/<column>`` with the message naming both, so the coordinator
finds the cell. Nothing is written until every row is valid; then every row is written in one transaction.

Re-importing is idempotent: a person is found again by the external id (kept as ``import:<programme key>``) or by
the e-mail address, and only given the role when they lack it. Whether an address belongs to someone outside the
programme is never shown (the preview says only "new to the programme" or "already in it"). The file is bounded
(:data:`MAX_BYTES`, :data:`MAX_ROWS`); the cells the preview echoes go through :func:`mentorflow.csvcells.safe_cell`,
so a preview copied into a spreadsheet runs no formula.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from mentorflow import policy
from mentorflow.actors import Actor, as_actor
from mentorflow.csvcells import safe_cell
from mentorflow.db.database import inserted_id
from mentorflow.db.models import ExternalIdentity, Person, ProgrammeRole
from mentorflow.engine import Engine
from mentorflow.errors import Problem, ProblemsError
from mentorflow.i18n import _, supported_locales
from mentorflow.text import display_name_problems, email_problems

log = logging.getLogger("mentorflow.console")
PEOPLE, X, T = Person.__table__, ExternalIdentity.__table__, ProgrammeRole.__table__
COLUMNS = ("display_name", "email", "role", "external_id", "locale")
REQUIRED = ("display_name", "role")
ROLES = ("mentee", "mentor")
MAX_BYTES = 1_000_000
"""At most this many bytes in one file (some 10,000 people)."""
MAX_ROWS = 5_000
"""At most this many people in one file."""
EXTERNAL_ID_LIMIT = 255


class ImportInvalid(ProblemsError):
    """A CSV file with problems: each at ``/rows/<row>/<column>`` (``/file`` for the file itself); nothing written."""

    status = 422
    kind = "invalid-import"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_("Nobody was enrolled: the file has problems."), problems)

    def title(self) -> str:
        return _("Invalid import")


@dataclass(frozen=True)
class ImportRow:
    """One valid row and what importing it would do."""

    row: int
    display_name: str
    email: str | None
    role: str
    external_id: str | None
    locale: str
    person_id: int | None
    """The person found again (None: a new person)."""
    action: str
    """``new`` (a new person), ``enrol`` (gets the role), ``unchanged`` (has the role already)."""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "display_name": safe_cell(self.display_name), "email": safe_cell(self.email),
                "role": self.role, "external_id": safe_cell(self.external_id), "locale": self.locale,
                "action": self.action}


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BYTES:
        raise ImportInvalid([Problem("/file", _("the file is larger than {n} kB").format(n=MAX_BYTES // 1000))])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportInvalid([Problem("/file", _("the file is not UTF-8 text (save it as \"CSV UTF-8\")"))]) from None


def _cell(message: str, row: int, column: str) -> Problem:
    return Problem(f"/rows/{row}/{column}", _("row {row}, column {column}: {problem}").format(
        row=row, column=column, problem=message))


def parse(raw: bytes | str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The rows of the file (each with its row number) and every problem found in it, without the database."""
    text = _decode(raw)
    if "\x00" in text:
        raise ImportInvalid([Problem("/file", _("the file is not a CSV text file"))])
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as error:
        raise ImportInvalid([Problem(f"/rows/{reader.line_num}", _("row {row}: the CSV cannot be read ({error})")
                                     .format(row=reader.line_num, error=error))]) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportInvalid([Problem("/file", _("the file is empty: the first row names the columns ({columns})")
                                     .format(columns=", ".join(COLUMNS)))])
    header = [cell.strip().lower() for cell in records[0]]
    problems = [_cell(_("'{name}' is not a column here (the columns are {columns})").format(
        name=name[:40], columns=", ".join(COLUMNS)), 1, str(index + 1))
        for index, name in enumerate(header) if name not in COLUMNS]
    problems += [_cell(_("the column appears twice"), 1, name) for index, name in enumerate(header)
                 if name in COLUMNS and name in header[:index]]
    problems += [_cell(_("the column is required"), 1, name) for name in REQUIRED if name not in header]
    if "email" not in header and "external_id" not in header:
        problems.append(_cell(_("give an email or an external_id column, so people are found again on "
                                "a re-import"), 1, "email"))
    if problems:
        raise ImportInvalid(problems)
    data = [(number, record) for number, record in enumerate(records[1:], start=2) if any(c.strip() for c in record)]
    if not data:
        raise ImportInvalid([Problem("/file", _("the file has no people, only the row naming the columns"))])
    if len(data) > MAX_ROWS:
        raise ImportInvalid([Problem("/file", _("at most {n} people in one file").format(n=MAX_ROWS))])
    rows: list[dict[str, Any]] = []
    for number, record in data:
        if len(record) > len(header):
            problems.append(Problem(f"/rows/{number}", _("row {row}: more cells than columns").format(row=number)))
            continue
        values = {name: unicodedata.normalize("NFC", (record[i] if i < len(record) else "").strip())
                  for i, name in enumerate(header)}
        rows.append({"row": number, **values})
    return rows, problems


def _check_row(row: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    number = row["row"]
    name, found = display_name_problems(row.get("display_name", ""), "/display_name")
    problems += [_cell(p.message, number, "display_name") for p in found]
    email = row.get("email") or None
    if email is not None:
        email, found = email_problems(email, "/email")
        problems += [_cell(p.message, number, "email") for p in found]
    role = row.get("role", "").lower()
    if role not in ROLES:
        problems.append(_cell(_("must be mentee or mentor"), number, "role"))
    external = row.get("external_id") or None
    if external is not None and (len(external) > EXTERNAL_ID_LIMIT or any(
            unicodedata.category(c).startswith("C") for c in external)):
        problems.append(_cell(_("at most {n} characters, no control characters").format(n=EXTERNAL_ID_LIMIT),
                              number, "external_id"))
    if email is None and external is None and not any(p.pointer == f"/rows/{number}/email" for p in problems):
        problems.append(_cell(_("give an e-mail address or an external id"), number, "email"))
    locale = row.get("locale") or "en"
    if locale not in supported_locales():
        problems.append(_cell(_("must be one of: {locales}").format(locales=", ".join(supported_locales())),
                              number, "locale"))
    return {"row": number, "display_name": name, "email": email, "role": role, "external_id": external,
            "locale": locale}


def source(key: str) -> str:
    """The external-identity source of a programme's CSV imports (its external ids are the programme's own)."""
    return f"import:{key}"[:200]


def _plan(conn: Connection, key: str, programme_id: int, rows: list[dict[str, Any]],
          problems: list[Problem]) -> list[ImportRow]:
    checked = [_check_row(row, problems) for row in rows]
    seen: dict[tuple[str, str], int] = {}
    for row in checked:
        for column in ("email", "external_id"):
            value = row[column]
            if value is None:
                continue
            token = (column, value.lower() if column == "email" else value)
            if token in seen:
                problems.append(_cell(_("the same as row {other}").format(other=seen[token]), row["row"], column))
            else:
                seen[token] = row["row"]
    if problems:
        return []
    plans = []
    for row in checked:
        person_id = None
        if row["external_id"] is not None:
            person_id = conn.execute(select(X.c.person_id).where(
                X.c.source == source(key), X.c.external_id == row["external_id"])).scalar()
        if person_id is None and row["email"] is not None:
            person_id = conn.execute(select(PEOPLE.c.id).where(PEOPLE.c.email == row["email"])
                                     .order_by(PEOPLE.c.id).limit(1)).scalar()
        if person_id is None:
            action = "new"
        else:
            has = conn.execute(select(T.c.id).where(T.c.programme_id == programme_id, T.c.person_id == person_id,
                                                    T.c.role == row["role"])).first() is not None
            action = "unchanged" if has else "enrol"
        plans.append(ImportRow(row["row"], row["display_name"], row["email"], row["role"], row["external_id"],
                               row["locale"], person_id, action))
    return plans


def _programme(conn: Connection, engine: Engine, key: str, actor: Actor) -> int:
    programme_id = engine.programme_id(key, conn)
    policy.coordinator_for(conn, actor, programme_id,
                           refusal=_("Only a coordinator of programme '{key}' may do this.").format(key=key))
    return programme_id


def preview(engine: Engine, key: str, actor: Actor | int, raw: bytes | str) -> list[ImportRow]:
    """What importing the file would do, row by row (writes nothing); :class:`ImportInvalid` with every problem."""
    actor = as_actor(actor)
    with engine.read() as conn:
        programme_id = _programme(conn, engine, key, actor)
    rows, problems = parse(raw)
    with engine.read() as conn:
        plans = _plan(conn, key, programme_id, rows, problems)
    if problems:
        raise ImportInvalid(problems)
    return plans


def apply(engine: Engine, key: str, actor: Actor | int, raw: bytes | str) -> dict[str, int]:
    """Import the file: every row or none, checked again inside the one write transaction; counts by action."""
    actor = as_actor(actor)
    with engine.read() as conn:
        _programme(conn, engine, key, actor)
    rows, problems = parse(raw)
    if problems:
        raise ImportInvalid(problems)
    counts = {"new": 0, "enrol": 0, "unchanged": 0}
    with engine.write() as conn:
        programme_id = _programme(conn, engine, key, actor)
        plans = _plan(conn, key, programme_id, rows, problems)
        if problems:
            raise ImportInvalid(problems)
        now = engine.clock.now()
        for plan in plans:
            counts[plan.action] += 1
            person_id = plan.person_id
            if person_id is None:
                person_id = inserted_id(conn.execute(insert(PEOPLE).values(
                    display_name=plan.display_name, email=plan.email, locale=plan.locale, created_at=now)))
            if plan.external_id is not None and conn.execute(select(X.c.id).where(
                    X.c.source == source(key), X.c.external_id == plan.external_id)).first() is None:
                conn.execute(insert(X).values(person_id=person_id, source=source(key), external_id=plan.external_id))
            if plan.action != "unchanged":
                conn.execute(insert(T).values(programme_id=programme_id, person_id=person_id, role=plan.role))
    log.info(json.dumps({"event": "people_imported", "programme": key, "by": actor.person_id, **counts}))
    return counts
