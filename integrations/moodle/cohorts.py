"""Cohorts as programme enrolment sources: a cohort's members become the programme's mentees or mentors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, update

from mentorflow.db.models import ExternalIdentity, Person
from mentorflow.errors import NotFound, UserError
from mentorflow.i18n import _
from mentorflow.text import sanitise_display_name, sanitise_email

from .sites import SiteInfo, person_for_user, sources

if TYPE_CHECKING:
    from mentorflow.engine import Engine

X, P = ExternalIdentity.__table__, Person.__table__
BATCH = 100


@dataclass
class CohortReport:
    cohort: str
    members: int = 0
    created: int = 0
    linked: int = 0
    granted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"cohort": self.cohort, "members": self.members, "created": self.created, "linked": self.linked,
                "granted": self.granted}


def find_cohort(cohorts: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
    """The cohort whose id, idnumber or name is ``wanted``."""
    for key in ("id", "idnumber", "name"):
        matches = [c for c in cohorts if str(c.get(key) or "") == wanted]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UserError(_("Several cohorts are called '{cohort}'; use its id or idnumber.").format(cohort=wanted))
    raise NotFound(_("Moodle has no cohort '{cohort}' that this token may see.").format(cohort=wanted))


def import_cohort(engine: Engine, site: SiteInfo, programme: str, cohort: str, role: str,
                  progress: Callable[[Iterator[dict[str, Any]], int], Iterator[dict[str, Any]]] | None = None
                  ) -> CohortReport:
    """Give every member of ``cohort`` (id, idnumber or name) ``role`` in ``programme``.

    Members new to mentorflow are created with their Moodle name and e-mail and both the
    ``moodle:<site>`` and ``lti:<site>`` ids, so their first LTI launch finds them.
    """
    if role not in ("mentee", "mentor"):
        raise UserError(_("A cohort is imported as mentees or mentors, not '{role}'.").format(role=role))
    engine.programme_id(programme)
    with site.client() as client:
        found = find_cohort(client.cohorts(), cohort)
        user_ids = client.cohort_members([int(found["id"])]).get(int(found["id"]), [])
        users: list[dict[str, Any]] = []
        for start in range(0, len(user_ids), BATCH):
            users += client.users_by_field("id", user_ids[start:start + BATCH])
    report = CohortReport(str(found.get("name") or found["id"]), members=len(users))
    members: Iterator[dict[str, Any]] = iter(users)
    if progress is not None:
        members = progress(members, len(users))
    moodle_source, lti_source = sources(site.url)
    for user in members:
        user_id = int(user["id"])
        # Moodle accepted these: cleaned (controls dropped, cut to length), not refused; a bad address is dropped.
        name = sanitise_display_name(str(user.get("fullname") or f"{user.get('firstname', '')} "
                                                                 f"{user.get('lastname', '')}")) or ""
        email = sanitise_email(user.get("email"))
        with engine.read() as conn:
            person_id = person_for_user(conn, site, user_id)
        if person_id is None:
            person_id = engine.add_person(name or _("Moodle user {id}").format(id=user_id), email=email,
                                          external_ids={moodle_source: str(user_id), lti_source: str(user_id)})
            report.created += 1
        else:
            with engine.write() as conn:
                existing = {r.source for r in conn.execute(X.select().where(X.c.person_id == person_id))}
                if moodle_source not in existing:
                    conn.execute(insert(X).values(person_id=person_id, source=moodle_source,
                                                  external_id=str(user_id)))
                changes = {k: v for k, v in (("display_name", name), ("email", email)) if v}
                if changes:
                    conn.execute(update(P).where(P.c.id == person_id).values(**changes))
            report.linked += 1
        if role not in engine.programme_roles(programme, person_id):
            engine.grant_role(programme, person_id, role)
            report.granted += 1
    return report
