"""The dashboard and its exports count relationships and members separately and say which (issue #18).

Constructed on the ``first-year-cohort`` template (one student mentor, 3-8 students), on SQLite and PostgreSQL:

- group A: 1 mentor + 4 mentees, in ``contracting``;
- group B: 1 mentor + 4 mentees, paused, then one mentee leaves (no-fault): 1 mentor + 3 mentees, in ``paused``.

By hand: 2 relationships and 5 + 4 = 9 current members; per stage, contracting 1 relationship / 5 members and
paused 1 / 4; 7 mentees and 2 mentors. A pair programme's tables keep their pair columns.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from typing import Any

from mentorflow import Engine
from mentorflow.schemas import template_paths
from mentorflow.testing import Factory, default_workflow

from .test_dashboard import coordinator_client

COHORT = "first-year-cohort"


def cohort(engine: Engine, factory: Factory) -> tuple[int, dict[str, Any]]:
    factory.programme(COHORT, json.loads(template_paths()[COHORT].read_text("utf-8")))
    coordinator = factory.person("Carla Coordinator", role="coordinator", programme=COHORT)
    groups: dict[str, Any] = {}
    for label in ("A", "B"):
        mentor = factory.person(f"Mentor {label}", role="mentor", programme=COHORT)
        mentees = [factory.person(f"Student {label}{n}", role="mentee", programme=COHORT) for n in range(1, 5)]
        groups[label] = engine.start_relationship(COHORT, members={"mentor": [mentor], "mentee": mentees},
                                                  actor=coordinator)
        groups[f"{label}-mentees"] = mentees
    rel = engine.fire(groups["B"], "pause", coordinator, {"note": "Exams"}).relationship
    rel = engine.fire(rel, "leave_group", coordinator, {"person_id": groups["B-mentees"][0], "reason": "time"})
    groups["B"] = rel.relationship
    return coordinator, groups


def csv_rows(client: Any, table: str) -> list[list[str]]:
    response = client.get(f"/coordinator/{COHORT}/export/{table}.csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_figures_count_members_beside_relationships(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    coordinator, groups = cohort(mentorflow_engine, mentorflow_factory)
    assert len(groups["B"].member_ids) == 4
    found = mentorflow_engine.pm.hook.mentorflow_programme_figures(engine=mentorflow_engine, programme=COHORT,
                                                                    actor=coordinator)
    assert (found.value("relationships"), found.value("members")) == (2, 9)
    assert (found.value("stage.contracting"), found.value("members.stage.contracting")) == (1, 5)
    assert (found.value("stage.paused"), found.value("members.stage.paused")) == (1, 4)
    assert (found.value("members.role.mentee"), found.value("members.role.mentor")) == (7, 2)


def test_dashboard_shows_relationships_and_members_per_stage(mentorflow_engine: Engine,
                                                              mentorflow_factory: Factory) -> None:
    coordinator, _groups = cohort(mentorflow_engine, mentorflow_factory)
    page = coordinator_client(mentorflow_engine, coordinator).get(f"/coordinator/{COHORT}").get_data(as_text=True)
    assert re.search(r"2 relationships\s*· 9 members", page), page[:2000]
    table = page.split('id="stage-counts"')[1].split("</table>")[0]
    assert "<th scope=\"col\">Relationships</th><th scope=\"col\">Members</th>" in table
    cells = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+</td><td>\d+)</td>', table))
    states = mentorflow_engine.current_workflow(COHORT)[1].states
    assert cells[states["contracting"].title()].replace("</td><td>", "/") == "1/5", cells
    assert cells[states["paused"].title()].replace("</td><td>", "/") == "1/4", cells
    listed = page.split('id="relationships"')[1].split("</table>")[0]
    assert "Student A1; Student A2; Student A3; Student A4" in listed and "Student B1" not in listed


def test_exports_name_relationships_and_members(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    coordinator, groups = cohort(mentorflow_engine, mentorflow_factory)
    client = coordinator_client(mentorflow_engine, coordinator)
    stages = csv_rows(client, "stages")
    assert stages[0] == ["state_id", "state", "relationships", "members"]
    by_state = {row[0]: row[2:] for row in stages[1:]}
    assert by_state["contracting"] == ["1", "5"] and by_state["paused"] == ["1", "4"]
    assert sum(int(r[2]) for r in stages[1:]) == 2 and sum(int(r[3]) for r in stages[1:]) == 9
    rels = csv_rows(client, "relationships")
    assert rels[0][:4] == ["relationship", "mentee", "mentor", "members"]
    rows = {int(r[0]): r for r in rels[1:]}
    assert rows[groups["B"].id][1:4] == ["Student B2; Student B3; Student B4", "Mentor B", "4"]
    assert rows[groups["A"].id][3] == "5"
    xlsx = client.get(f"/coordinator/{COHORT}/export/stages.xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx.get_data())) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.index(">relationships<") < sheet.index(">members<")


def test_a_pair_programme_keeps_its_pair_columns(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    programme = mentorflow_factory.programme("pairs", default_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    mentorflow_factory.relationship(programme, mentor=mentorflow_factory.person("Mona"),
                                    mentee=mentorflow_factory.person("Milo"))
    client = coordinator_client(mentorflow_engine, coordinator)
    stages = list(csv.reader(io.StringIO(client.get(f"/coordinator/{programme}/export/stages.csv")
                                         .get_data(as_text=True))))
    assert stages[0] == ["state_id", "state", "relationships"]
    page = client.get(f"/coordinator/{programme}").get_data(as_text=True)
    assert "stage-counts" not in page and " members" not in page.split('class="meta"')[1].split("</p>")[0]
