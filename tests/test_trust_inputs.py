"""Input boundaries (issue #21): text that is not Unicode, names and addresses, pairing strangers, timer cadence.

Each check runs against the engine on SQLite and PostgreSQL (the ``mentorflow_engine`` fixture), or
through the real command line. The HTTP side is in ``tests/web/test_trust_inputs_http.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mentorflow import Engine
from mentorflow.db.models import AuditEvent, Person
from mentorflow.errors import FormInvalid, NotFound, WorkflowInvalid
from mentorflow.testing import Factory, lifecycle_workflow
from mentorflow.text import (
    MAX_DISPLAY_NAME,
    check_person,
    display_name_problems,
    email_problems,
    sanitise_display_name,
    sanitise_email,
    text_problems,
)

HOSTILE_NAMES = {
    "right-to-left override": "Eve\u202egnp.exe",
    "left-to-right isolate": "Eve\u2066x",
    "zero-width only": "\u200b\u200c\u200d",
    "hangul filler only": "\u3164",
    "newline": "Eve\nAdmin",
    "line separator": "Eve\u2028Admin",
    "control character": "Eve\x07",
    "NUL": "Eve\x00",
    "100,000 characters": "E" * 100_000,
    "unpaired surrogate": "Eve\ud800",
    "blank": "   ",
}
BAD_EMAILS = ["not an address", "eve", "eve@", "@example.org", "eve@example", "eve@@example.org", "eve@exa mple.org",
              "e ve@example.org", "eve@-example.org", "eve@example..org", ".eve@example.org", "eve.@example.org",
              "eve@exam\nple.org", "eve\u202e@example.org", "eve@example.123", "eve\ud800@example.org",
              "x" * 65 + "@example.org", "eve@" + "a" * 250 + ".org", "<eve@example.org>", "eve@ex_ample.org"]
GOOD_EMAILS = ["eve@example.org", "Eve.Smith+mentoring@Example.ORG", "søren@kø.dk", "o'neil@example.co.uk",
               "eve@xn--k-0ga.dk"]


def people(engine: Engine) -> int:
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(Person.__table__)).scalar_one()


# -- the rules themselves --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_display_names_are_refused_at_the_field(name: str) -> None:
    cleaned, problems = display_name_problems(name)
    assert cleaned is None and [p.pointer for p in problems] == ["/display_name"], problems
    assert problems[0].message


def test_good_display_names_are_kept_and_normalised() -> None:
    decomposed = "Søren Kierkegaard".replace("ø", "o\u0338")  # not NFC: an o followed by a combining stroke
    for name in ("Mia", "Ærø Åse-Øst", "محمد", "שרה", "Nasrin\u200cZadeh", "李小龙", "O'Neil", "Zoë 🙂", decomposed,
                 "N" * MAX_DISPLAY_NAME):
        cleaned, problems = display_name_problems(f"  {name} ")
        assert not problems, (name, problems)
        assert cleaned is not None and cleaned == cleaned.strip()
    import unicodedata

    assert display_name_problems("Zoe\u0308")[0] == unicodedata.normalize("NFC", "Zoe\u0308") == "Zoë"


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_addresses_that_are_not_addresses_are_refused(email: str) -> None:
    address, problems = email_problems(email)
    assert address is None and [p.pointer for p in problems] == ["/email"], email


@pytest.mark.parametrize("email", GOOD_EMAILS)
def test_real_addresses_pass_with_the_domain_in_lower_case(email: str) -> None:
    address, problems = email_problems(f" {email} ")
    assert not problems and address is not None
    assert address.split("@")[1] == email.split("@")[1].lower()


def test_names_and_addresses_from_an_lms_are_cleaned_not_refused() -> None:
    assert sanitise_display_name("Eve\u202e Smith") == "Eve Smith"
    assert sanitise_display_name("Eve\nSmith\t(admin)") == "Eve Smith (admin)"
    assert sanitise_display_name("Eve\ud800") == "Eve"
    assert sanitise_display_name("\u200b\u202e") is None  # nothing visible left: the caller's fallback applies
    assert len(sanitise_display_name("E" * 100_000) or "") == MAX_DISPLAY_NAME
    assert sanitise_email("eve@Example.org") == "eve@example.org"
    assert sanitise_email("not an address") is None and sanitise_email("") is None


def test_text_problems_point_at_every_bad_string_and_key() -> None:
    found = text_problems({"a": ["ok", "x\ud800"], "b\udfff": 1, "c": {"d": "\udc00"}})
    assert [p.pointer for p in found] == ["/a/1", "/b\\udfff", "/c/d"]
    assert "U+D800" in found[0].message
    assert text_problems({"fine": ["ok", 1, None, {"k": "ø"}]}) == []
    deep: object = "x\ud800"
    for _ in range(5000):  # iterative: no recursion limit
        deep = [deep]
    assert len(text_problems(deep)) == 1


# -- the engine ------------------------------------------------------------------------------------------------

def test_add_person_refuses_bad_names_and_addresses_and_writes_nothing(mentorflow_engine: Engine) -> None:
    before = people(mentorflow_engine)
    for name in HOSTILE_NAMES.values():
        with pytest.raises(FormInvalid) as caught:
            mentorflow_engine.add_person(name)
        assert [p.pointer for p in caught.value.problems] == ["/display_name"]
    with pytest.raises(FormInvalid) as caught:
        mentorflow_engine.add_person("Eve\u202e", email="not an address")
    assert [p.pointer for p in caught.value.problems] == ["/display_name", "/email"]
    assert people(mentorflow_engine) == before
    pid = mentorflow_engine.add_person("  Zoe\u0308 ", email="Zoe@Example.ORG")
    stored = mentorflow_engine.person(pid)
    assert (stored["display_name"], stored["email"]) == ("Zoë", "Zoe@example.org")


def test_form_data_with_a_lone_surrogate_is_refused_at_its_pointer(mentorflow_factory: Factory) -> None:
    engine = mentorflow_factory.engine
    mentorflow_factory.programme("p", lifecycle_workflow())
    rel = mentorflow_factory.relationship("p")
    with pytest.raises(FormInvalid) as caught:
        engine.fire(rel, "pause", rel.mentor_id, {"note": "a\ud800b"})  # type: ignore[arg-type]
    assert [p.pointer for p in caught.value.problems] == ["/note"]
    assert engine.get(rel.id).version == rel.version  # nothing written
    with engine.read() as conn:
        assert conn.execute(select(func.count()).select_from(AuditEvent.__table__)).scalar_one() == 1
    assert engine.fire(rel, "pause", rel.mentor_id, {"note": "a\u00f8b"}).to_state == "paused"  # type: ignore[arg-type]


def test_a_coordinator_cannot_pair_people_outside_the_programme_or_learn_their_name(
        mentorflow_factory: Factory) -> None:
    engine = mentorflow_factory.engine
    mentorflow_factory.programme("p", lifecycle_workflow())
    mentorflow_factory.programme("other", lifecycle_workflow())
    coordinator = mentorflow_factory.coordinator("p")
    mentee = mentorflow_factory.person("Mia", role="mentee", programme="p")
    stranger = mentorflow_factory.person("Secret Stranger", role="mentor", programme="other")
    missing = stranger + 1000
    answers = []
    for mentor in (stranger, missing):
        with pytest.raises(NotFound) as caught:
            engine.start_relationship("p", mentee=mentee, mentor=mentor, actor=coordinator)
        answers.append(caught.value.message.replace(str(mentor), "<id>"))
    assert answers[0] == answers[1] and "Secret" not in answers[0]
    with pytest.raises(NotFound):
        engine.start_relationship("p", mentee=stranger, actor=coordinator)
    # Once enrolled in the programme the same person may be paired; the system pairs anyone.
    engine.grant_role("p", stranger, "mentor")
    assert engine.start_relationship("p", mentee=mentee, mentor=stranger, actor=coordinator).mentor_id == stranger
    outsider = mentorflow_factory.person("Olga")
    assert engine.start_relationship("p", mentee=outsider).mentee_id == outsider


# -- workflows -------------------------------------------------------------------------------------------------

def test_a_workflow_with_a_lone_surrogate_is_refused_with_its_pointer(mentorflow_engine: Engine) -> None:
    document = lifecycle_workflow()
    document["states"][0]["label"]["en"] = "Contract\ud800ing"
    with pytest.raises(WorkflowInvalid) as caught:
        mentorflow_engine.load_workflow(document)
    assert [p.pointer for p in caught.value.problems] == ["/states/0/label/en"]


@pytest.mark.parametrize(("every", "refused"), [("PT1S", True), ("PT59M", True), ("PT1H", False), ("P14D", False)])
def test_recurring_timers_repeat_at_most_hourly(mentorflow_engine: Engine, every: str, refused: bool) -> None:
    document = lifecycle_workflow()
    index = next(i for i, t in enumerate(document["timers"]) if t["kind"] == "recurring")
    document["timers"][index]["every"] = every
    if not refused:
        mentorflow_engine.load_workflow(document)
        return
    with pytest.raises(WorkflowInvalid) as caught:
        mentorflow_engine.load_workflow(document)
    assert [p.pointer for p in caught.value.problems] == [f"/timers/{index}/every"]
    assert "PT1H" in caught.value.problems[0].message


def test_shipped_templates_respect_the_minimum_cadence() -> None:
    from mentorflow.durations import parse_duration
    from mentorflow.schemas import template_paths
    from mentorflow.workflow.loader import MIN_RECURRING_PERIOD

    for path in template_paths().values():
        for timer in json.loads(path.read_text("utf-8")).get("timers", []):
            if timer["kind"] == "recurring":
                assert parse_duration(timer["every"]) >= MIN_RECURRING_PERIOD, (path, timer)


def test_validate_reports_a_lone_surrogate_with_exit_code_2_and_no_traceback(tmp_path: Path) -> None:
    document = lifecycle_workflow()
    document["states"][0]["label"]["en"] = "Contract\ud800ing"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), "utf-8")  # ensure_ascii: the file holds the escape \ud800
    for extra in ((), ("--format", "json")):
        done = subprocess.run([sys.executable, "-m", "mentorflow", "validate", *extra, str(path)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        assert "/states/0/label/en" in done.stderr + done.stdout and "U+D800" in done.stderr + done.stdout


def test_check_person_reports_both_fields_at_once() -> None:
    with pytest.raises(FormInvalid) as caught:
        check_person("\u202e", "nope", form="request")
    assert [p.pointer for p in caught.value.problems] == ["/display_name", "/email"]


# -- identities synced from an LMS are cleaned, not refused ----------------------------------------------------

def test_lti_identities_are_stored_cleaned_on_creation_and_update(mentorflow_engine: Engine) -> None:
    from mentorflow.integrations.lti.people import upsert_person

    issuer = "https://lms.example.edu"
    pid, created = upsert_person(mentorflow_engine, issuer, "u1", {"name": "Eve\u202e Smith\n", "email": "nope"})
    assert created
    stored = mentorflow_engine.person(pid)
    assert (stored["display_name"], stored["email"]) == ("Eve Smith", None)
    same, created = upsert_person(mentorflow_engine, issuer, "u1", {"name": "Eve\x07 " + "S" * 500,
                                                                    "email": "eve@Example.edu"})
    assert same == pid and not created
    stored = mentorflow_engine.person(pid)
    assert stored["display_name"].startswith("Eve S") and len(stored["display_name"]) == 200
    assert stored["email"] == "eve@example.edu"
    # Nothing visible left: the platform's fallback name, never an invisible one.
    other, _created = upsert_person(mentorflow_engine, issuer, "u2", {"name": "\u200b\u202e"})
    assert mentorflow_engine.person(other)["display_name"] == "Participant u2"


def test_open_edx_identities_are_cleaned() -> None:
    from types import SimpleNamespace

    from mentorflow.integrations.openedx.config import Config
    from mentorflow.integrations.openedx.identity import identify

    user = SimpleNamespace(opt_attrs={"edx-platform.user_id": 7, "edx-platform.username": "eve"},
                           full_name="\u202eEve\tSmith", emails=["not-an-address"])
    who = identify(user, Config(site="learn.example.edu"))
    assert who is not None and (who.display_name, who.email) == ("Eve Smith", None)
    hidden = SimpleNamespace(opt_attrs={"edx-platform.user_id": 8, "edx-platform.username": "\u200b"},
                             full_name="\u2066", emails=[])
    assert identify(hidden, Config(site="learn.example.edu")).display_name == "User 8"  # type: ignore[union-attr]


def test_whole_hours_format_as_iso_durations() -> None:
    """The timer minimum's message says PT1H: before, whole hours formatted as P0D."""
    from datetime import timedelta

    from mentorflow.durations import format_duration

    assert [format_duration(v) for v in (timedelta(hours=1), timedelta(days=1, hours=12), timedelta(minutes=90),
                                         timedelta(days=14), timedelta(0))] == ["PT1H", "P1DT12H", "PT1H30M",
                                                                                "P14D", "P0D"]

