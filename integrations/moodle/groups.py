"""Form circles and groups from a Moodle course's groups (issue #18).

``core_group_get_course_groups`` names the course's groups, ``core_group_get_group_members`` their members;
members already known to mentorflow (imported from a cohort, or launched through LTI) are seeded into one
relationship per group by :func:`mentorflow.integrations.shared.groups.form_from_groups`. Moodle users mentorflow
does not know are counted in ``unknown`` (import their cohort first). ``mf_moodle_group_links`` remembers which
group started which relationship, so running again starts no duplicate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from mentorflow.actors import Actor
from mentorflow.integrations.shared.groups import CourseGroup, GroupOutcome, form_from_groups

from .models import GroupLink
from .sites import SiteInfo, person_for_user

if TYPE_CHECKING:
    from mentorflow.engine import Engine

L = GroupLink.__table__


class SiteGroupLinks:
    """The groups of one Moodle site that started relationships."""

    def __init__(self, engine: Engine, site: SiteInfo) -> None:
        self.engine, self.site = engine, site

    def find(self, key: str) -> int | None:
        with self.engine.read() as conn:
            return conn.execute(select(L.c.relationship_id).where(L.c.site_id == self.site.id,
                                                                  L.c.group_id == int(key))).scalar()

    def remember(self, conn: Connection, key: str, relationship_id: int) -> None:
        conn.execute(insert(L).values(site_id=self.site.id, group_id=int(key), relationship_id=relationship_id,
                                      created_at=self.engine.clock.now()))


def course_groups(engine: Engine, site: SiteInfo, course_id: int) -> tuple[list[CourseGroup], int]:
    """The course's groups with their members as mentorflow people, and how many members mentorflow does not know."""
    with site.client() as client:
        groups = client.course_groups(course_id)
        members = client.group_members([int(g["id"]) for g in groups]) if groups else {}
    unknown, found = 0, []
    with engine.read() as conn:
        for group in groups:
            people = []
            for user_id in members.get(int(group["id"]), []):
                person = person_for_user(conn, site, user_id)
                if person is None:
                    unknown += 1
                else:
                    people.append(person)
            found.append(CourseGroup(str(int(group["id"])), str(group.get("name") or group["id"])[:200],
                                     tuple(people)))
    return found, unknown


def form_circles(engine: Engine, site: SiteInfo, programme: str, course_id: int, actor: Actor | int
                 ) -> tuple[list[GroupOutcome], int]:
    """One relationship per group of Moodle course ``course_id`` in ``programme``; the outcomes and the unknown."""
    engine.programme_id(programme)  # an unknown programme is refused before Moodle is asked
    groups, unknown = course_groups(engine, site, course_id)
    return form_from_groups(engine, programme, groups, SiteGroupLinks(engine, site), actor), unknown
