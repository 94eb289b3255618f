"""The coordinator dashboard's overdue list, on a real database with a moved clock."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.sessions import cookie_data
from mentorflow.integrations.web.settings import load_settings
from mentorflow.testing import Factory
from tests.lifecycle import base_workflow


def test_overdue_list_names_who_is_late_and_by_how_much(mentorflow_engine: Any, mentorflow_factory: Factory,
                                                        mentorflow_clock: Any) -> None:
    programme = mentorflow_factory.programme("late", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    mentor = mentorflow_factory.person("Morten", role="mentor", programme=programme)
    mentee = mentorflow_factory.person("Mia", role="mentee", programme=programme)
    rel = mentorflow_factory.relationship(programme, mentor=mentor, mentee=mentee)
    mentorflow_factory.drive(rel, [("sign_agreement", mentor, {"accept": True}),
                                   ("sign_agreement", mentee, {"accept": True}), ("agree", mentee),
                                   ("add_goal", mentee, {"title": "Learn SQL", "category": "skills"}),
                                   ("start_reflecting", mentor)])
    mentorflow_clock.advance(days=10)
    mentorflow_engine.fire(rel.id, "submit_reflection", mentee, {"went_well": "Good", "health": 4})
    mentorflow_clock.advance(days=9)  # the mentor's reflection was due 5 days ago; the mentee's is not yet due

    app = create_app(load_settings(database_url=str(mentorflow_engine.db.url), secret_key="t", worker=False),
                     engine=mentorflow_engine)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(cookie_data(mentorflow_engine, coordinator))  # a session the server holds
    page = client.get(f"/coordinator/{programme}").get_data(as_text=True)
    overdue = page.split('id="overdue-heading"')[1].split("</section>")[0]
    assert "Morten (Mentor)" in overdue and "<td>5</td>" in overdue
    assert "Mia" not in overdue


def coordinator_client(engine: Any, coordinator: int) -> Any:
    # The tests move the clock by weeks; the session must outlive that (the server enforces its lifetimes).
    year = timedelta(days=366)
    app = create_app(load_settings(database_url=str(engine.db.url), secret_key="t", worker=False,
                                   session_hours=year // timedelta(hours=1),
                                   session_idle_minutes=year // timedelta(minutes=1)), engine=engine)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(cookie_data(engine, coordinator, year))
    return client


def table_ids(page: str) -> list[int]:
    body = page.split('id="relationships"')[1].split("</table>")[0]
    row = r'<tr><td><input type="checkbox" name="ids" value="\d+"[^>]*></td><td>(\d+)</td>'  # after the checkbox
    return [int(cell) for cell in re.findall(row, body)]


def test_relationship_table_is_searched_and_paged_in_the_database(mentorflow_engine: Any,
                                                                  mentorflow_factory: Factory) -> None:
    programme = mentorflow_factory.programme("big", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    mentor = mentorflow_factory.person("Morten 100% Holm", role="mentor", programme=programme)
    ids = [mentorflow_factory.relationship(programme, mentor=mentor if n % 10 == 0 else None,
                                           mentee=mentorflow_factory.person(f"Mentee {n:03}")).id
           for n in range(130)]
    client = coordinator_client(mentorflow_engine, coordinator)

    first = client.get(f"/coordinator/{programme}").get_data(as_text=True)
    assert table_ids(first) == sorted(ids, reverse=True)[:25]
    pager = first.split('class="pager"')[1].split("</nav>")[0]
    assert re.findall(r">(\d+)</a>", pager) == ["1", "2", "3", "6"] and "…" in pager  # not 6 links for 6 pages
    fourth = client.get(f"/coordinator/{programme}?page=4").get_data(as_text=True)
    assert table_ids(fourth) == sorted(ids, reverse=True)[75:100]
    # Part of a name, any case; % and _ in the search are plain characters, not SQL wildcards.
    assert table_ids(client.get(f"/coordinator/{programme}?q=mentee 12").get_data(as_text=True)) == \
        sorted(ids[120:130], reverse=True)
    assert len(table_ids(client.get(f"/coordinator/{programme}?q=100%25 holm").get_data(as_text=True))) == 13
    assert table_ids(client.get(f"/coordinator/{programme}?q=_").get_data(as_text=True)) == []


def test_overdue_list_shows_the_most_overdue_and_counts_the_rest(mentorflow_engine: Any, mentorflow_factory: Factory,
                                                                 mentorflow_clock: Any, monkeypatch: Any) -> None:
    from mentorflow.integrations.web import pages

    monkeypatch.setattr(pages, "OVERDUE_SHOWN", 2)
    programme = mentorflow_factory.programme("late", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    for n in range(3):
        mentor, mentee = mentorflow_factory.person(f"Mentor {n}"), mentorflow_factory.person(f"Mentee {n}")
        rel = mentorflow_factory.relationship(programme, mentor=mentor, mentee=mentee)
        mentorflow_factory.drive(rel, [("sign_agreement", mentor, {"accept": True}),
                                       ("sign_agreement", mentee, {"accept": True}), ("agree", mentee),
                                       ("add_goal", mentee, {"title": "Learn SQL", "category": "skills"}),
                                       ("start_reflecting", mentor)])
        mentorflow_clock.advance(days=1)
    mentorflow_clock.advance(days=20)
    page = coordinator_client(mentorflow_engine, coordinator).get(f"/coordinator/{programme}").get_data(as_text=True)
    overdue = page.split('id="overdue-heading"')[1].split("</section>")[0]
    assert overdue.count('<tr><td><a href="/relationships/') == 2  # each overdue row opens its relationship
    assert "The 2 most overdue of 6 are shown" in overdue
    days = [int(d) for d in re.findall(r"<td>(\d+)</td></tr>", overdue)]
    assert days == sorted(days, reverse=True)


def test_csv_export_streams_every_relationship_in_batches(mentorflow_engine: Any, mentorflow_factory: Factory,
                                                          monkeypatch: Any) -> None:
    from mentorflow.integrations.web import pages

    monkeypatch.setattr(pages, "EXPORT_BATCH", 7)
    programme = mentorflow_factory.programme("many", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    ids = {mentorflow_factory.relationship(programme, mentee=mentorflow_factory.person(f"Mentee {n}")).id
           for n in range(22)}
    response = coordinator_client(mentorflow_engine, coordinator).get(f"/coordinator/{programme}/export.csv")
    assert response.status_code == 200 and response.is_streamed
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("relationship,mentee,mentor,state")
    assert {int(line.split(",")[0]) for line in lines[1:]} == ids and len(lines) == 23


def test_programme_figures_are_current_on_every_view(mentorflow_engine: Any, mentorflow_factory: Factory,
                                                     mentorflow_clock: Any) -> None:
    """No cache stands between a coordinator and the figures: time passing makes a duty overdue at once."""
    programme = mentorflow_factory.programme("fresh", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    mentor, mentee = mentorflow_factory.person("Morten"), mentorflow_factory.person("Mia")
    rel = mentorflow_factory.relationship(programme, mentor=mentor, mentee=mentee)
    mentorflow_factory.drive(rel, [("sign_agreement", mentor, {"accept": True}),
                                   ("sign_agreement", mentee, {"accept": True}), ("agree", mentee),
                                   ("add_goal", mentee, {"title": "Learn SQL", "category": "skills"}),
                                   ("start_reflecting", mentor)])
    client = coordinator_client(mentorflow_engine, coordinator)

    def overdue() -> str:
        page = client.get(f"/coordinator/{programme}").get_data(as_text=True)
        return page.split('id="overdue-heading"')[1].split("</section>")[0]

    assert "Nothing is overdue" in overdue()
    mentorflow_clock.advance(days=30)
    assert "Morten (Mentor)" in overdue() and "Mia (Mentee)" in overdue()  # the same second, no transition since
