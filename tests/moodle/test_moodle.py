"""Moodle Web Services in use: cohorts as enrolment sources, mirrored Mentor roles, the ``moodle`` channel."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mentorflow.engine import Engine
from mentorflow.errors import ConfigurationError, NotFound, PluginError
from mentorflow.integrations.moodle.client import MoodleInvalidToken
from mentorflow.integrations.moodle.cohorts import import_cohort
from mentorflow.integrations.moodle.mentor_roles import process_pending, queued
from mentorflow.integrations.moodle.sites import add_site, get_site
from mentorflow.notifications import Message
from mentorflow.testing import Factory
from tests.lti.conftest import TINY, run_cli

from .fake_moodle import FakeMoodle

MENTOR_ROLE = 9


def programme(factory: Factory, key: str = "buddies", **moodle: Any) -> str:
    document = copy.deepcopy(TINY)
    document["programme"]["settings"] = {"moodle": moodle}
    return factory.programme(key, document)


def cohort(moodle: FakeMoodle, cohort_id: int, name: str, members: list[int]) -> None:
    moodle.cohorts[cohort_id] = {"id": cohort_id, "name": name, "idnumber": f"C-{cohort_id}", "visible": True}
    moodle.members[cohort_id] = members


def test_a_cohort_is_imported_as_mentees_and_its_people_are_linked(mentorflow_engine: Engine,
                                                                     mentorflow_factory: Factory,
                                                                     moodle: FakeMoodle) -> None:
    key = programme(mentorflow_factory)
    for uid, first in ((11, "Ida"), (12, "Jon"), (13, "Kim")):
        moodle.user(uid, first, "Student")
    cohort(moodle, 4, "First years 2026", [11, 12, 13])
    site = add_site(mentorflow_engine, moodle.url + "/", FakeMoodle.TOKEN, MENTOR_ROLE)
    # Kim launched through LTI before: the LTI sub is the Moodle user id, so Kim is found, not duplicated.
    kim = mentorflow_engine.add_person("Kim S.", external_ids={f"lti:{moodle.url}": "13"})
    report = import_cohort(mentorflow_engine, site, key, "C-4", "mentee")
    assert report.as_dict() == {"cohort": "First years 2026", "members": 3, "created": 2, "linked": 1, "granted": 3}
    ida = mentorflow_engine.find_person(f"moodle:{moodle.url}", "11")
    assert ida is not None and mentorflow_engine.person(ida)["email"] == "ida@uni.example"
    assert mentorflow_engine.find_person(f"lti:{moodle.url}", "11") == ida  # their first launch will find them
    assert mentorflow_engine.find_person(f"moodle:{moodle.url}", "13") == kim
    assert mentorflow_engine.person(kim)["display_name"] == "Kim Student"
    assert all(mentorflow_engine.programme_roles(key, p) == {"mentee"} for p in (ida, kim))
    again = import_cohort(mentorflow_engine, site, key, "First years 2026", "mentee")
    assert (again.created, again.granted) == (0, 0)
    with pytest.raises(NotFound, match="no cohort"):
        import_cohort(mentorflow_engine, site, key, "nobody", "mentee")


def test_mentor_assignments_are_mirrored_as_moodle_user_context_roles(mentorflow_engine: Engine,
                                                                     mentorflow_factory: Factory,
                                                                     moodle: FakeMoodle) -> None:
    key = programme(mentorflow_factory, mentor_role=True)
    add_site(mentorflow_engine, moodle.url, FakeMoodle.TOKEN, MENTOR_ROLE)
    source = f"moodle:{moodle.url}"
    mentor = mentorflow_factory.person("Mo", role="mentor", programme=key,
                                       external_ids={source: str(moodle.user(21, "Mo", "Mentor"))})
    mentee = mentorflow_factory.person("Me", role="mentee", programme=key,
                                       external_ids={source: str(moodle.user(22, "Me", "Mentee"))})
    offline = mentorflow_factory.person("No Moodle", role="mentee", programme=key)
    relationship = mentorflow_engine.start_relationship(key, mentee=mentee, mentor=mentor)
    mentorflow_engine.start_relationship(key, mentee=offline, mentor=mentor)
    assert [r["status"] for r in queued(mentorflow_engine)] == ["pending", "pending"]  # queued with the start
    assert process_pending(mentorflow_engine).as_dict() == {"done": 1, "skipped": 1, "failed": 0, "retrying": 0}
    assert moodle.roles == {(MENTOR_ROLE, 21, "user", 22)}
    assert moodle.calls[-1][0] == "core_role_assign_roles"
    relationship = mentorflow_engine.fire(relationship, "begin", mentee).relationship
    mentorflow_engine.fire(relationship, "finish", mentor)  # closing takes the role back, right after the commit
    assert moodle.roles == set()
    assert [r["action"] for r in queued(mentorflow_engine, "done")] == ["assign", "unassign"]


def test_failed_role_calls_are_retried_later(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                             moodle: FakeMoodle) -> None:
    key = programme(mentorflow_factory, mentor_role=True)
    add_site(mentorflow_engine, moodle.url, FakeMoodle.TOKEN, MENTOR_ROLE)
    source = f"moodle:{moodle.url}"
    mentor = mentorflow_factory.person("Mo", role="mentor", programme=key, external_ids={source: "31"})
    mentee = mentorflow_factory.person("Me", role="mentee", programme=key, external_ids={source: "32"})
    mentorflow_engine.start_relationship(key, mentee=mentee, mentor=mentor)
    report = process_pending(mentorflow_engine)  # Moodle does not know users 31 and 32 yet
    assert report.retrying == 1
    [row] = queued(mentorflow_engine)
    assert row["status"] == "pending" and "invaliduser" in row["last_error"]
    moodle.user(31, "Mo", "M")
    moodle.user(32, "Me", "M")
    assert process_pending(mentorflow_engine).done == 1 and moodle.roles == {(MENTOR_ROLE, 31, "user", 32)}


def test_programmes_without_the_setting_leave_moodle_alone(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                          moodle: FakeMoodle) -> None:
    key = programme(mentorflow_factory)
    add_site(mentorflow_engine, moodle.url, FakeMoodle.TOKEN, MENTOR_ROLE)
    mentorflow_factory.relationship(key)
    assert queued(mentorflow_engine) == []


def test_the_moodle_channel_sends_an_instant_message(mentorflow_engine: Engine, moodle: FakeMoodle) -> None:
    add_site(mentorflow_engine, moodle.url, FakeMoodle.TOKEN)
    person = mentorflow_engine.add_person("Ada", external_ids={f"lti:{moodle.url}": str(moodle.user(5, "Ada", "L"))})
    message = Message(person, None, "en", "Time to reflect", "Your reflection is due.", meta={"key": "r:1:2026-w3"})
    assert mentorflow_engine.notify(message, ("moodle",)) == ["moodle"]
    [sent] = moodle.messages
    assert sent == {"touserid": "5", "text": "Time to reflect\n\nYour reflection is due.", "textformat": "2",
                    "clientmsgid": "r:1:2026-w3"}
    stranger = mentorflow_engine.add_person("No account")
    with pytest.raises(PluginError) as failed:
        mentorflow_engine.notify(Message(stranger, None, "en", "s", "b"), ("moodle",))
    assert isinstance(failed.value.__cause__ or failed.value.error, ConfigurationError)  # type: ignore[attr-defined]
    moodle.messaging_enabled = False
    with pytest.raises(PluginError, match="Messaging is disabled"):
        mentorflow_engine.notify(message, ("moodle",))


def test_the_moodle_channel_needs_no_start_up_hook_and_reads_through_the_engine_sending(
        mentorflow_engine: Engine, moodle: FakeMoodle, tmp_path: Any) -> None:
    from mentorflow.integrations.moodle import plugin

    assert not hasattr(plugin, "mentorflow_startup")  # nothing hands the channel an engine at start-up
    add_site(mentorflow_engine, moodle.url, FakeMoodle.TOKEN)
    person = mentorflow_engine.add_person("Ada", external_ids={f"lti:{moodle.url}": str(moodle.user(5, "Ada", "L"))})
    other = Engine(f"sqlite:///{tmp_path / 'other.db'}")  # another database: no site, nobody known
    try:
        other.upgrade_database()
        channel = other.channels["moodle"] = mentorflow_engine.channels["moodle"]  # one channel object for both
        assert not hasattr(channel, "engine")
        message = Message(person, None, "en", "Hello", "Hi")
        assert mentorflow_engine.notify(message, ("moodle",)) == ["moodle"]
        with pytest.raises(PluginError, match="no Moodle account"):
            other.notify(message, ("moodle",))
        assert len(moodle.messages) == 1
    finally:
        other.db.dispose()


def test_a_wrong_token_is_reported_plainly(mentorflow_engine: Engine, moodle: FakeMoodle) -> None:
    site = add_site(mentorflow_engine, moodle.url, "wrong-token")
    with site.client() as client, pytest.raises(MoodleInvalidToken, match="Invalid token"):
        client.site_info()
    assert get_site(mentorflow_engine).url == moodle.url


def test_cli_imports_a_cohort_with_a_progress_bar(tmp_path: Any, moodle: FakeMoodle) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = Engine(database)
    engine.upgrade_database()
    engine.publish_workflow("club", TINY)
    engine.db.dispose()
    moodle.user(41, "Liv", "Mentor")
    cohort(moodle, 8, "Mentors", [41])
    env = {"MENTORFLOW_DATABASE_URL": database, "MENTORFLOW_MOODLE_TOKEN": FakeMoodle.TOKEN}

    def run(*args: str) -> Any:
        return run_cli("moodle", *args, env=env)

    assert run("add-site", moodle.url, "--mentor-role-id", "9").exit_code == 0
    imported = run("import-cohort", "--programme", "club", "--cohort", "Mentors", "--role", "mentor")
    assert imported.exit_code == 0, imported.stderr
    assert "1 members, 1 new people, 1 given the role mentor" in imported.stdout
    assert "Cohort members" in imported.stderr
    checked = run("check")
    assert "Connected to Test Moodle as mentorflow-bot" in checked.stdout
    missing = run("import-cohort", "--programme", "club", "--cohort", "nope", "--role", "mentor")
    assert missing.exit_code == 2 and "no cohort" in missing.stderr and "Traceback" not in missing.stderr
