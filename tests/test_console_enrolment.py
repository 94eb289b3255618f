"""Enrolment with approval, and invitation links (issue #17), on SQLite and PostgreSQL.

Approval off: an invitation link enrols at once. Approval on: the person is a pending applicant until a coordinator
of that programme approves (the role is granted) or declines with a reason the applicant reads; the decision keeps
who and when. Links are per programme and role, expire, can be revoked, and an unknown, expired or revoked link
gets one and the same answer. Only the programme's coordinators manage either.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mentorflow.clock import ManualClock
from mentorflow.errors import Forbidden, FormInvalid, NotFound, UserError
from mentorflow.integrations.web import enrolment
from mentorflow.testing import Factory, lifecycle_workflow


@pytest.fixture
def world(mentorflow_engine: Any, mentorflow_factory: Factory) -> dict[str, Any]:
    key = mentorflow_factory.programme("prog", lifecycle_workflow())
    other = mentorflow_factory.programme("other", lifecycle_workflow())
    return {"engine": mentorflow_engine, "key": key,
            "carla": mentorflow_factory.person("Carla", role="coordinator", programme=key),
            "otto": mentorflow_factory.person("Otto", role="coordinator", programme=other),
            "sofie": mentorflow_factory.person("Sofie"), "bo": mentorflow_factory.person("Bo")}


def test_without_approval_a_link_enrols_at_once_and_twice_changes_nothing(world: dict[str, Any]) -> None:
    engine, key, carla, sofie = world["engine"], world["key"], world["carla"], world["sofie"]
    assert enrolment.approval(engine, key, carla) is False
    secret, info = enrolment.create_invitation(engine, key, carla, "mentee")
    assert info.role == "mentee" and info.uses == 0 and secret.startswith("inv_")
    assert enrolment.accept(engine, secret, sofie)["status"] == "enrolled"
    assert engine.programme_roles(key, sofie) == {"mentee"}
    assert enrolment.accept(engine, secret, sofie)["status"] == "already"
    assert [i.uses for i in enrolment.invitations(engine, key, carla)] == [1]
    with pytest.raises(FormInvalid) as caught:  # a programme without a sign-up profile takes none
        enrolment.accept(engine, secret, world["bo"], {"about": "me"})
    assert [p.pointer for p in caught.value.problems] == ["/profile"]
    assert engine.programme_roles(key, world["bo"]) == set()


def test_with_approval_applicants_wait_and_the_coordinator_decides(world: dict[str, Any]) -> None:
    engine, key, carla, sofie, bo = world["engine"], world["key"], world["carla"], world["sofie"], world["bo"]
    enrolment.set_approval(engine, key, carla, True)
    secret, _info = enrolment.create_invitation(engine, key, carla, "mentor", days=7)
    first = enrolment.accept(engine, secret, sofie)
    assert first["status"] == "pending" and engine.programme_roles(key, sofie) == set()
    assert enrolment.accept(engine, secret, sofie) == first  # the same application
    enrolment.accept(engine, secret, bo)
    pending = enrolment.applications(engine, key, carla)
    assert [(a["person_id"], a["role"]) for a in pending] == [(sofie, "mentor"), (bo, "mentor")]
    with pytest.raises(FormInvalid) as caught:  # declining says why
        enrolment.decide(engine, key, carla, pending[1]["id"], False, "  ")
    assert [p.pointer for p in caught.value.problems] == ["/reason"]
    with pytest.raises(Forbidden):
        enrolment.decide(engine, key, world["otto"], pending[0]["id"], True)
    assert enrolment.decide(engine, key, carla, pending[0]["id"], True)["status"] == "approved"
    assert engine.programme_roles(key, sofie) == {"mentor"}
    enrolment.decide(engine, key, carla, pending[1]["id"], False, "We have enough mentors this term.")
    assert engine.programme_roles(key, bo) == set()
    with pytest.raises(UserError, match="decided already"):
        enrolment.decide(engine, key, carla, pending[1]["id"], True)
    [mine] = enrolment.my_applications(engine, bo)
    assert mine["status"] == "declined" and mine["reason"] == "We have enough mentors this term."
    decided = {a["id"]: a for a in enrolment.applications(engine, key, carla, None)}
    assert decided[pending[1]["id"]]["decided_by"] == carla and decided[pending[1]["id"]]["decided_at"]
    assert enrolment.applications(engine, key, carla) == []


def test_links_expire_and_are_revoked_and_say_the_same_either_way(world: dict[str, Any],
                                                                 mentorflow_clock: ManualClock) -> None:
    engine, key, carla = world["engine"], world["key"], world["carla"]
    short, _ = enrolment.create_invitation(engine, key, carla, "mentee", days=1)
    revoked, info = enrolment.create_invitation(engine, key, carla, "mentee")
    enrolment.revoke_invitation(engine, key, carla, info.id)
    with pytest.raises(NotFound):
        enrolment.revoke_invitation(engine, key, carla, info.id)
    mentorflow_clock.advance(timedelta(days=1, seconds=1))
    answers = set()
    for secret in (short, revoked, short[:-2] + "xx", "inv_nothing_here", "nonsense", None):
        with pytest.raises(NotFound) as caught:
            enrolment.accept(engine, secret, world["sofie"])
        answers.add(str(caught.value))
    assert len(answers) == 1
    assert engine.programme_roles(key, world["sofie"]) == set()


def test_only_the_programmes_coordinators_manage_enrolment(world: dict[str, Any]) -> None:
    engine, key, otto = world["engine"], world["key"], world["otto"]
    for call in (lambda: enrolment.set_approval(engine, key, otto, True),
                 lambda: enrolment.create_invitation(engine, key, otto, "mentee"),
                 lambda: enrolment.invitations(engine, key, otto),
                 lambda: enrolment.applications(engine, key, otto)):
        with pytest.raises(Forbidden):
            call()
    with pytest.raises(FormInvalid) as caught:
        enrolment.create_invitation(engine, key, world["carla"], "coordinator", days=365)
    assert [p.pointer for p in caught.value.problems] == ["/days", "/role"]
    with pytest.raises(FormInvalid):
        enrolment.set_approval(engine, key, world["carla"], "yes")


def test_the_sign_up_profile_is_checked_first_and_stored_on_approval(mentorflow_engine: Any,
                                                                    mentorflow_factory: Factory) -> None:
    from mentorflow.plugins.matching.profiles import get_profile
    from tests.workflows_matching import Cohort

    cohort = Cohort(mentorflow_factory, key="with-profile")
    engine, key, carla = mentorflow_engine, cohort.key, cohort.coordinator
    sofie = mentorflow_factory.person("Sofie")
    enrolment.set_approval(engine, key, carla, True)
    secret, _info = enrolment.create_invitation(engine, key, carla, "mentee")
    with pytest.raises(FormInvalid) as caught:  # the programme's profile schema: languages are required
        enrolment.accept(engine, secret, sofie, {"career_stage": "astronaut"})
    assert {p.pointer for p in caught.value.problems} >= {"/career_stage"}
    assert enrolment.applications(engine, key, carla) == []
    enrolment.accept(engine, secret, sofie, {"languages": ["da"], "career_stage": "student"})
    assert get_profile(engine, key, sofie, "mentee", carla) is None  # stored only when approved
    [pending] = enrolment.applications(engine, key, carla)
    enrolment.decide(engine, key, carla, pending["id"], True)
    stored = get_profile(engine, key, sofie, "mentee", carla)
    assert stored is not None and stored.data["languages"] == ["da"]
