"""The coordinator dashboard's overdue list, on a real database with a moved clock."""

from __future__ import annotations

from typing import Any

from mentorflow.integrations.web import create_app
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
        session["person_id"] = coordinator
    page = client.get(f"/coordinator/{programme}").get_data(as_text=True)
    overdue = page.split('id="overdue-heading"')[1].split("</section>")[0]
    assert "Morten (Mentor)" in overdue and "<td>5</td>" in overdue
    assert "Mia" not in overdue
