"""Roles by vocabulary: context roles give course rights; institution and system roles only where the programme
says so. The role lists are what each platform really sends (see docs/lms.md)."""

from __future__ import annotations

import pytest

from mentorflow.integrations.lti.nrps import sync_roster
from mentorflow.integrations.lti.platforms import DEFAULT_ROLE_MAP
from mentorflow.integrations.lti.roles import targets, vocabulary
from mentorflow.integrations.lti.services import forget_tokens

from .conftest import Browser, Tool, course, person
from .platform import Person
from .test_services import link_course

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
MOODLE_ADMIN_LAUNCH = [LIS + "institution/person#Administrator", LIS + "system/person#Administrator",
                       LIS + "membership#Instructor"]
OPENEDX_STUDENT = [LIS + "system/person#None", LIS + "institution/person#None", LIS + "membership#Learner"]
OPENEDX_GLOBAL_STAFF = [LIS + "system/person#Administrator", LIS + "institution/person#Administrator",
                        LIS + "institution/person#Staff", LIS + "institution/person#Faculty",
                        LIS + "institution/person#Instructor", LIS + "membership#Administrator",
                        LIS + "membership#Instructor"]
CANVAS_STUDENT = [LIS + "institution/person#Student", LIS + "membership#Learner",
                  "http://purl.imsglobal.org/vocab/lti/system/person#User"]
CANVAS_TA = [LIS + "institution/person#Instructor", LIS + "membership#Instructor",
             LIS + "membership/Instructor#TeachingAssistant", "http://purl.imsglobal.org/vocab/lti/system/person#User"]
BRIGHTSPACE_LEARNER = [LIS + "membership#Learner", "urn:lti:instrole:ims/lis/Student"]
SCHOOLOGY_ADMIN = [LIS + "institution/person#Administrator", LIS + "membership#Learner"]


@pytest.mark.parametrize(("roles", "kinds"), [
    (["Instructor", "Learner"], ["context", "context"]),  # Moodle's NRPS: simple names
    ([LIS + "person#Administrator"], ["institution"]),  # Moodle's NRPS for site administrators
    (OPENEDX_STUDENT, ["system", "institution", "context"]),
    (CANVAS_TA, ["institution", "context", "context", "system"]),
    (BRIGHTSPACE_LEARNER, ["context", "institution"]),
    (["urn:lti:role:ims/lis/Instructor", "urn:lti:sysrole:ims/lis/SysAdmin", "https://example.edu/#Boss"],
     ["context", "system", "unknown"]),
])
def test_each_role_is_known_by_its_vocabulary(roles: list[str], kinds: list[str]) -> None:
    assert [vocabulary(r) for r in roles] == kinds


@pytest.mark.parametrize(("platform", "roles", "person_roles", "expected"), [
    ("moodle admin (launch)", MOODLE_ADMIN_LAUNCH, [], {"coordinator"}),  # through membership#Instructor
    ("moodle admin (NRPS)", [LIS + "person#Administrator"], [], set()),
    ("moodle admin (NRPS), institution roles on", [LIS + "person#Administrator"], ["institution"], {"coordinator"}),
    ("moodle teacher (NRPS)", ["Instructor"], [], {"coordinator"}),
    ("open edx student", OPENEDX_STUDENT, [], {"participant"}),
    ("open edx student, all roles on", OPENEDX_STUDENT, ["institution", "system"], {"participant"}),
    ("open edx global staff", OPENEDX_GLOBAL_STAFF, [], {"coordinator"}),
    ("canvas student", CANVAS_STUDENT, ["institution", "system"], {"participant"}),
    ("canvas TA", CANVAS_TA, [], {"coordinator"}),
    ("brightspace learner", BRIGHTSPACE_LEARNER, [], {"participant"}),
    ("schoology: an administrator learning in a course", SCHOOLOGY_ADMIN, [], {"participant"}),
    ("schoology: the same, system and institution roles on", SCHOOLOGY_ADMIN, ["institution", "system"],
     {"participant", "coordinator"}),
    ("institution instructor who is a learner here", [LIS + "institution/person#Instructor",
                                                      LIS + "membership#Learner"], [], {"participant"}),
])
def test_context_roles_give_course_rights_and_person_roles_only_when_the_programme_says_so(
        platform: str, roles: list[str], person_roles: list[str], expected: set[str]) -> None:
    assert targets(roles, DEFAULT_ROLE_MAP, person_roles) == expected, platform


def test_an_institution_instructor_launching_as_a_learner_is_not_made_coordinator(tool: Tool, browser: Browser) -> None:
    key = tool.programme(learner_role="mentee")
    learner = Person(sub="inst-learner-" + key, name="Ida Lund", email=f"ida-{key}@example.edu",
                     roles=[LIS + "institution/person#Instructor", LIS + "membership#Learner"])
    tool.platform.expect("ida-" + key, learner, course(tool.platform), custom={"programme": key})
    launched = browser.launch("ida-" + key)
    assert launched.status_code == 303 and launched.headers["location"].endswith("/me")
    engine = tool.engine()
    assert engine.programme_roles(key, engine.find_person(f"lti:{tool.platform.url}", learner.sub)) == {"mentee"}
    engine.db.dispose()


def test_a_programme_may_let_institution_roles_count(sqlite_tool: Tool) -> None:
    tool = sqlite_tool
    key = tool.programme(person_roles=["institution"])
    staff = Person(sub="inst-staff-" + key, name="Stig Staff", email=f"stig-{key}@example.edu",
                   roles=[LIS + "institution/person#Administrator"])
    tool.platform.expect("stig-" + key, staff, course(tool.platform), custom={"programme": key})
    b = Browser(tool)
    launched = b.launch("stig-" + key)
    b.close()
    assert launched.status_code == 303 and launched.headers["location"].endswith(f"/coordinator/{key}")


def test_moodle_roster_roles_map_by_vocabulary(sqlite_tool: Tool) -> None:
    """Moodle's NRPS: simple names for course roles, ``.../v2/person#Administrator`` for a site administrator."""
    tool = sqlite_tool
    key = tool.programme(learner_role="mentee")
    room = course(tool.platform, "Roster vocabularies")
    teacher = person("Instructor")
    nrps_teacher = Person(sub=teacher.sub, name=teacher.name, email=teacher.email, roles=["Instructor"])
    learner = Person(sub="nrps-learner-" + key, name="Lea Learner", email=f"lea-{key}@example.edu",
                     roles=["Learner"])
    admin = Person(sub="nrps-admin-" + key, name="Ada Admin", email=f"ada-{key}@example.edu",
                   roles=[LIS + "person#Administrator"])
    room.members = [nrps_teacher, learner, admin]
    row = link_course(tool, room, key, teacher)
    forget_tokens()
    engine = tool.engine()
    report = sync_roster(engine, row)
    assert report.roles == {"coordinator": 1, "participant": 1}
    source = f"lti:{tool.platform.url}"
    assert engine.programme_roles(key, engine.find_person(source, learner.sub)) == {"mentee"}
    assert engine.programme_roles(key, engine.find_person(source, admin.sub)) == set()
    engine.db.dispose()
