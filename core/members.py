"""Who is on a relationship: the programme's format, its bounds per role, and members joining and leaving.

A programme's workflow declares its **format** in ``programme.format``: a pair (the default: one mentee, one
mentor), a group (one mentor, 2-8 mentees), a peer circle (3-10 peers with one facilitator) or co-mentoring
(one mentee, two mentors). The kind gives the default bounds; ``roles`` may narrow or widen them::

    "format": {"kind": "group", "roles": {"mentee": {"min": 2, "max": 6}}}

The bounds are checked when the workflow is loaded (:func:`format_problems`) and enforced by the engine: a
relationship starts only with members within them (:func:`check_start`), and a member joins only while the role
has room (:func:`join`). Leaving is always possible (a no-fault departure must never be refused); when the last
member of a role the format needs leaves, :func:`leave` says so, and the workflow's transition decides what
follows (the built-in ``members`` plugin's "last one leaves" transition closes the group).

Every change is written by a transition, on its connection, with its audit sequence number: ``joined_seq`` and
``left_seq`` point at the audit events, and rows are never deleted while the relationship lives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from mentorflow.db.models import Person, RelationshipMember
from mentorflow.errors import NotFound, Problem, UserError
from mentorflow.i18n import _
from mentorflow.snapshots import MEMBER_ROLES, Member, RelationshipSnapshot

M = RelationshipMember.__table__

MAX_MEMBERS_PER_ROLE = 50
"""The largest bound a format may set for one role: a relationship is a mentoring group, not a course."""


@dataclass(frozen=True, slots=True)
class Bounds:
    """How many members of one role a relationship has: at least ``min`` when it starts, never more than ``max``."""

    min: int
    max: int


@dataclass(frozen=True, slots=True)
class Format:
    """A programme's format: its kind and the bounds of every role it has (roles not listed have none)."""

    kind: str
    roles: Mapping[str, Bounds]

    def bounds(self, role: str) -> Bounds:
        return self.roles.get(role, Bounds(0, 0))

    @property
    def member_roles(self) -> tuple[str, ...]:
        """The roles members of this format may hold, in :data:`MEMBER_ROLES` order."""
        return tuple(r for r in MEMBER_ROLES if self.bounds(r).max > 0)

    @property
    def is_pair(self) -> bool:
        return self.kind == "pair"


KINDS: Mapping[str, Mapping[str, Bounds]] = {
    # A pair may start before its mentor is found (matching names one later): the mentor's minimum is 0.
    "pair": {"mentee": Bounds(1, 1), "mentor": Bounds(0, 1)},
    "group": {"mentor": Bounds(1, 1), "mentee": Bounds(2, 8)},
    "circle": {"facilitator": Bounds(1, 1), "peer": Bounds(3, 10)},
    "co-mentoring": {"mentee": Bounds(1, 1), "mentor": Bounds(2, 2)},
}
"""Each kind's default bounds per role."""

PAIR = Format("pair", KINDS["pair"])


def format_of(programme: Mapping[str, Any] | None) -> Format:
    """The format a (valid) programme document declares; a pair when it declares none."""
    declared = (programme or {}).get("format")
    if not isinstance(declared, Mapping):
        return PAIR
    kind = declared.get("kind", "pair")
    roles = dict(KINDS.get(kind, KINDS["pair"]))
    for role, bounds in (declared.get("roles") or {}).items():
        default = roles.get(role, Bounds(0, 0))
        roles[role] = Bounds(int(bounds.get("min", default.min)), int(bounds.get("max", default.max)))
    return Format(kind, {r: b for r, b in roles.items() if b.max > 0})


def format_problems(document: Mapping[str, Any], source: str = "") -> list[Problem]:
    """What is wrong with ``programme.format`` beyond its schema: bounds that cannot hold, roles the format lacks.

    Transitions and timers may name only roles the format has members in (a circle has no mentor to fire
    "sign the agreement"), besides ``coordinator`` and ``system``.
    """
    programme = document.get("programme") if isinstance(document, Mapping) else None
    declared = programme.get("format") if isinstance(programme, Mapping) else None
    problems: list[Problem] = []
    if isinstance(declared, Mapping):
        at = "/programme/format"
        for role, bounds in (declared.get("roles") or {}).items():
            if not isinstance(bounds, Mapping):
                continue
            default = KINDS.get(str(declared.get("kind", "pair")), KINDS["pair"]).get(role, Bounds(0, 0))
            low, high = bounds.get("min", default.min), bounds.get("max", default.max)
            if isinstance(low, int) and isinstance(high, int) and low > high:
                problems.append(Problem(f"{at}/roles/{role}", _(
                    "at least {min} and at most {max} cannot both hold: the minimum is above the maximum").format(
                        min=low, max=high), source))
        if isinstance(declared.get("kind", "pair"), str) and declared.get("kind", "pair") in KINDS:
            fmt = format_of(programme)
            if not any(fmt.bounds(r).max > 0 for r in ("mentee", "peer")):
                problems.append(Problem(at, _("the format has nobody to mentor: it needs mentees or peers"),
                                        source))
    if problems or not isinstance(programme, Mapping):
        return problems
    fmt = format_of(programme)
    missing_roles = sorted(set(MEMBER_ROLES) - set(fmt.member_roles))
    for i, transition in enumerate(_as_list(document.get("transitions"))):
        roles = transition.get("roles") if isinstance(transition, Mapping) else None
        for j, role in enumerate(_as_list(roles)):
            if role in missing_roles:
                problems.append(Problem(f"/transitions/{i}/roles/{j}", _(
                    "this programme's format ({kind}) has no member in the role '{role}'").format(
                        kind=fmt.kind, role=role), source))
    for i, timer in enumerate(_as_list(document.get("timers"))):
        who = timer.get("who") if isinstance(timer, Mapping) else None
        for j, role in enumerate(_as_list(who)):
            if role in missing_roles:
                problems.append(Problem(f"/timers/{i}/who/{j}", _(
                    "this programme's format ({kind}) has no member in the role '{role}'").format(
                        kind=fmt.kind, role=role), source))
    return problems


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# -- starting -----------------------------------------------------------------------------------------------
def members_argument(members: Iterable[tuple[int, str]] | Mapping[str, Sequence[int]] | None, mentee: int | None,
                     mentor: int | None) -> list[tuple[int, str]]:
    """One list of ``(person_id, role)`` from :meth:`Engine.start_relationship`'s two ways of saying who.

    ``members`` is a list of pairs or a mapping of role to person ids; ``mentee``/``mentor`` are the 1:1 way.
    Both at once is a mistake the caller hears about.
    """
    listed: list[tuple[int, str]] = []
    if members is not None:
        if mentee is not None or mentor is not None:
            raise UserError(_("Name the members, or the mentee and the mentor, not both."))
        if isinstance(members, Mapping):
            listed = [(int(p), str(role)) for role, people in members.items() for p in people]
        else:
            listed = [(int(p), str(role)) for p, role in members]
    else:
        if mentee is not None:
            listed.append((int(mentee), "mentee"))
        if mentor is not None:
            listed.append((int(mentor), "mentor"))
    return listed


def check_start(fmt: Format, members: Sequence[tuple[int, str]]) -> None:
    """Refuse members outside the format's bounds, a person named twice, or a role the format lacks."""
    seen: dict[int, str] = {}
    for person, role in members:
        if role not in MEMBER_ROLES:
            raise UserError(_("'{role}' is not a member role (mentee, mentor, facilitator or peer).").format(role=role))
        if person in seen:
            if {role, seen[person]} == {"mentor", "mentee"}:
                raise UserError(_("A person cannot mentor themselves."))
            raise UserError(_("Person {id} is named twice: a person holds one role on a relationship.").format(
                id=person))
        seen[person] = role
    for role in MEMBER_ROLES:
        count, bounds = sum(1 for _p, r in members if r == role), fmt.bounds(role)
        if count > bounds.max or count < bounds.min:
            raise UserError(_bounds_message(fmt, role, bounds, count))


def _bounds_message(fmt: Format, role: str, bounds: Bounds, count: int) -> str:
    if bounds.max == 0:
        return _("A {kind} has no {role}; {count} were named.").format(kind=fmt.kind, role=role, count=count)
    return _("A {kind} has {min} to {max} in the role '{role}'; {count} were named.").format(
        kind=fmt.kind, min=bounds.min, max=bounds.max, role=role, count=count)


def insert_members(conn: Connection, relationship_id: int, members: Sequence[tuple[int, str]], at: datetime,
                   seq: int) -> tuple[Member, ...]:
    """Write the members of a relationship being started (or joining at audit ``seq``)."""
    if members:
        conn.execute(insert(M), [{"relationship_id": relationship_id, "person_id": p, "role": r, "joined_at": at,
                                  "joined_seq": seq} for p, r in members])
    return tuple(Member(p, r, at) for p, r in members)


# -- joining and leaving (inside a transition) --------------------------------------------------------------
def join(conn: Connection, snap: RelationshipSnapshot, fmt: Format, person_id: int, role: str, at: datetime,
         seq: int) -> RelationshipSnapshot:
    """Add ``person_id`` in ``role``; the snapshot after. Refused when the role is full or they are a member."""
    if role not in fmt.member_roles:
        raise UserError(_("A {kind} has no {role}.").format(kind=fmt.kind, role=role))
    if person_id in snap.member_ids:
        raise UserError(_("Person {id} is already a member of this relationship.").format(id=person_id))
    if conn.execute(select(Person.__table__.c.id).where(Person.__table__.c.id == person_id)).first() is None:
        raise NotFound(_("Person {id} does not exist.").format(id=person_id))
    bounds = fmt.bounds(role)
    if len(snap.people(role)) >= bounds.max:
        raise UserError(_("The relationship already has {max} in the role '{role}', as many as its format allows."
                          ).format(max=bounds.max, role=role))
    added = insert_members(conn, snap.id, [(person_id, role)], at, seq)
    return replace(snap, members=snap.members + added)


def leave(conn: Connection, snap: RelationshipSnapshot, person_id: int, at: datetime, seq: int,
          reason: str | None) -> RelationshipSnapshot:
    """End ``person_id``'s membership (kept, with ``left_at`` and the reason); the snapshot after."""
    if person_id not in snap.member_ids:
        raise UserError(_("Person {id} is not a member of this relationship.").format(id=person_id))
    conn.execute(update(M).where(M.c.relationship_id == snap.id, M.c.person_id == person_id, M.c.left_at.is_(None))
                 .values(left_at=at, left_seq=seq, left_reason=reason))
    return replace(snap, members=tuple(m for m in snap.members if m.person_id != person_id))


def history(conn: Connection, relationship_id: int) -> list[dict[str, Any]]:
    """Every membership the relationship has had, current and past, in the order they began."""
    rows = conn.execute(select(M.c.person_id, M.c.role, M.c.joined_at, M.c.joined_seq, M.c.left_at, M.c.left_seq,
                               M.c.left_reason).where(M.c.relationship_id == relationship_id)
                        .order_by(M.c.joined_seq, M.c.id)).mappings()
    return [dict(r) for r in rows]
