"""Course groups of an LMS seed the relationships of a group or circle programme (issue #18).

The LTI tool (NRPS ``group_enrollments`` and the course groups service) and the Moodle client
(``core_group_get_course_groups`` / ``core_group_get_group_members``) each read a course's groups as
:class:`CourseGroup` rows; :func:`form_from_groups` turns them into relationships through the engine, so the
programme's format decides, the start and every join are audited, and nothing else writes memberships.

- A group whose members fall outside the format's bounds (too few, too many) is reported by its name and not
  started; nothing is written for it.
- It is idempotent: each group that started a relationship is remembered (:class:`GroupLinks`, the caller's own
  table); running again starts no second relationship, joins people who joined the LMS group since through the
  workflow's ``members.join`` transition (audited, bounds checked by the engine; when the actor is the system and
  the workflow lets only coordinators add members, they are reported instead), and reports members who left the
  LMS group (they are never removed: a departure is a member's own, with its no-fault reason).
- Each person takes the member role the programme gave them (their programme roles), the leading role first
  (facilitator, mentor, then peer, mentee); someone with no role of the format is reported and left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from mentorflow.actors import Actor, as_actor
from mentorflow.engine import Engine
from mentorflow.errors import UserError
from mentorflow.i18n import _
from mentorflow.members import check_start

LEADING_FIRST = ("facilitator", "mentor", "peer", "mentee")
"""The member role a person takes when the programme gave them several: whoever leads first."""


@dataclass(frozen=True)
class CourseGroup:
    """A group of a course on the LMS: its stable id there, its name, and the mentorflow people in it."""

    key: str
    name: str
    people: tuple[int, ...]


class GroupLinks(Protocol):
    """Which relationship each course group started (kept by the integration, in its own table)."""

    def find(self, key: str) -> int | None: ...

    def remember(self, conn: Connection, key: str, relationship_id: int) -> None:
        """Record the link in ``conn``, the transaction that starts the relationship (both or neither)."""


@dataclass
class GroupOutcome:
    """What happened to one course group: ``started``, ``unchanged``, ``joined``, ``newcomers`` (people joined the
    course group whom only a coordinator may add) or ``refused`` (with why)."""

    key: str
    name: str
    outcome: str
    relationship: int | None = None
    reason: str | None = None
    joined: list[int] = field(default_factory=list)
    left_the_group: list[int] = field(default_factory=list)
    """Members of the relationship no longer in the course group: reported, never removed."""
    without_role: list[int] = field(default_factory=list)
    """People in the course group without a member role of the programme's format: left out."""
    newcomers: list[int] = field(default_factory=list)
    """People who joined the course group since, left for a coordinator to add (the system may not)."""

    def as_dict(self) -> dict[str, Any]:
        return {"group": self.key, "name": self.name, "outcome": self.outcome, "relationship": self.relationship,
                "reason": self.reason, "joined": self.joined, "left_the_group": self.left_the_group,
                "without_role": self.without_role, "newcomers": self.newcomers}


def member_roles(engine: Engine, programme: str, people: Iterable[int], roles: Sequence[str]) -> dict[int, str]:
    """Each person's member role in the programme (of ``roles``, the format's), the leading one first."""
    order = [r for r in LEADING_FIRST if r in roles]
    found: dict[int, str] = {}
    for person in dict.fromkeys(people):
        held = set(engine.programme_roles(programme, person))
        role = next((r for r in order if r in held), None)
        if role is not None:
            found[person] = role
    return found


def form_from_groups(engine: Engine, programme: str, groups: Iterable[CourseGroup], links: GroupLinks,
                     actor: Actor | int) -> list[GroupOutcome]:
    """Start a relationship for each course group not yet seeded, bring seeded ones up to date; one outcome each.

    Only a programme whose format is a group or a circle (or co-mentoring) is seeded from groups: a pair programme
    is refused as a whole (:class:`~mentorflow.errors.UserError`), before anything is read or written.
    """
    _version, workflow = engine.current_workflow(programme)
    fmt = workflow.format
    if fmt.is_pair:
        raise UserError(_("Programme '{key}' pairs one mentee with one mentor; course groups seed only group, "
                          "circle and co-mentoring programmes.").format(key=programme))
    outcomes = []
    for group in groups:
        roles = member_roles(engine, programme, group.people, fmt.member_roles)
        outcome = GroupOutcome(group.key, group.name, "unchanged",
                               without_role=[p for p in dict.fromkeys(group.people) if p not in roles])
        existing = links.find(group.key)
        if existing is None:
            _start(engine, programme, fmt, roles, links, group, outcome, actor)
        else:
            _bring_up_to_date(engine, existing, roles, outcome, actor)
        outcomes.append(outcome)
    return outcomes


def _start(engine: Engine, programme: str, fmt: Any, roles: dict[int, str], links: GroupLinks, group: CourseGroup,
           outcome: GroupOutcome, actor: Actor | int) -> None:
    members = list(roles.items())
    try:
        check_start(fmt, members)
        # The link is written in the starting transaction: a crash leaves both or neither, never a
        # relationship the next run would not know and start again.
        snap = engine.start_relationship(programme, members=members, actor=actor,
                                         also=lambda conn, started: links.remember(conn, group.key, started.id))
    except UserError as error:
        outcome.outcome = "refused"
        outcome.reason = _("Group '{name}' was not started: {why}").format(name=group.name, why=error)
        return
    outcome.outcome, outcome.relationship = "started", snap.id


def _bring_up_to_date(engine: Engine, rid: int, roles: dict[int, str], outcome: GroupOutcome,
                      actor: Actor | int) -> None:
    snap = engine.get(rid)
    outcome.relationship = rid
    outcome.left_the_group = [p for p in snap.member_ids if p not in roles]
    newcomers = [(p, r) for p, r in roles.items() if p not in snap.member_ids]
    if not newcomers:
        return
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    joining = next((t for t in workflow.transitions_from.get(snap.state, ())
                    if any(e.name == "members.join" for e in t.effects)), None)
    if joining is None:
        outcome.outcome = "refused"
        outcome.reason = _("Group '{name}': {n} joined the course group, but relationship {id} lets nobody join "
                           "in its stage; add them by hand.").format(name=outcome.name, n=len(newcomers), id=rid)
        return
    if as_actor(actor).is_system and "system" not in joining.roles:
        # The workflow lets only a coordinator add members: the newcomers are reported for one to add (or to run
        # this again as a coordinator).
        outcome.outcome, outcome.newcomers = "newcomers", [p for p, _r in newcomers]
        outcome.reason = _("Group '{name}': {n} joined the course group since; a coordinator adds them to "
                           "relationship {id}.").format(name=outcome.name, n=len(newcomers), id=rid)
        return
    problems = []
    for person, role in newcomers:
        try:
            snap = engine.fire(snap, joining.id, actor, {"person_id": person, "role": role}).relationship
        except UserError as error:
            problems.append(_("person {id}: {why}").format(id=person, why=error))
            continue
        outcome.joined.append(person)
    if problems:
        outcome.outcome = "refused"
        outcome.reason = _("Group '{name}': not everyone could join ({problems})").format(
            name=outcome.name, problems="; ".join(problems))
    else:
        outcome.outcome = "joined"
