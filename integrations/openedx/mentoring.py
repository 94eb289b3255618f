"""What the block shows and does for one person in one programme, without XBlock (so it is testable alone).

The person id always comes from :mod:`.identity` (the LMS's user service);
ids in a request only ever name *other* things (a relationship, the people a
coordinator pairs), and each is checked against the programme and the
person's roles before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from mentorflow.db.models import ProgrammeRole
from mentorflow.engine import Engine
from mentorflow.errors import Forbidden, FormInvalid, NotFound, Problem, UserError
from mentorflow.i18n import _, localized
from mentorflow.integrations.shared import views
from mentorflow.integrations.shared.forms import FormDecodeError, decode, fields, schema_form
from mentorflow.signup import signup_profile
from mentorflow.snapshots import RelationshipSnapshot
from mentorflow.transitions import TransitionResult
from mentorflow.workflow.model import Form, Workflow

from .identity import Identity, ensure_person, find_person

SIGNUP_ROLES: dict[str, tuple[str, ...]] = {"both": ("mentee", "mentor"), "mentee": ("mentee",),
                                            "mentor": ("mentor",), "none": ()}
"""Who may sign themselves up, by the block's ``signup_roles`` setting (``none``: the coordinator enrols people)."""


@dataclass(frozen=True)
class Programme:
    """The block's programme as the engine has it."""

    key: str
    id: int
    workflow: Workflow


def programme(engine: Engine, key: str) -> Programme:
    programme_id = engine.programme_id(key)
    return Programme(key, programme_id, engine.current_workflow(programme_id)[1])


@dataclass
class Situation:
    """The person asking, in this programme."""

    identity: Identity
    person_id: int | None
    roles: set[str] = field(default_factory=set)

    @property
    def is_coordinator(self) -> bool:
        return "coordinator" in self.roles


def situation(engine: Engine, prog: Programme, identity: Identity, locale: str) -> Situation:
    """Find the person; course staff become the programme's coordinators (a person is made for them)."""
    person = find_person(engine, identity)
    if identity.is_staff:
        person = ensure_person(engine, identity, locale)
    roles = engine.programme_roles(prog.id, person) if person is not None else set()
    if identity.is_staff and "coordinator" not in roles:
        engine.grant_role(prog.id, person, "coordinator")  # type: ignore[arg-type]
        roles.add("coordinator")
    return Situation(identity, person, roles)


# -- what the person sees ----------------------------------------------------------------------------
def profile_form(engine: Engine, prog: Programme) -> Form | None:
    """The programme's sign-up profile form, from the plugin that offers one (matching's ``profile_schema``)."""
    offered = signup_profile(engine, prog.id, prog.workflow)
    if offered is None:
        return None
    return schema_form(offered.form, dict(offered.schema), dict(offered.title))


def signup_context(engine: Engine, prog: Programme, signup_roles: str, values: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None) -> dict[str, Any]:
    roles = SIGNUP_ROLES.get(signup_roles, SIGNUP_ROLES["both"])
    form = profile_form(engine, prog)
    values = values or {}
    return {"roles": [(role, prog.workflow.role_label(role)) for role in roles],
            "chosen_role": values.get("role") or (roles[0] if roles else None),
            "fields": fields(form, values) if form is not None else [], "errors": errors or {}}


def _is_open(engine: Engine, snap: RelationshipSnapshot) -> bool:
    return engine.workflow_by_version(snap.workflow_version_id).states[snap.state].kind != "terminal"


def my_relationships(engine: Engine, prog: Programme, person: int) -> list[RelationshipSnapshot]:
    """The person's relationships in this programme: open ones first, newest first within each."""
    mine = [s for s in engine.relationships_of(person) if s.programme_id == prog.id]
    return sorted(mine, key=lambda s: (not _is_open(engine, s), -s.id))


def panels(engine: Engine, relationships: list[RelationshipSnapshot], person: int, id_prefix: str,
           problem: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The shared relationship panel for each relationship; ``problem`` reopens the form just rejected."""
    out = []
    for snap in relationships:
        mine = problem if problem and problem.get("relationship") == snap.id else {}
        panel = views.relationship_panel(engine, snap, person, mine.get("transition"), mine.get("values"),
                                         mine.get("errors"))
        out.append({**panel, "id_prefix": f"{id_prefix}r{snap.id}-", "h": 4})
    return out


def coordinator_context(engine: Engine, prog: Programme, dashboard_url: str | None,
                        values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
                        ) -> dict[str, Any]:
    """Counts per stage, who is waiting for a match, and the dashboard link."""
    counts = engine.count_relationships(prog.id)
    per_stage = [(state.title(), counts.get(state.id, 0)) for state in prog.workflow.states.values()]
    mentees, mentors = waiting(engine, prog)
    url = f"{dashboard_url.rstrip('/')}/coordinator/{prog.key}" if dashboard_url else None
    return {"per_stage": per_stage, "total": sum(counts.values()), "mentees": mentees, "mentors": mentors,
            "group": group_choices(engine, prog),
            "dashboard_url": url, "values": values or {}, "errors": errors or {},
            "mentee_label": prog.workflow.role_label("mentee"), "mentor_label": prog.workflow.role_label("mentor")}


def group_choices(engine: Engine, prog: Programme) -> list[dict[str, Any]] | None:
    """For a group, circle or co-mentoring programme: per member role, its bounds and the people enrolled in it."""
    fmt = prog.workflow.format
    if fmt.is_pair:
        return None
    holders = {role: _holders(engine, prog, role) for role in fmt.member_roles}
    names = engine.display_names({p for people in holders.values() for p in people})
    return [{"role": role, "label": prog.workflow.role_label(role), "min": fmt.bounds(role).min,
             "max": fmt.bounds(role).max, "people": [(p, names.get(p, "")) for p in holders[role]]}
            for role in fmt.member_roles]


def _holders(engine: Engine, prog: Programme, role: str) -> list[int]:
    T = ProgrammeRole.__table__
    with engine.read() as conn:
        return list(conn.execute(select(T.c.person_id).where(T.c.programme_id == prog.id, T.c.role == role)
                                 .order_by(T.c.person_id)).scalars())


def waiting(engine: Engine, prog: Programme) -> tuple[list[tuple[int, str]], list[tuple[int, str, int]]]:
    """Mentees without an open relationship, and every mentor with how many open relationships they have."""
    snaps, _total = engine.list_relationships(programme=prog.id, limit=100_000)
    open_snaps = [s for s in snaps if _is_open(engine, s)]
    busy = {s.mentee_id for s in open_snaps}
    load: dict[int, int] = {}
    for s in open_snaps:
        if s.mentor_id is not None:
            load[s.mentor_id] = load.get(s.mentor_id, 0) + 1
    mentee_ids = [p for p in _holders(engine, prog, "mentee") if p not in busy]
    mentor_ids = _holders(engine, prog, "mentor")
    names = engine.display_names(set(mentee_ids) | set(mentor_ids))
    return ([(p, names.get(p, "")) for p in mentee_ids],
            [(p, names.get(p, ""), load.get(p, 0)) for p in mentor_ids])


# -- what the person does --------------------------------------------------------------------------------
def enrol(engine: Engine, prog: Programme, who: Situation, locale: str, signup_roles: str, role: str,
          posted: dict[str, str]) -> int:
    """Sign the person up as ``role`` with the programme's profile form; returns their person id.

    Everything is checked before anything is written: a role the block does
    not offer, or a profile the programme's schema rejects, writes nothing.
    """
    if role not in SIGNUP_ROLES.get(signup_roles, SIGNUP_ROLES["both"]):
        raise FormInvalid("signup", [Problem("/role", _("is not a role you can sign up for here"))])
    offered = signup_profile(engine, prog.id, prog.workflow)
    form = profile_form(engine, prog)
    profile: dict[str, Any] | None = None
    if form is not None and offered is not None:
        try:
            profile = decode(form, posted)
        except FormDecodeError as error:
            raise FormInvalid(offered.form, [Problem(f"/{error.field}", error.message)]) from None
        problems = offered.check(profile)
        if problems:
            raise FormInvalid(offered.form, problems)  # the offering plugin's form name, not matching's
    person = ensure_person(engine, who.identity, locale)
    engine.grant_role(prog.id, person, role)
    if profile is not None and offered is not None:
        offered.store(person, role, profile, person)
    return person


def fire(engine: Engine, prog: Programme, person: int, relationship_id: Any, transition: Any,
         posted: dict[str, str], version: Any) -> TransitionResult:
    """Fire a transition on one of the person's relationships in this programme (as the web pages do)."""
    try:
        rid = int(relationship_id)
        seen = int(version) if version not in (None, "") else None
    except (TypeError, ValueError):
        raise UserError(_("The request names no relationship.")) from None
    snap = views.visible_relationship(engine, rid, person)
    if snap.programme_id != prog.id:
        raise NotFound(_("Relationship {id} does not exist.").format(id=rid))
    chosen = views.find_transition(engine, snap, str(transition))
    return views.submit(engine, snap, chosen, person, posted, seen)


def pair(engine: Engine, prog: Programme, who: Situation, mentee: Any, mentor: Any) -> RelationshipSnapshot:
    """A coordinator pairs a waiting mentee with a mentor of the programme."""
    if not who.is_coordinator or who.person_id is None:
        raise Forbidden(_("Only a coordinator of the programme may pair people."))
    problems = []
    try:
        mentee_id = int(mentee)
    except (TypeError, ValueError):
        mentee_id = None
    try:
        mentor_id = int(mentor)
    except (TypeError, ValueError):
        mentor_id = None
    waiting_mentees, mentors = waiting(engine, prog)
    if mentee_id not in {p for p, _name in waiting_mentees}:
        problems.append(Problem("/mentee", _("choose a mentee who is waiting for a match")))
    if mentor_id not in {p for p, _name, _load in mentors}:
        problems.append(Problem("/mentor", _("choose a mentor of this programme")))
    if problems:
        raise FormInvalid("pairing", problems)
    return engine.start_relationship(prog.id, mentee=mentee_id, mentor=mentor_id,
                                     actor=who.person_id)


def form_group(engine: Engine, prog: Programme, who: Situation, members: Any) -> RelationshipSnapshot:
    """A coordinator forms a group, circle or co-mentoring relationship: ``{"mentor": [id], "mentee": [ids]}``.

    Each id must be someone enrolled in the programme in that role (the people the block knows); the format's
    bounds are the engine's (:func:`mentorflow.members.check_start`), its clear message naming the role.
    """
    if not who.is_coordinator or who.person_id is None:
        raise Forbidden(_("Only a coordinator of the programme may form a group."))
    fmt = prog.workflow.format
    if fmt.is_pair:
        raise UserError(_("This programme pairs one mentee with one mentor; pair them instead."))
    if not isinstance(members, dict) or not members:
        raise FormInvalid("group", [Problem("/members", _("choose the members, by role"))])
    problems, listed = [], []
    for role, people in members.items():
        if role not in fmt.member_roles:
            problems.append(Problem(f"/members/{role}", _("this programme's format has no member in the role "
                                                         "'{role}'").format(role=role)))
            continue
        enrolled = set(_holders(engine, prog, role))
        for index, person in enumerate(people if isinstance(people, list) else [people]):
            pid = person if isinstance(person, int) and not isinstance(person, bool) else None
            if pid is None or pid not in enrolled:
                problems.append(Problem(f"/members/{role}/{index}", _("choose someone enrolled in this programme "
                                                                      "as {role}").format(
                    role=prog.workflow.role_label(role).lower())))
                continue
            listed.append((pid, role))
    if problems:
        raise FormInvalid("group", problems)
    return engine.start_relationship(prog.id, members=listed, actor=who.person_id)


def describe(prog: Programme) -> dict[str, Any]:
    """The programme's name, description and stages, for headings and the author's summary."""
    return {"name": prog.workflow.name(), "description": localized(prog.workflow.programme.get("description")),
            "stages": [s.title() for s in prog.workflow.states.values()]}

