"""Export and erasure of a person's data, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from mentorflow import Engine, NotFound, UserError
from mentorflow.gdpr import ERASED_TEXT, erase_person, export_person, pseudonym_for
from mentorflow.testing import Factory
from mentorflow.tokens import authenticate, create_token
from tests.lifecycle import base_workflow


def story(factory: Factory) -> tuple[Any, int, int]:
    factory.programme(document=base_workflow())  # the plain lifecycle: these tests are about the core's records
    mentor = factory.person("Morten Holm", role="mentor", programme="programme", email="morten@example.org",
                            external_ids={"moodle:https://lms.example.edu": "41"})
    mentee = factory.person("Mia Larsen", role="mentee", programme="programme", email="mia@example.org")
    rel = factory.relationship(mentor=mentor, mentee=mentee)
    rel = factory.drive(rel, [("sign_agreement", mentor, {"accept": True, "comment": "Looking forward, Mia!"}),
                              ("sign_agreement", mentee, {"accept": True, "comment": "I am nervous"}),
                              ("agree", mentee),
                              ("add_goal", mentee, {"title": "Finish thesis", "category": "academic"}),
                              ("start_reflecting", mentor),
                              ("submit_reflection", mentee, {"went_well": "Morten helped me", "health": 4})])
    return rel, mentor, mentee


def test_export_contains_everything_about_the_person(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    rel, mentor, mentee = story(mentorflow_factory)
    create_token(mentorflow_engine, "laptop", person_id=mentee)
    doc = export_person(mentorflow_engine, mentee)
    json.dumps(doc)  # JSON-ready
    assert doc["person"]["display_name"] == "Mia Larsen" and doc["person"]["email"] == "mia@example.org"
    assert [r["id"] for r in doc["relationships"]] == [rel.id]
    assert [a["transition"] for a in doc["actions"]] == ["sign_agreement", "agree", "add_goal", "submit_reflection"]
    assert doc["actions"][-1]["data"]["went_well"] == "Morten helped me"
    assert doc["api_tokens"][0]["name"] == "laptop"
    assert {"programme_id": 1, "role": "mentee"} in doc["programme_roles"]
    mentor_doc = export_person(mentorflow_engine, mentor)
    assert mentor_doc["external_identities"] == [{"source": "moodle:https://lms.example.edu", "external_id": "41"}]
    # The mentor's export does not contain what the mentee wrote.
    assert "I am nervous" not in json.dumps(mentor_doc)
    with pytest.raises(NotFound):
        export_person(mentorflow_engine, 999)


def test_erasure_pseudonymises_and_keeps_the_other_partys_records(mentorflow_engine: Engine,
                                                                   mentorflow_factory: Factory) -> None:
    rel, mentor, mentee = story(mentorflow_factory)
    secret, _info = create_token(mentorflow_engine, "laptop", person_id=mentee)
    pseudonym = erase_person(mentorflow_engine, mentee)
    assert pseudonym == pseudonym_for(mentee) != pseudonym_for(mentor)
    person = mentorflow_engine.person(mentee)
    assert person["display_name"] == pseudonym and person["email"] is None
    assert authenticate(mentorflow_engine, secret) is None
    timeline = mentorflow_engine.timeline(rel.id)
    by_mentee = [e for e in timeline if e.actor_id == mentee]
    assert by_mentee and all(ERASED_TEXT in json.dumps(e.data) or e.data is None for e in by_mentee)
    reflection = next(e for e in by_mentee if e.transition == "submit_reflection")
    assert reflection.data == {"went_well": ERASED_TEXT, "health": 4}  # the rating stays for the statistics
    # The mentor's own records are untouched, and the relationship goes on.
    mentor_sign = next(e for e in timeline if e.actor_id == mentor)
    assert mentor_sign.data["comment"] == "Looking forward, Mia!"
    assert mentorflow_engine.get(rel.id).mentee_id == mentee
    assert mentorflow_engine.fire(rel.id, "submit_reflection", mentor, {"went_well": "ok", "health": 3})
    assert "Mia Larsen" not in json.dumps(export_person(mentorflow_engine, mentee))
    with pytest.raises(UserError, match="already been erased"):
        erase_person(mentorflow_engine, mentee)


def test_cli_export_and_erase(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    _rel, _mentor, mentee = story(mentorflow_factory)
    url = mentorflow_engine.db.url.render_as_string(hide_password=False)
    run = subprocess.run([sys.executable, "-m", "mentorflow", "gdpr", "export", str(mentee), "--database-url", url],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["person"]["display_name"] == "Mia Larsen"
    run = subprocess.run([sys.executable, "-m", "mentorflow", "gdpr", "erase", str(mentee), "--yes",
                          "--database-url", url], capture_output=True, text=True)
    assert run.returncode == 0 and pseudonym_for(mentee) in run.stdout
    run = subprocess.run([sys.executable, "-m", "mentorflow", "gdpr", "export", "424242", "--database-url", url],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "Traceback" not in run.stderr
