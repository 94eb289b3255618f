import json
from datetime import UTC, datetime
from importlib.resources import files

import pytest

from mentorflow import GuardFailed, Message, WorkflowInvalid

SATURDAY = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
SIGNED = [("sign_agreement", "mentor", {"accept": True}), ("sign_agreement", "mentee", {"accept": True})]


def with_guard(params):
    """The plain built-in lifecycle (no other plugin's steps), with our guard on the step from agreeing to setting
    goals."""
    document = json.loads(files("mentorflow.schemas").joinpath("lifecycle.json").read_text("utf-8"))
    agree = next(t for t in document["transitions"] if t["id"] == "agree")
    agree["guards"].append({"name": "weekdays.only", "params": params})
    return document


def test_the_plugin_is_loaded_from_its_entry_point(mentorflow_engine):
    assert mentorflow_engine.pm.get_plugin("weekdays") is not None
    assert "weekdays.only" in mentorflow_engine.guards
    assert "jsonl" in mentorflow_engine.channels


def test_agreeing_waits_for_a_weekday(mentorflow_factory, mentorflow_clock):
    mentorflow_clock.set(SATURDAY)
    mentorflow_factory.programme("buddies", with_guard({}))
    rel = mentorflow_factory.drive(mentorflow_factory.relationship("buddies"), SIGNED)
    with pytest.raises(GuardFailed, match="can only be done on mon, tue, wed, thu, fri"):
        mentorflow_factory.drive(rel, [("agree", "mentee")])
    mentorflow_clock.advance(days=2)  # Monday
    assert mentorflow_factory.drive(rel, [("agree", "mentee")]).state == "goal_setting"


def test_a_programme_may_choose_its_days(mentorflow_factory, mentorflow_clock):
    mentorflow_clock.set(SATURDAY)
    mentorflow_factory.programme("weekend", with_guard({"days": ["sat", "sun"]}))
    rel = mentorflow_factory.drive(mentorflow_factory.relationship("weekend"), SIGNED)
    assert mentorflow_factory.drive(rel, [("agree", "mentee")]).state == "goal_setting"


def test_bad_parameters_are_rejected_when_the_workflow_is_loaded(mentorflow_engine):
    with pytest.raises(WorkflowInvalid) as invalid:
        mentorflow_engine.load_workflow(with_guard({"days": ["someday"]}))
    assert any(p.pointer.endswith("/params/days/0") for p in invalid.value.problems)


def test_messages_are_written_as_json_lines(mentorflow_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("WEEKDAYS_OUTBOX", str(tmp_path / "outbox.jsonl"))
    message = Message(recipient_id=1, recipient_email="mia@example.org", locale="en",
                      subject="Your reflection is due", body="Two weeks have passed.")
    assert mentorflow_engine.notify(message, channels=("jsonl",)) == ["jsonl"]
    [line] = (tmp_path / "outbox.jsonl").read_text("utf-8").splitlines()
    assert json.loads(line)["subject"] == "Your reflection is due"
