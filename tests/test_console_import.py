"""Enrolling people from a CSV file (issue #17), on SQLite and PostgreSQL.

A preview that writes nothing; a problem per row and column (the spreadsheet's row number, the column's name) and
nobody enrolled while any row is wrong; a re-import that finds people again by external id or e-mail address and
changes nothing; bounded size; cells a spreadsheet would run are echoed escaped; only the programme's coordinators.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from mentorflow.db.models import Person, ProgrammeRole
from mentorflow.engine import Engine
from mentorflow.errors import Forbidden
from mentorflow.integrations.web import console_people, enrolment_csv
from mentorflow.testing import Factory, lifecycle_workflow

GOOD = ("display_name,email,role,external_id,locale\n"
        "Sofie Dahl,sofie@example.org,mentee,s100,da\n"
        "Morten Holm,morten@example.org,mentor,,en\n"
        "=HYPERLINK(\"x\"),eve@example.org,mentee,s102,\n")


def counts(engine: Engine) -> tuple[int, int]:
    with engine.read() as conn:
        return (conn.execute(select(func.count()).select_from(Person.__table__)).scalar_one(),
                conn.execute(select(func.count()).select_from(ProgrammeRole.__table__)).scalar_one())


@pytest.fixture
def world(mentorflow_engine: Engine, mentorflow_factory: Factory) -> dict[str, Any]:
    key = mentorflow_factory.programme("prog", lifecycle_workflow())
    carla = mentorflow_factory.person("Carla", role="coordinator", programme=key)
    other = mentorflow_factory.programme("other", lifecycle_workflow())
    otto = mentorflow_factory.person("Otto", role="coordinator", programme=other)
    return {"key": key, "carla": carla, "otto": otto}


def test_preview_writes_nothing_and_import_enrols_everyone_once(mentorflow_engine: Engine,
                                                                world: dict[str, Any]) -> None:
    key, carla = world["key"], world["carla"]
    before = counts(mentorflow_engine)
    plans = enrolment_csv.preview(mentorflow_engine, key, carla, GOOD)
    assert [(p.row, p.action, p.role) for p in plans] == [(2, "new", "mentee"), (3, "new", "mentor"),
                                                          (4, "new", "mentee")]
    assert plans[2].as_dict()["display_name"] == "'=HYPERLINK(\"x\")"  # echoed so a spreadsheet runs nothing
    assert counts(mentorflow_engine) == before
    assert enrolment_csv.apply(mentorflow_engine, key, carla, GOOD) == {"new": 3, "enrol": 0, "unchanged": 0}
    people, total = console_people.people(mentorflow_engine, key, carla)
    assert total == 4 and {p["display_name"] for p in people} >= {"Sofie Dahl", "Morten Holm"}
    sofie = next(p for p in people if p["display_name"] == "Sofie Dahl")
    assert sofie["roles"] == ["mentee"] and mentorflow_engine.person(sofie["person_id"])["locale"] == "da"
    after = counts(mentorflow_engine)
    # Re-importing changes nothing: found again by external id (Sofie, with a new address) or address (Morten).
    again = GOOD.replace("sofie@example.org", "sofie.dahl@example.org")
    assert [p.action for p in enrolment_csv.preview(mentorflow_engine, key, carla, again)] == ["unchanged"] * 3
    assert enrolment_csv.apply(mentorflow_engine, key, carla, again) == {"new": 0, "enrol": 0, "unchanged": 3}
    assert counts(mentorflow_engine) == after
    # Someone of the programme gets another role (the file saved by a Danish spreadsheet, with semicolons).
    mentor_too = "display_name;email;role\nSofie Dahl;sofie@example.org;mentor\n"
    assert enrolment_csv.apply(mentorflow_engine, key, carla, mentor_too) == {"new": 0, "enrol": 1, "unchanged": 0}
    assert mentorflow_engine.programme_roles(key, sofie["person_id"]) == {"mentee", "mentor"}


def test_every_bad_row_is_named_by_row_and_column_and_nobody_is_enrolled(mentorflow_engine: Engine,
                                                                       world: dict[str, Any]) -> None:
    key, carla = world["key"], world["carla"]
    before = counts(mentorflow_engine)
    bad = ("display_name,email,role,external_id\n"
           "Sofie Dahl,sofie@example.org,mentee,s100\n"
           ",not-an-address,boss,\n"
           "Anna,sofie@example.org,mentor,s100\n"
           "Bo,,mentee,\n")
    for step in (enrolment_csv.preview, enrolment_csv.apply):
        with pytest.raises(enrolment_csv.ImportInvalid) as caught:
            step(mentorflow_engine, key, carla, bad)
        assert caught.value.status == 422
        assert [p.pointer for p in caught.value.problems] == [
            "/rows/3/display_name", "/rows/3/email", "/rows/3/role", "/rows/4/email", "/rows/4/external_id",
            "/rows/5/email"]
        assert "row 4, column email: the same as row 2" in [p.message for p in caught.value.problems]
    assert counts(mentorflow_engine) == before
    fixed = bad.replace(",not-an-address,boss,", "Lars,lars@example.org,mentee,").replace(
        "Anna,sofie@example.org,mentor,s100", "Anna,anna@example.org,mentor,s101").replace(
        "Bo,,mentee,", "Bo,,mentee,s103")
    assert enrolment_csv.apply(mentorflow_engine, key, carla, fixed)["new"] == 4


@pytest.mark.parametrize(("text", "pointer"), [
    ("", "/file"),
    ("display_name,email,role\n", "/file"),
    ("name,email,role\nX,x@example.org,mentee\n", "/rows/1/1"),
    ("display_name,email\nX,x@example.org\n", "/rows/1/role"),
    ("display_name,role\nX,mentee\n", "/rows/1/email"),
    ("display_name,email,role\nX,x@example.org,mentee,extra\n", "/rows/2"),
    ("display_name,email,role\n\"X,x@example.org,mentee\n", "/rows/2"),
])
def test_files_that_are_not_an_enrolment_are_refused_whole(mentorflow_engine: Engine, world: dict[str, Any],
                                                            text: str, pointer: str) -> None:
    with pytest.raises(enrolment_csv.ImportInvalid) as caught:
        enrolment_csv.preview(mentorflow_engine, world["key"], world["carla"], text)
    assert caught.value.problems[0].pointer.startswith(pointer)


def test_size_encoding_and_who_may_import(mentorflow_engine: Engine, world: dict[str, Any]) -> None:
    key, carla = world["key"], world["carla"]
    huge = "display_name,email,role\n" + "".join(f"P{i},p{i}@example.org,mentee\n" for i in range(
        enrolment_csv.MAX_ROWS + 1))
    with pytest.raises(enrolment_csv.ImportInvalid, match="the file has problems") as caught:
        enrolment_csv.preview(mentorflow_engine, key, carla, huge)
    assert [p.pointer for p in caught.value.problems] == ["/file"]
    with pytest.raises(enrolment_csv.ImportInvalid):
        enrolment_csv.preview(mentorflow_engine, key, carla, b"x" * (enrolment_csv.MAX_BYTES + 1))
    with pytest.raises(enrolment_csv.ImportInvalid):
        enrolment_csv.preview(mentorflow_engine, key, carla, "display_name,email,role\nS\xf8ren,s@x.dk,mentee\n"
                              .encode("latin-1"))
    with pytest.raises(Forbidden):
        enrolment_csv.apply(mentorflow_engine, key, world["otto"], GOOD)
    with pytest.raises(Forbidden):
        console_people.people(mentorflow_engine, key, world["otto"])
