"""Participant profiles: validated against the programme's ``profile_schema`` on the way in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from mentorflow.actors import Actor, as_actor
from mentorflow.clock import as_utc
from mentorflow.db.models import Person
from mentorflow.errors import Forbidden, FormInvalid, NotFound, Problem, UserError
from mentorflow.i18n import _
from mentorflow.policy import is_coordinator
from mentorflow.validation import schema_problems, size_problems

from .pool import PROFILES, holds_role, programme_matching
from .settings import profile_validator

if TYPE_CHECKING:
    from mentorflow.engine import Engine

FORM = "matching_profile"
PARTICIPANT_ROLES = ("mentee", "mentor", "peer", "facilitator")


@dataclass(frozen=True, slots=True)
class ProfileView:
    person_id: int
    role: str
    data: dict[str, Any]
    updated_at: datetime
    updated_by: int | None


def _may_touch(conn: Any, programme_id: int, person: int, actor: Actor) -> bool:
    return actor.is_system or actor.person_id == person or is_coordinator(conn, programme_id, actor.person_id)


def _check_role(role: str) -> None:
    if role not in PARTICIPANT_ROLES:
        raise UserError(_("'{role}' is not a matching role (mentee, mentor, peer or facilitator).").format(role=role))


def set_profile(engine: Engine, programme: str | int, person: int, role: str, profile: Any,
                actor: Actor | int) -> ProfileView:
    """Store a person's profile for a role, replacing any earlier one.

    Only the person themself or a coordinator of the programme (or the
    system) may; the person must hold ``role`` in the programme. Data that
    does not satisfy ``settings.matching.profile_schema`` raises
    :class:`FormInvalid` (form ``matching_profile``) with a JSON pointer per
    problem, and nothing is written.
    """
    _check_role(role)
    actor = as_actor(actor)
    pm = programme_matching(engine, programme)
    problems = list(size_problems(profile))
    if not problems:
        problems = schema_problems(profile_validator(pm.settings.profile_schema), profile)
    if not problems and role in ("mentor", "facilitator") and pm.settings.capacity_field in profile:
        capacity = profile[pm.settings.capacity_field]
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0:
            problems.append(Problem(f"/{pm.settings.capacity_field}", _("must be a whole number of at least 0")))
    now = engine.clock.now()
    with engine.write() as conn:
        if conn.execute(select(Person.__table__.c.id).where(Person.__table__.c.id == person)).first() is None:
            raise NotFound(_("Person {id} does not exist.").format(id=person))
        if not _may_touch(conn, pm.programme_id, person, actor):
            raise Forbidden(_("Only the person themself or a coordinator may change a profile."))
        if not holds_role(conn, pm.programme_id, person, role):
            raise UserError(_("Person {id} is not a {role} of this programme.").format(id=person, role=role))
        if problems:
            raise FormInvalid(FORM, problems)
        key = (PROFILES.c.programme_id == pm.programme_id, PROFILES.c.person_id == person, PROFILES.c.role == role)
        values = {"data": profile, "updated_at": now, "updated_by": actor.person_id}
        if conn.execute(update(PROFILES).where(*key).values(**values)).rowcount == 0:
            conn.execute(insert(PROFILES).values(programme_id=pm.programme_id, person_id=person, role=role, **values))
    return ProfileView(person, role, dict(profile), now, actor.person_id)


def get_profile(engine: Engine, programme: str | int, person: int, role: str, viewer: Actor | int
                ) -> ProfileView | None:
    """A person's profile for a role (None when they have none): for themself, coordinators and the system."""
    _check_role(role)
    viewer = as_actor(viewer)
    with engine.read() as conn:
        pid = engine.programme_id(programme, conn)
        if not _may_touch(conn, pid, person, viewer):
            raise Forbidden(_("Only the person themself or a coordinator may read a profile."))
        row = conn.execute(select(PROFILES).where(PROFILES.c.programme_id == pid, PROFILES.c.person_id == person,
                                                  PROFILES.c.role == role)).first()
    if row is None:
        return None
    return ProfileView(row.person_id, row.role, dict(row.data), as_utc(row.updated_at), row.updated_by)
