"""The dashboard's tables as CSV and XLSX downloads (issue #17), on SQLite and PostgreSQL.

Every table exports in both formats, for a coordinator of the programme only; a name that a spreadsheet would run as
a formula is escaped in the CSV and stored as text in the XLSX; the CSV streams in bounded chunks while the
relationships are read in batches, so memory does not grow with the programme.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import pytest

from mentorflow.testing import Factory
from tests.lifecycle import base_workflow

from .test_dashboard import coordinator_client

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]


def reflecting(factory: Factory, programme: str, mentor: int, mentee: int) -> Any:
    rel = factory.relationship(programme, mentor=mentor, mentee=mentee)
    return factory.drive(rel, [("sign_agreement", mentor, {"accept": True}),
                               ("sign_agreement", mentee, {"accept": True}), ("agree", mentee),
                               ("add_goal", mentee, {"title": "Learn SQL", "category": "skills"}),
                               ("start_reflecting", mentor)])


def xlsx_cells(data: bytes) -> tuple[str, list[str]]:
    """The first sheet's XML and every text the workbook holds (inline or shared strings)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        shared = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else ""
    texts = re.findall(r"<t(?: [^>]*)?>([^<]*)</t>", sheet + shared)
    return sheet, [t.replace("&amp;", "&").replace("&quot;", '"').replace("&apos;", "'") for t in texts]


def test_every_dashboard_table_exports_as_csv_and_xlsx(mentorflow_engine: Any, mentorflow_factory: Factory,
                                                       mentorflow_clock: Any) -> None:
    programme = mentorflow_factory.programme("exports", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    mentor = mentorflow_factory.person(HOSTILE[0], role="mentor", programme=programme)
    mentees = [mentorflow_factory.person(name, role="mentee", programme=programme) for name in HOSTILE[1:]]
    for mentee in mentees:
        reflecting(mentorflow_factory, programme, mentor, mentee)
    mentorflow_clock.advance(days=30)  # every reflection is overdue
    client = coordinator_client(mentorflow_engine, coordinator)
    page = client.get(f"/coordinator/{programme}").get_data(as_text=True)
    for table in ("relationships", "overdue", "stages", "activity"):
        for fmt in ("csv", "xlsx"):
            assert f"/coordinator/{programme}/export/{table}.{fmt}" in page, (table, fmt)  # linked from its table

    answer = client.get(f"/coordinator/{programme}/export/relationships.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv" and answer.is_streamed
    assert 'filename="exports-relationships.csv"' in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0][:4] == ["relationship", "mentee", "mentor", "state"] and len(rows) == 4
    # Formula starts are quoted in the CSV: a spreadsheet shows the text and runs nothing.
    assert {r[2] for r in rows[1:]} == {"'" + HOSTILE[0]}
    assert sorted(r[1] for r in rows[1:]) == sorted("'" + name for name in HOSTILE[1:])

    overdue = list(csv.reader(io.StringIO(client.get(f"/coordinator/{programme}/export/overdue.csv")
                                          .get_data(as_text=True))))
    assert overdue[0] == ["relationship", "person", "role", "duty", "days_overdue"] and len(overdue) > 1
    stages = list(csv.reader(io.StringIO(client.get(f"/coordinator/{programme}/export/stages.csv")
                                         .get_data(as_text=True))))
    assert ["reflecting", "Reflecting", "3"] in [row[:1] + row[1:] for row in stages]
    activity = client.get(f"/coordinator/{programme}/export/activity.csv").get_data(as_text=True)
    assert activity.splitlines()[0] == "week_starting,reflections" and len(activity.splitlines()) == 13

    book = client.get(f"/coordinator/{programme}/export/relationships.xlsx")
    assert book.status_code == 200 and book.mimetype.endswith("spreadsheetml.sheet")
    sheet, texts = xlsx_cells(book.get_data())
    assert "<f>" not in sheet  # no cell is a formula ...
    for name in HOSTILE:
        assert name in texts  # ... the names are text cells, as typed
    for table in ("overdue", "stages", "activity"):
        data = client.get(f"/coordinator/{programme}/export/{table}.xlsx").get_data()
        assert zipfile.is_zipfile(io.BytesIO(data)), table
    # Unknown tables and formats are a 404; the filter of the table applies to its download.
    assert client.get(f"/coordinator/{programme}/export/people.csv").status_code == 404
    assert client.get(f"/coordinator/{programme}/export/relationships.pdf").status_code == 404
    filtered = client.get(f"/coordinator/{programme}/export/relationships.csv?q=sum").get_data(as_text=True)
    assert len(filtered.splitlines()) == 2 and "@SUM" in filtered


def test_only_a_coordinator_of_the_programme_may_export(mentorflow_engine: Any, mentorflow_factory: Factory) -> None:
    programme = mentorflow_factory.programme("mine", base_workflow())
    other = mentorflow_factory.programme("theirs", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=other)
    mentor = mentorflow_factory.person("Morten", role="mentor", programme=programme)
    mentorflow_factory.relationship(programme, mentor=mentor, mentee=mentorflow_factory.person("Zelda Quist"))
    for person in (coordinator, mentor):
        client = coordinator_client(mentorflow_engine, person)
        for fmt in ("csv", "xlsx"):
            answer = client.get(f"/coordinator/{programme}/export/relationships.{fmt}")
            assert answer.status_code == 403, (person, fmt)
            assert b"Zelda" not in answer.get_data()


def test_the_csv_streams_in_bounded_chunks_however_many_relationships(mentorflow_engine: Any,
                                                                      mentorflow_factory: Factory,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from mentorflow.integrations.web import exports, pages

    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 40)
    monkeypatch.setattr(pages, "EXPORT_BATCH", 30)
    programme = mentorflow_factory.programme("many", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    ids = {mentorflow_factory.relationship(programme, mentee=mentorflow_factory.person(f"Mentee {n}")).id
           for n in range(250)}
    reads: list[int] = []
    original = mentorflow_engine.list_relationships

    def counted(**kwargs: Any) -> Any:  # the real query, counted: the export reads in batches
        found = original(**kwargs)
        reads.append(len(found[0]))
        return found

    monkeypatch.setattr(mentorflow_engine, "list_relationships", counted)
    answer = coordinator_client(mentorflow_engine, coordinator).get(f"/coordinator/{programme}/export.csv")
    assert answer.is_streamed
    chunks = [chunk.decode() if isinstance(chunk, bytes) else chunk for chunk in answer.response]
    rows = [line for chunk in chunks for line in chunk.splitlines()][1:]
    assert {int(line.split(",")[0]) for line in rows} == ids
    assert max(chunk.count("\n") for chunk in chunks) <= 41  # never more than a chunk of rows at once
    assert len(chunks) >= 250 // 40 and max(reads) == 30  # sent as read, a batch at a time
