"""What Canvas, Brightspace, Blackboard Learn, Schoology, Moodle and Open edX put in a launch (docs/lms.md has
the sources): their role lists per person, their product codes and the claims of their own they add.

:func:`launch_as` makes the test platform speak one dialect for one launch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LTI_SYSTEM = "http://purl.imsglobal.org/vocab/lti/system/person#"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@dataclass(frozen=True)
class Dialect:
    name: str
    product_family_code: str
    learner: list[str]
    instructor: list[str]
    admin: list[str]
    """A site or institution administrator who is not enrolled in the course."""
    claims: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)
    """Custom parameters as the platform sends them after its variable substitution."""


DIALECTS = {d.name: d for d in [
    Dialect("moodle", "moodle", [LIS + "membership#Learner"], [LIS + "membership#Instructor"],
            [LIS + "institution/person#Administrator", LIS + "system/person#Administrator"]),
    Dialect("openedx", "openedx", [LIS + "system/person#None", LIS + "institution/person#None",
                                   LIS + "membership#Learner"],
            [LIS + "system/person#None", LIS + "institution/person#None", LIS + "membership#Instructor"],
            [LIS + "system/person#Administrator", LIS + "institution/person#Administrator",
             LIS + "institution/person#Staff", LIS + "institution/person#Faculty",
             LIS + "institution/person#Instructor"],
            claims={LTI + "launch_presentation": {"document_target": "iframe", "locale": "en"}}),
    Dialect("canvas", "canvas",
            [LIS + "institution/person#Student", LIS + "membership#Learner", LTI_SYSTEM + "User"],
            [LIS + "institution/person#Instructor", LIS + "membership#Instructor", LTI_SYSTEM + "User"],
            [LIS + "institution/person#Administrator", LIS + "system/person#SysAdmin", LTI_SYSTEM + "User"],
            claims={LTI + "lti1p1": {"user_id": "535fa085f22b4655f48cd5a36a9215f64c062838"},
                    "https://www.instructure.com/placement": "course_navigation"},
            custom={"canvas_user_id": "42", "canvas_course_id": "7"}),
    Dialect("brightspace", "desire2learn",
            [LIS + "membership#Learner", LIS + "institution/person#Student"],
            [LIS + "membership#Instructor", LIS + "institution/person#Instructor"],
            [LIS + "institution/person#Administrator"],
            claims={"http://www.brightspace.com": {"username": "ann", "org_defined_id": "S123",
                                                   "user_id": 1042, "tenant_id": "b1f0"}}),
    Dialect("blackboard", "BlackboardLearn",
            [LIS + "membership#Learner", LIS + "institution/person#Student"],
            [LIS + "membership#Instructor", LIS + "institution/person#Faculty"],
            [LIS + "institution/person#Administrator", LIS + "system/person#SysAdmin"],
            custom={"user_batch_uid": "ann42"}),
    Dialect("schoology", "schoology",
            [LIS + "membership#Learner", LIS + "institution/person#Student"],
            [LIS + "membership#Instructor", LIS + "institution/person#Faculty"],
            [LIS + "institution/person#Administrator"]),
]}


def launch_as(dialect: Dialect) -> dict[str, Any]:
    """Claims to merge into a test launch so it reads as ``dialect``'s (its ``tool_platform`` and own claims)."""
    return {LTI + "tool_platform": {"guid": f"{dialect.name}-test", "product_family_code":
                                    dialect.product_family_code, "version": "test"}, **dialect.claims}
