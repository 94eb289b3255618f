"""From LTI roles to programme roles, through the deployment's role map and the programme's settings.

LTI 1.3 (core, appendix A.2) has distinct vocabularies: system roles (A.2.1,
``.../lis/v2/system/person#...``), institution roles (A.2.2,
``.../lis/v2/institution/person#...``) and context roles (A.2.3,
``.../lis/v2/membership#...``, sub-roles ``.../membership/Instructor#TeachingAssistant``,
and the simple names ``Instructor``, ``Learner`` ... that Moodle's NRPS sends).
``institution/person#Instructor`` says what someone is at the university,
not in this course: only context roles give course rights, unless the
programme's ``settings.lti.person_roles`` lets institution or system roles count too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from mentorflow.snapshots import MEMBER_ROLES as ROLE_ORDER

from .claims import short_role

MEMBER_ROLES = frozenset(ROLE_ORDER)
"""The member roles of every format (:mod:`mentorflow.members`) an LTI role may give."""

if TYPE_CHECKING:
    from mentorflow.engine import Engine

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
CONTEXT, INSTITUTION, SYSTEM, UNKNOWN = "context", "institution", "system", "unknown"
_PREFIXES = (
    (LIS + "membership#", CONTEXT), (LIS + "membership/", CONTEXT),
    (LIS + "institution/person#", INSTITUTION),
    (LIS + "person#", INSTITUTION),  # Moodle's NRPS: site administrators as ".../v2/person#Administrator"
    (LIS + "system/person#", SYSTEM), ("http://purl.imsglobal.org/vocab/lti/system/person#", SYSTEM),
    # LTI 1.1 URNs, still sent by some platforms beside the 1.3 names
    ("urn:lti:role:ims/lis/", CONTEXT), ("urn:lti:instrole:ims/lis/", INSTITUTION),
    ("urn:lti:sysrole:ims/lis/", SYSTEM),
)


def vocabulary(role: str) -> str:
    """``context``, ``institution``, ``system`` or ``unknown`` (ignored) for one role as a platform sent it."""
    for prefix, kind in _PREFIXES:
        if role.startswith(prefix):
            return kind
    if role and not any(c in role for c in ":/#"):
        return CONTEXT  # a simple name is a context role (LTI 1.3 core, A.2.3.1)
    return UNKNOWN


def targets(lti_roles: list[str], role_map: dict[str, str], person_roles: Iterable[str] = ()) -> set[str]:
    """The mentorflow roles (coordinator, mentor, mentee, participant) the LTI roles map to.

    Context roles count; institution and system roles only when ``person_roles`` names their vocabulary.
    """
    counted = {CONTEXT, *person_roles}
    found = {role_map.get(short_role(r), "none") for r in lti_roles if vocabulary(r) in counted}
    return found - {"none"}


def grant(engine: Engine, programme_key: str, person_id: int, wanted: set[str], learner_role: str) -> bool:
    """Grant the mapped roles; returns True when the person must still choose mentor or mentee.

    A ``participant`` keeps the member role (mentor, mentee, facilitator, peer) the programme already gave them
    (a cohort import, a coordinator, a roster sync); otherwise the programme's ``learner_role`` decides.
    """
    for role in wanted & {"coordinator", *MEMBER_ROLES}:
        engine.grant_role(programme_key, person_id, role)
    if "participant" not in wanted or wanted & MEMBER_ROLES:
        return False
    if engine.programme_roles(programme_key, person_id) & MEMBER_ROLES:
        return False
    if learner_role in MEMBER_ROLES:
        engine.grant_role(programme_key, person_id, learner_role)
        return False
    return True
