"""Form circles and groups from a linked course's groups: NRPS ``group_enrollments`` (issue #18).

A platform that supports course groups lists, for each member of the roster (Names and Role Provisioning),
the groups they are enrolled in: ``"group_enrollments": [{"group_id": "..."}]`` (1EdTech LTI Course Groups;
an optional ``group_name`` is used when the platform sends one, else the group is named by its id). The
members are imported as :func:`.nrps.sync_roster` does (so people and programme roles are current), then
:func:`mentorflow.integrations.shared.groups.form_from_groups` starts or updates one relationship per group.
Only active members count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from mentorflow.actors import Actor
from mentorflow.integrations.shared.groups import CourseGroup, GroupOutcome, form_from_groups

from .contexts import get_context
from .models import GroupLink
from .nrps import iter_pages, sync_roster
from .people import identity_source

if TYPE_CHECKING:
    from mentorflow.engine import Engine

L = GroupLink.__table__


class ContextGroupLinks:
    """The course groups of one linked course that started relationships (``mf_lti_group_links``)."""

    def __init__(self, engine: Engine, context_row: int) -> None:
        self.engine, self.context_row = engine, context_row

    def find(self, key: str) -> int | None:
        with self.engine.read() as conn:
            return conn.execute(select(L.c.relationship_id).where(
                L.c.lti_context_id == self.context_row, L.c.group_id == key)).scalar()

    def remember(self, conn: Connection, key: str, relationship_id: int) -> None:
        conn.execute(insert(L).values(lti_context_id=self.context_row, group_id=key[:255],
                                      relationship_id=relationship_id, created_at=self.engine.clock.now()))


def course_groups(engine: Engine, context_row: int) -> list[CourseGroup]:
    """The course's groups with their active members as mentorflow people, in the order the roster names them."""
    context = get_context(engine, context_row)
    from .platforms import get_platform

    source = identity_source(get_platform(engine, context.platform_id).issuer)
    names: dict[str, str] = {}
    people: dict[str, list[int]] = {}
    for page in iter_pages(engine, context):
        for member in page:
            enrolments = member.get("group_enrollments")
            if str(member.get("status") or "Active") != "Active" or not isinstance(enrolments, list):
                continue
            person = engine.find_person(source, str(member.get("user_id") or ""))
            if person is None:
                continue
            for entry in enrolments:
                key = str(entry.get("group_id") or "") if isinstance(entry, dict) else ""
                if not key:
                    continue
                names.setdefault(key, str(entry.get("group_name") or key)[:200])
                people.setdefault(key, []).append(person)
    return [CourseGroup(key, names[key], tuple(people[key])) for key in people]


def form_circles(engine: Engine, context_row: int, actor: Actor | int) -> list[GroupOutcome]:
    """Import the roster, then start or update one relationship per course group (see the module docstring)."""
    sync_roster(engine, context_row)
    context = get_context(engine, context_row)
    return form_from_groups(engine, context.programme_key, course_groups(engine, context_row),
                            ContextGroupLinks(engine, context_row), actor)


def outcomes_as_dicts(outcomes: list[GroupOutcome]) -> list[dict[str, Any]]:
    return [o.as_dict() for o in outcomes]
