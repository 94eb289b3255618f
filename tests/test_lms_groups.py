"""Course groups seed circles (issue #18): bounds reported by group name, idempotent, joins audited; both databases.

The integrations' readers (LTI, Moodle) produce :class:`CourseGroup` rows; this checks what the engine makes of
them on the ``professional-circle`` template (one facilitator, 3-10 peers).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mentorflow import Engine, UserError
from mentorflow.integrations.shared.groups import CourseGroup, form_from_groups
from mentorflow.members import history
from mentorflow.schemas import template_paths
from mentorflow.testing import Factory, default_workflow

CIRCLE = "professional-circle"


class Links:
    """The links an integration keeps in its own table, here in a dict (the protocol is two methods)."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}

    def find(self, key: str) -> int | None:
        return self.rows.get(key)

    def remember(self, conn: Any, key: str, relationship_id: int) -> None:
        self.rows[key] = relationship_id


class CrashingLinks(Links):
    """An integration whose link write fails, as a crash between the start and the link would."""

    def remember(self, conn: Any, key: str, relationship_id: int) -> None:
        raise RuntimeError("the link table is gone")


def circle_people(factory: Factory) -> tuple[int, dict[str, int]]:
    factory.programme(CIRCLE, json.loads(template_paths()[CIRCLE].read_text("utf-8")))
    coordinator = factory.person("Coordinator", role="coordinator", programme=CIRCLE)
    people = {"f1": factory.person("Facilitator 1", role="facilitator", programme=CIRCLE),
              "f2": factory.person("Facilitator 2", role="facilitator", programme=CIRCLE)}
    for n in range(1, 9):
        people[f"p{n}"] = factory.person(f"Peer {n}", role="peer", programme=CIRCLE)
    people["stranger"] = factory.person("Not enrolled")
    return coordinator, people


def test_groups_start_circles_within_bounds_and_report_the_rest_by_name(mentorflow_engine: Engine,
                                                                        mentorflow_factory: Factory) -> None:
    coordinator, p = circle_people(mentorflow_factory)
    links = Links()
    north = CourseGroup("g-north", "Circle North", (p["f1"], p["p1"], p["p2"], p["p3"], p["p4"], p["stranger"]))
    tiny = CourseGroup("g-tiny", "Circle Tiny", (p["f2"], p["p5"], p["p6"]))
    first = {o.key: o for o in form_from_groups(mentorflow_engine, CIRCLE, [north, tiny], links, coordinator)}
    assert first["g-north"].outcome == "started" and first["g-north"].without_role == [p["stranger"]]
    rel = mentorflow_engine.get(first["g-north"].relationship)
    assert {(m.person_id, m.role) for m in rel.members} == {(p["f1"], "facilitator")} | {
        (p[f"p{n}"], "peer") for n in range(1, 5)}
    assert first["g-tiny"].outcome == "refused" and first["g-tiny"].relationship is None
    assert "Circle Tiny" in first["g-tiny"].reason and "3 to 10" in first["g-tiny"].reason
    assert len(mentorflow_engine.list_relationships(programme=CIRCLE, limit=10, offset=0)[0]) == 1

    # Again, unchanged: no second relationship.
    again = form_from_groups(mentorflow_engine, CIRCLE, [north, tiny], links, coordinator)
    assert [o.outcome for o in again] == ["unchanged", "refused"]
    assert len(mentorflow_engine.list_relationships(programme=CIRCLE, limit=10, offset=0)[0]) == 1

    # Peer 5 joined the LMS group, peer 4 left it: 5 joins through the audited transition, 4 is only reported.
    moved = CourseGroup("g-north", "Circle North", (p["f1"], p["p1"], p["p2"], p["p3"], p["p5"]))
    (outcome,) = form_from_groups(mentorflow_engine, CIRCLE, [moved], links, coordinator)
    assert (outcome.outcome, outcome.joined, outcome.left_the_group) == ("joined", [p["p5"]], [p["p4"]])
    rel = mentorflow_engine.get(outcome.relationship)
    assert p["p5"] in rel.member_ids and p["p4"] in rel.member_ids
    with mentorflow_engine.read() as conn:
        joined = [row for row in history(conn, rel.id) if row["person_id"] == p["p5"]]
    assert joined and joined[0]["joined_seq"] > 1  # written by a transition with its audit number

    # Too big: eleven peers are refused by name, nothing started.
    big = CourseGroup("g-big", "Circle Big", (p["f2"], *(p[f"p{n}"] for n in range(1, 9)),
                                              *(mentorflow_factory.person(f"Extra {n}", role="peer",
                                                                          programme=CIRCLE) for n in range(3))))
    (outcome,) = form_from_groups(mentorflow_engine, CIRCLE, [big], links, coordinator)
    assert outcome.outcome == "refused" and "Circle Big" in outcome.reason and "11 were named" in outcome.reason
    assert "g-big" not in links.rows


def test_a_pair_programme_is_refused_whole(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    programme = mentorflow_factory.programme("pairs", default_workflow())
    with pytest.raises(UserError, match="course groups seed only"):
        form_from_groups(mentorflow_engine, programme, [CourseGroup("g", "G", (1, 2))], Links(), 1)


def test_the_link_is_written_with_the_start_or_the_start_is_undone(mentorflow_engine: Engine,
                                                                  mentorflow_factory: Factory) -> None:
    """Both or neither: a relationship whose link was not written would be started again by the next run."""
    coordinator, p = circle_people(mentorflow_factory)
    north = CourseGroup("g-north", "Circle North", (p["f1"], p["p1"], p["p2"], p["p3"]))
    with pytest.raises(RuntimeError, match="link table"):
        form_from_groups(mentorflow_engine, CIRCLE, [north], CrashingLinks(), coordinator)
    assert mentorflow_engine.list_relationships(programme=CIRCLE, limit=10, offset=0)[1] == 0
    links = Links()
    (outcome,) = form_from_groups(mentorflow_engine, CIRCLE, [north], links, coordinator)
    assert outcome.outcome == "started" and links.rows == {"g-north": outcome.relationship}
