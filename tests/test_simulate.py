"""``mentorflow simulate``: a dry relationship on a virtual clock, with the real reminder scan."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from mentorflow import WorkflowInvalid
from mentorflow.plugins.simulate.cli import parse_path, parse_reflect
from mentorflow.plugins.simulate.sample import sample
from mentorflow.plugins.simulate.simulation import DEFAULT_START, Reflect, Simulation, Step, simulate
from tests.lifecycle import base_workflow

EXECUTABLE = Path(sys.executable).with_name("mentorflow")
TO_REFLECTING = ("0:mentor:sign_agreement,0:mentee:sign_agreement,0:mentee:agree,"
                 "1:mentee:add_goal,1:mentee:start_reflecting")


def run(days: int, reflect: tuple[str, ...] = ()) -> Simulation:
    return simulate(base_workflow(), days=days, steps=parse_path((TO_REFLECTING,)),
                    reflect=parse_reflect(reflect, days))


def at_day(simulation: Simulation, kind: str) -> list[tuple[float, str | None]]:
    return [((e.at - DEFAULT_START) / timedelta(days=1), e.recipient or e.role) for e in simulation.events
            if e.kind == kind]


def test_nobody_reflects_two_reminders_each_then_one_escalation_each() -> None:
    # Reflecting from day 1; every 14 days: due on day 15, reminded 2 days before and on the day,
    # escalated to the coordinator 7 days late. Nobody reflects, so the period never restarts.
    result = run(60)
    counts = result.counts()
    assert counts == {"transition": 5, "refused": 0, "due": 2, "reminder": 4, "escalation": 2, "deadline": 0,
                      "skipped": 0}
    assert at_day(result, "reminder") == [(13, "mentor"), (13, "mentee"), (15, "mentor"), (15, "mentee")]
    assert at_day(result, "due") == [(15, "mentor"), (15, "mentee")]
    assert at_day(result, "escalation") == [(22, "coordinator"), (22, "coordinator")]
    assert {e.role for e in result.events if e.kind == "escalation"} == {"mentor", "mentee"}
    assert result.events[0].kind == "start" and result.events[0].to_state == "contracting"


def test_reflecting_every_14_days_gets_one_early_reminder_per_period_and_no_escalation() -> None:
    result = run(60, ("every:14",))
    counts = result.counts()
    assert counts["transition"] == 5 + 2 * 4  # both reflect on days 14, 28, 42, 56
    assert counts["due"] == 0 and counts["escalation"] == 0
    # Each reflection restarts the period, so only the "-P2D" reminder ever comes.
    assert at_day(result, "reminder") == [(d, r) for d in (13, 26, 40, 54) for r in ("mentor", "mentee")]


def test_only_the_mentee_reflects_so_only_the_mentor_is_escalated() -> None:
    result = run(30, ("mentee:14,28",))
    assert at_day(result, "escalation") == [(22, "coordinator")]
    [escalation] = [e for e in result.events if e.kind == "escalation"]
    assert escalation.role == "mentor"


def test_the_programme_end_deadline_fires_after_six_months() -> None:
    result = run(200, ("every:14",))
    [deadline] = [e for e in result.events if e.kind == "deadline"]
    assert (deadline.at - DEFAULT_START) == timedelta(days=180)
    assert (deadline.timer, deadline.transition, deadline.from_state, deadline.to_state) == (
        "programme_end", "begin_closure", "reflecting", "closing")
    # In "closing" no timer runs: nothing is owed after the deadline, and the policy finds nothing to do.
    after = result.events[result.events.index(deadline) + 1:]
    assert after and {e.kind for e in after} == {"skipped"}


def test_a_step_that_is_not_allowed_is_shown_as_refused_and_the_run_goes_on() -> None:
    result = simulate(base_workflow(), days=3, steps=[
        Step(timedelta(0), "mentee", "agree"), Step(timedelta(0), "mentor", "close"),
        Step(timedelta(days=1), "mentor", "sign_agreement")], reflect=[Reflect(timedelta(days=2), "mentee")])
    refused = [e for e in result.events if e.kind == "refused"]
    assert [e.transition for e in refused] == ["agree", "close"]
    assert "waiting for" in (refused[0].message or "")
    assert [e.kind for e in result.events][-2:] == ["transition", "skipped"]


def test_a_bad_workflow_is_rejected_with_its_problems() -> None:
    document = base_workflow()
    document["transitions"][0]["to"] = "nowhere"
    with pytest.raises(WorkflowInvalid):
        simulate(document, days=1)


def test_sample_form_data_satisfies_simple_schemas() -> None:
    schema = {"type": "object", "required": ["accept", "title", "when", "n", "kind", "tags", "ref"],
              "$defs": {"x": {"type": "string", "minLength": 12}},
              "properties": {"accept": {"const": True}, "title": {"type": "string", "minLength": 3, "maxLength": 5},
                             "when": {"type": "string", "format": "date"}, "n": {"type": "integer", "minimum": 2},
                             "kind": {"enum": ["a", "b"]}, "tags": {"type": "array", "items": {"type": "string"},
                                                                   "minItems": 1},
                             "ref": {"$ref": "#/$defs/x"}, "optional": {"type": "string"}}}
    assert sample(schema, DEFAULT_START) == {"accept": True, "title": "Simul", "when": "2026-01-05", "n": 2,
                                             "kind": "a", "tags": ["Simulated"], "ref": "Simulated..."}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXECUTABLE), "simulate", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": str(EXECUTABLE.parent), "MENTORFLOW_LOCALE": "en"})


def test_cli_text_and_json_on_the_default_template(tmp_path: Path) -> None:
    # The plain lifecycle the default template is built on: the default adds the lifecycle plugins' steps.
    (tmp_path / "lifecycle.json").write_text(json.dumps(base_workflow()), "utf-8")
    text = cli("lifecycle.json", "--days", "60", "--path", TO_REFLECTING, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("Simulating 'default-lifecycle'")
    assert "day  13 09:00  reminder    reminder to the mentee: Reflection due (due day 15 09:00)" in lines
    assert ("day  22 09:00  escalation  escalation to the coordinator: the mentor is 7 days late with Reflection "
            "due (due day 15 09:00)") in lines
    assert lines[-1] == "transitions: 5, refused: 0, due: 2, reminders: 4, escalations: 2, deadlines fired: 0"

    (tmp_path / "mine.json").write_text(json.dumps(base_workflow()), "utf-8")
    out = cli("mine.json", "--days", "30", "--format", "json", "--path", TO_REFLECTING, "--reflect", "mentee:14",
              "--data", 'submit_reflection={"went_well": "We met", "health": 5}', cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["workflow"] == "default-lifecycle" and report["days"] == 30
    assert report["counts"]["escalation"] == 1 and report["counts"]["transition"] == 6
    reflection = next(e for e in report["events"] if e.get("transition") == "submit_reflection")
    assert reflection == {"at": "2026-01-19T09:00:00+00:00", "day": 14.0, "kind": "transition", "role": "mentee",
                          "transition": "submit_reflection", "from_state": "reflecting", "to_state": "reflecting"}
    assert not list(tmp_path.glob("*.db")), "the simulation writes nothing but a temporary database"


@pytest.mark.parametrize("args, message", [
    (("nowhere.json",), "Cannot read nowhere.json: no such file, and no programme template of that name"),
    (("default", "--path", "three:mentor:agree"), "is not DAY:ROLE:TRANSITION"),
    (("default", "--reflect", "mentee:soon"), "is not [ROLE:]DAY,DAY... or [ROLE:]every:N"),
    (("default", "--data", "agree=[1]"), "is not TRANSITION=JSON-OBJECT"),
])
def test_cli_mistakes_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
