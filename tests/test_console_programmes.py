"""Programmes from the console (issue #17): created from a template, their versions, their coordinators.

On SQLite and PostgreSQL, through :mod:`mentorflow.integrations.web.console_programmes` (the console's pages and the
REST API both call it; their own tests go over HTTP). The rules: who may create a programme, that a template goes
through the loader and the names are checked at their fields with nothing written, who may grant and revoke
coordinators (a coordinator of that programme or an administrator, never across tenants), and that the last
coordinator stays.
"""

from __future__ import annotations

import pytest

from mentorflow.actors import SYSTEM
from mentorflow.engine import Engine
from mentorflow.errors import Forbidden, NotFound, ProblemsError, UserError
from mentorflow.integrations.web import console_programmes as programmes
from mentorflow.policy import Publisher, course_owner
from mentorflow.testing import Factory, lifecycle_workflow

NAMES = {"en": "Mentoring 2027", "da": "Mentorordning 2027"}


def coordinator_of_a_web_programme(factory: Factory, name: str = "Carla") -> int:
    key = factory.programme(f"home-{name.lower()}", lifecycle_workflow())
    return factory.person(name, role="coordinator", programme=key)


def pointers(error: pytest.ExceptionInfo[ProblemsError]) -> list[str]:
    return [p.pointer for p in error.value.problems]


def test_a_coordinator_creates_a_programme_from_a_template_and_coordinates_it(
        mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    carla = coordinator_of_a_web_programme(mentorflow_factory)
    assert "first-year-cohort" in {t.name for t in programmes.templates(mentorflow_engine)}
    created = programmes.create_from_template(mentorflow_engine, carla, "first-year-cohort", " mentoring-2027 ",
                                              NAMES)
    assert created["key"] == "mentoring-2027" and created["version"] == 1
    _vid, workflow = mentorflow_engine.current_workflow("mentoring-2027")
    assert workflow.programme["name"] == NAMES and workflow.programme["format"]["kind"] == "group"
    assert mentorflow_engine.programme_roles("mentoring-2027", carla) == {"coordinator"}
    [version] = programmes.versions(mentorflow_engine, "mentoring-2027", carla)
    assert version["version"] == 1 and version["current"] and version["relationships"] == 0
    assert [c["person_id"] for c in programmes.coordinators(mentorflow_engine, "mentoring-2027", carla)] == [carla]


def test_bad_input_is_refused_at_each_field_and_nothing_is_created(
        mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    carla = coordinator_of_a_web_programme(mentorflow_factory)
    before = mentorflow_engine.programmes()
    with pytest.raises(ProblemsError) as caught:
        programmes.create_from_template(mentorflow_engine, carla, "no-such-template", "Bad Key!",
                                        {"en": "  ", "da": "x" * 201})
    assert pointers(caught) == ["/key", "/name/da", "/name/en", "/template"]
    assert caught.value.status == 422
    with pytest.raises(ProblemsError) as caught:
        programmes.create_from_template(mentorflow_engine, carla, "default", "home-carla", "not an object")
    assert pointers(caught) == ["/key", "/name/da", "/name/en"]  # the key is taken
    assert mentorflow_engine.programmes() == before


def test_only_administrators_and_web_coordinators_create_programmes(
        mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    mentor = mentorflow_factory.person("Morten")
    with pytest.raises(Forbidden):
        programmes.create_from_template(mentorflow_engine, mentor, "default", "nope", NAMES)
    # A coordinator of an Open edX course's programme only: their course creates that course's programmes.
    course = "course-v1:Uni+M+2027"
    mentorflow_engine.publish_workflow("course-prog", lifecycle_workflow(),
                                       publisher=Publisher(course_owner(course)))
    staff = mentorflow_factory.person("Stine")
    mentorflow_engine.grant_role("course-prog", staff, "coordinator")
    with pytest.raises(Forbidden):
        programmes.create_from_template(mentorflow_engine, staff, "default", "nope", NAMES)
    assert "nope" not in {p["key"] for p in mentorflow_engine.programmes()}
    # An administrator (a person-less token acts as the system) may; nobody is made its coordinator.
    created = programmes.create_from_template(mentorflow_engine, SYSTEM, "default", "by-admin", NAMES,
                                              administrator=True)
    assert created["key"] == "by-admin"


def test_coordinators_are_granted_and_revoked_by_a_coordinator_of_that_programme_only(
        mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    key = mentorflow_factory.programme("prog", lifecycle_workflow())
    carla = mentorflow_factory.person("Carla", role="coordinator", programme=key)
    mentor = mentorflow_factory.person("Morten", role="mentor", programme=key)
    other = mentorflow_factory.programme("other", lifecycle_workflow())
    otto = mentorflow_factory.person("Otto", role="coordinator", programme=other)
    outsider = mentorflow_factory.person("Olga", role="mentee", programme=other)
    for who in (otto, mentor):
        with pytest.raises(Forbidden):
            programmes.grant_coordinator(mentorflow_engine, key, who, mentor)
        with pytest.raises(Forbidden):
            programmes.versions(mentorflow_engine, key, who)
    # Someone of no relation to the programme is answered as a person who does not exist.
    with pytest.raises(NotFound) as missing:
        programmes.grant_coordinator(mentorflow_engine, key, carla, outsider)
    with pytest.raises(NotFound) as nobody:
        programmes.grant_coordinator(mentorflow_engine, key, carla, 99999)
    assert str(missing.value).replace(str(outsider), "N") == str(nobody.value).replace("99999", "N")
    with pytest.raises(ProblemsError) as caught:
        programmes.grant_coordinator(mentorflow_engine, key, carla, "seven")
    assert pointers(caught) == ["/person_id"]
    assert programmes.grant_coordinator(mentorflow_engine, key, carla, mentor) is True
    assert programmes.grant_coordinator(mentorflow_engine, key, carla, str(mentor)) is False  # idempotent
    assert {c["person_id"] for c in programmes.coordinators(mentorflow_engine, key, carla)} == {carla, mentor}
    # Several coordinators; the new one may revoke the first, but the last one stays.
    programmes.revoke_coordinator(mentorflow_engine, key, mentor, carla)
    with pytest.raises(UserError, match="at least one coordinator"):
        programmes.revoke_coordinator(mentorflow_engine, key, mentor, mentor)
    assert mentorflow_engine.programme_roles(key, mentor) == {"mentor", "coordinator"}
    with pytest.raises(Forbidden):  # Carla no longer coordinates it
        programmes.grant_coordinator(mentorflow_engine, key, carla, carla)
    # An administrator names anyone.
    assert programmes.grant_coordinator(mentorflow_engine, key, SYSTEM, outsider, administrator=True)


def test_an_open_edx_programme_takes_no_coordinators_from_the_console(
        mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    course = "course-v1:Uni+M+2027"
    mentorflow_engine.publish_workflow("course-prog", lifecycle_workflow(),
                                       publisher=Publisher(course_owner(course)))
    staff = mentorflow_factory.person("Stine")
    learner = mentorflow_factory.person("Lars")
    mentorflow_engine.grant_role("course-prog", staff, "coordinator")
    mentorflow_engine.grant_role("course-prog", learner, "mentee")
    with pytest.raises(Forbidden, match="course"):
        programmes.grant_coordinator(mentorflow_engine, "course-prog", staff, learner)
    assert mentorflow_engine.programme_roles("course-prog", learner) == {"mentee"}
