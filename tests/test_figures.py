"""Programme figures on constructed data, each checked against a figure computed by hand (docs/figures.md).

Every test runs on SQLite and PostgreSQL. The figures are read as the dashboard reads them: from the
figures plugin's summary rows (``mentorflow_programme_figures``) and from the rendered dashboard.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from mentorflow import SYSTEM, Engine, Forbidden, PluginError, hookimpl
from mentorflow.demo import AGREEMENT
from mentorflow.figures import ProgrammeFigures
from mentorflow.plugins.figures.definitions import goal_outcome
from mentorflow.plugins.goals.api import list_goals
from mentorflow.testing import Factory, default_workflow
from tests.web.test_dashboard import coordinator_client

TO_REFLECTING = [("propose_agreement", "mentor", AGREEMENT), ("sign_agreement", "mentor", {"accept": True}),
                 ("sign_agreement", "mentee", {"accept": True}),
                 ("agree", "mentee"), ("add_goal", "mentee", {"title": "Learn SQL", "category": "skills"})]


def reflecting(factory: Factory, rel: Any) -> Any:
    """``rel`` driven to reflecting: agreement signed, one goal proposed by the mentee and confirmed by the mentor."""
    rel = factory.drive(rel, TO_REFLECTING)
    goal = goal_ids(factory.engine, rel)[-1]
    return factory.drive(rel, [("agree_goal", "mentor", {"goal_id": goal}), ("start_reflecting", "mentor")])


def figures(engine: Engine, programme: str, actor: Any = SYSTEM) -> ProgrammeFigures:
    answer = engine.pm.hook.mentorflow_programme_figures(engine=engine, programme=programme, actor=actor)
    assert answer is not None, "the figures plugin answers"
    return answer  # type: ignore[no-any-return]


def goal_ids(engine: Engine, rel: Any) -> list[int]:
    return [g.id for g in list_goals(engine, rel, SYSTEM).goals]


def closure_form(goals: list[int], attained: str | list[str], satisfaction: int) -> dict[str, Any]:
    ratings = attained if isinstance(attained, list) else [attained] * len(goals)
    return {"goals": [{"goal_id": g, "attained": a} for g, a in zip(goals, ratings, strict=True)],
            "learned": "To listen", "satisfaction": satisfaction}


def dashboard(engine: Engine, programme: str, coordinator: int) -> str:
    return coordinator_client(engine, coordinator).get(f"/coordinator/{programme}").get_data(as_text=True)


def section(page: str, heading: str) -> str:
    return page.split(f'id="{heading}"')[1].split("</section>")[0]


def test_three_closures_with_goals_rated_count_as_achieved_and_six_forms_rated_4_average_4(
        mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    """The defect: "Active 3, 0 of 3 achieved" and "—" after three closures with every goal rated fully, 4/5."""
    programme = mentorflow_factory.programme("closures", default_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    for n in range(3):
        rel = mentorflow_factory.relationship(programme, mentor=mentorflow_factory.person(f"Mentor {n}"),
                                              mentee=mentorflow_factory.person(f"Mentee {n}"))
        rel = mentorflow_factory.drive(reflecting(mentorflow_factory, rel), [("begin_closure", "mentor")])
        goals = goal_ids(mentorflow_engine, rel)
        mentorflow_factory.drive(rel, [("submit_closure_form", "mentor", closure_form(goals, "fully", 4)),
                                       ("submit_closure_form", "mentee", closure_form(goals, "fully", 4)),
                                       ("close", "mentor")])
    found = figures(mentorflow_engine, programme)
    # By hand: 3 goals, each rated "fully" by both sides, none closed in its record -> 3 achieved, 0 active.
    assert (found.value("goals.total"), found.value("goals.achieved"), found.value("goals.active")) == (3, 3, 0)
    # By hand: six forms, each 4 -> 24 / 6 = 4.0.
    assert found.value("closure.satisfaction_n") == 6 and found.average("closure.satisfaction") == 4.0
    assert found.value("stage.closed") == 3 and found.value("open") == 0
    page = dashboard(mentorflow_engine, programme, coordinator)
    assert "3 of 3 goals achieved" in section(page, "goals-heading")
    assert re.search(r"Average satisfaction \(1-5\)</dt><dd>4\.0</dd>", section(page, "satisfaction-heading"))


def test_goal_outcome_takes_the_record_first_then_the_weaker_closure_rating() -> None:
    assert goal_outcome("achieved", ["not"]) == "achieved"  # the record closed it: the record wins
    assert goal_outcome("dropped", ["fully"]) == "dropped"
    assert goal_outcome("active", ["fully", "partly"]) == "partly"  # the sides disagree: the weaker rating
    assert goal_outcome("revised", ["fully", "fully"]) == "achieved"
    assert goal_outcome("active", ["not"]) == "not_attained"
    assert goal_outcome("active", []) == "active"


def test_goal_attainment_mixes_records_and_closure_forms_as_defined(mentorflow_engine: Engine,
                                                                    mentorflow_factory: Factory) -> None:
    programme = mentorflow_factory.programme("mixed", default_workflow())
    closing = reflecting(mentorflow_factory, mentorflow_factory.relationship(programme))
    closing = mentorflow_factory.drive(closing, [
        ("add_goal", "mentee", {"title": "Speak up", "category": "skills"}),
        ("add_goal", "mentee", {"title": "Write", "category": "skills"})])
    first, second, third = goal_ids(mentorflow_engine, closing)
    closing = mentorflow_factory.drive(closing, [
        ("set_goal_status", "mentee", {"goal_id": second, "status": "achieved", "note": "Done"}),
        ("agree_goal", "mentor", {"goal_id": third}),
        ("set_goal_status", "mentee", {"goal_id": third, "status": "dropped", "note": "Not now"}),
        ("begin_closure", "mentor"),
        ("submit_closure_form", "mentor", closure_form([first, second], ["fully", "not"], 5)),
        ("submit_closure_form", "mentee", closure_form([first, second], ["partly", "not"], 2))])
    running = reflecting(mentorflow_factory, mentorflow_factory.relationship(programme))
    assert len(goal_ids(mentorflow_engine, running)) == 1
    found = figures(mentorflow_engine, programme)
    # By hand: first -> fully/partly -> partly; second -> achieved in its record; third -> dropped;
    # the running relationship's goal -> nobody rated it -> active. Satisfaction (5 + 2) / 2 = 3.5.
    assert {o: found.value(f"goals.{o}") for o in ("total", "achieved", "partly", "not_attained", "active",
                                                   "dropped")} == \
        {"total": 4, "achieved": 1, "partly": 1, "not_attained": 0, "active": 1, "dropped": 1}
    assert found.average("closure.satisfaction") == 3.5


def test_reflections_per_week_count_reflections_only(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                     mentorflow_clock: Any) -> None:
    """The defect: every transition that satisfies the recurring duty was counted as a reflection."""
    document = default_workflow()
    timer = next(t for t in document["timers"] if t["id"] == "reflection_due")
    timer["satisfied_by"] = [*timer["satisfied_by"], "update_goal_progress"]  # progress also meets the duty
    programme = mentorflow_factory.programme("weekly", document)
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    rel = reflecting(mentorflow_factory, mentorflow_factory.relationship(programme))
    goal = goal_ids(mentorflow_engine, rel)[0]
    rel = mentorflow_factory.drive(rel, [("submit_reflection", "mentee", {"went_well": "Good", "health": 4}),
                                         ("update_goal_progress", "mentor", {"goal_id": goal, "progress": 20}),
                                         ("update_goal_progress", "mentee", {"goal_id": goal, "progress": 30})])
    mentorflow_clock.advance(days=7)
    mentorflow_factory.drive(rel, [("submit_reflection", "mentor", {"went_well": "Fine"}),
                                   ("submit_reflection", "mentee", {"went_well": "Better", "health": 5})])
    found = figures(mentorflow_engine, programme)
    weeks = [n for _week, n in found.week_counts()]
    # By hand: 1 reflection last week, 2 this week; the two progress updates are not reflections.
    assert weeks[-2:] == [1, 2] and sum(weeks) == 3 == found.value("reflections.count")
    # The figures computed afresh by the dashboard (no figures plugin) say the same.
    from mentorflow.integrations.web.pages import _weekly_activity

    assert [n for _label, n in _weekly_activity(mentorflow_engine, programme)][-2:] == [1.0, 2.0]
    page = dashboard(mentorflow_engine, programme, coordinator)
    assert "<dt>Reflections</dt><dd>3</dd>" in section(page, "health-heading")


def test_overdue_and_regularity_by_hand(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                        mentorflow_clock: Any) -> None:
    programme = mentorflow_factory.programme("overdue", default_workflow())
    rel = reflecting(mentorflow_factory, mentorflow_factory.relationship(programme))
    mentorflow_clock.advance(days=10)
    rel = mentorflow_factory.drive(rel, [("submit_reflection", "mentee", {"went_well": "Good"})])  # on time: due day 14
    mentorflow_clock.advance(days=6)  # day 16: the mentor's is 2 days overdue; the mentee's is due on day 24
    found = figures(mentorflow_engine, programme)
    assert found.overdue_total == 1 and found.overdue[0]["role"] == "mentor"
    assert (found.value("reflections.on_time"), found.value("reflections.late")) == (1, 0)
    mentorflow_factory.drive(rel, [("submit_reflection", "mentor", {"went_well": "Late"})])  # late
    mentorflow_clock.advance(days=10)  # day 26: the mentee's (due day 24) is overdue
    found = figures(mentorflow_engine, programme)
    # By hand: on time 1, late 1, overdue now 1 -> regularity 1 / 3.
    assert (found.value("reflections.on_time"), found.value("reflections.late"), found.overdue_total) == (1, 1, 1)


def test_at_risk_flags_say_why(mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: Any) -> None:
    programme = mentorflow_factory.programme("risk", default_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    silent = reflecting(mentorflow_factory, mentorflow_factory.relationship(programme))
    falling = reflecting(mentorflow_factory, mentorflow_factory.relationship(programme))
    falling = mentorflow_factory.drive(falling, [("submit_reflection", "mentee", {"went_well": "Good", "health": 4})])
    unanswered = mentorflow_factory.relationship(programme)  # contracting: its agreement waits for the mentee
    mentorflow_factory.drive(unanswered, [("propose_agreement", "mentor", AGREEMENT),
                                          ("sign_agreement", "mentor", {"accept": True})])
    mentorflow_clock.advance(days=20)
    mentorflow_factory.drive(falling, [("submit_reflection", "mentee", {"went_well": "Worse", "health": 2}),
                                       ("submit_reflection", "mentor", {"went_well": "Hm"})])
    mentorflow_clock.advance(days=9)  # day 29: silent had nothing for 29 days (> 2 x 14); falling reflected on day 20
    found = figures(mentorflow_engine, programme)
    flags = {(r.relationship_id, r.reason) for r in found.at_risk}
    assert flags == {(silent.id, "silent"), (falling.id, "risk.falling_health"),
                     (unanswered.id, "agreement_unanswered")}
    assert dict(found.at_risk_total) == {"silent": 1, "risk.falling_health": 1, "agreement_unanswered": 1}
    panel = section(dashboard(mentorflow_engine, programme, coordinator), "at-risk-heading")
    assert f"<td>#{silent.id}</td><td>No reflection for two cadences (since" in panel
    assert f"<td>#{falling.id}</td><td>Health score fell in the latest reflection" in panel
    assert f"<td>#{unanswered.id}</td><td>Agreement waiting for the Mentee&#39;s signature" in panel


def test_figures_are_for_coordinators_only(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    programme = mentorflow_factory.programme("private", default_workflow())
    rel = mentorflow_factory.relationship(programme)
    with pytest.raises(PluginError) as refused:
        figures(mentorflow_engine, programme, rel.mentee_id)
    assert isinstance(refused.value.__cause__, Forbidden)


def test_the_tallest_column_s_value_is_above_it_and_bar_values_stay_inside() -> None:
    from mentorflow import charts

    svg = charts.column_chart("Reflections per week", [("1 Dec", 3), ("8 Dec", 9), ("15 Dec", 0)])
    rects = re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg)
    values = re.findall(r'<text x="[\d.]+" y="([\d.]+)" text-anchor="middle">([\d.]+)</text>', svg)
    tallest = max(range(3), key=lambda i: float(rects[i][1]))
    top, (label_y, label) = float(rects[tallest][0]), values[tallest]
    assert label == "9" and float(label_y) + 2 < top, "the value's baseline is above the column, not on it"
    assert float(label_y) >= 12, "and inside the picture"
    bars = charts.bar_chart("Stages", [("Closed", 100000), ("Open", 5)])
    width = int(re.search(r'viewBox="0 0 (\d+)', bars).group(1))  # type: ignore[union-attr]
    ends = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="[\d.]+">\d+</text>', bars)]
    assert all(x + 7 * 6 <= width for x in ends), "six digits fit right of the longest bar"


def test_incremental_rows_equal_a_rebuild_and_the_command_rebuilds(mentorflow_engine: Engine,
                                                                   mentorflow_factory: Factory,
                                                                   mentorflow_clock: Any) -> None:
    from mentorflow.plugins.figures.store import rebuild

    programme = mentorflow_factory.programme("rebuild", default_workflow())
    rel = reflecting(mentorflow_factory, mentorflow_factory.relationship(programme))
    mentorflow_factory.drive(rel, [("submit_reflection", "mentee", {"went_well": "Good", "health": 3})])
    mentorflow_clock.advance(days=3)
    before = figures(mentorflow_engine, programme)
    with mentorflow_engine.write() as conn:
        rebuild(mentorflow_engine, conn)
    after = figures(mentorflow_engine, programme)
    assert before == after
    assert timedelta(0) <= after.at - before.at


class FixedFigures:
    """A third-party plugin that answers the dashboard's figures itself: the first answer wins."""

    @hookimpl
    def mentorflow_programme_figures(self, engine: Engine, programme: str, actor: Any) -> ProgrammeFigures:
        return ProgrammeFigures(totals={"stage.closed": 7}, overdue=(), overdue_total=0, at_risk=(), at_risk_total={},
                                at=engine.clock.now())


def test_a_plugin_s_programme_figures_are_what_the_dashboard_shows(mentorflow_database_url: str,
                                                                    mentorflow_clock: Any) -> None:
    engine = Engine(mentorflow_database_url, clock=mentorflow_clock, plugins=[FixedFigures()])
    factory = Factory(engine)
    programme = factory.programme("fixed", default_workflow())
    coordinator = factory.person("Carla", role="coordinator", programme=programme)
    factory.relationship(programme)
    page = dashboard(engine, programme, coordinator)
    assert "7 relationships" in page, "the plugin's stage counts, not the one relationship in the database"
    assert "<tr><th scope=\"row\">Closed</th><td>7</td></tr>" in page
