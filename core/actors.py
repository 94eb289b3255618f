"""Who acts: a person (by id) or the system itself (timers, imports)."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("mentor", "mentee", "facilitator", "peer", "coordinator", "system")
"""Roles a transition may name. ``coordinator`` comes from the programme, ``system`` is the engine itself (timers),
the others are the relationship's members (see :data:`mentorflow.snapshots.MEMBER_ROLES`)."""

GUIDING_ROLES = frozenset({"mentor", "facilitator"})
"""The members who guide the others: what a mentee or a peer shares "with the mentor" reaches them."""

_OTHER_SIDE = {"mentor": "mentee", "mentee": "mentor", "facilitator": "peer", "peer": "facilitator"}


def other_side(role: str) -> str:
    """The side that answers what ``role`` proposes: mentor and mentee, facilitator and peer (goals, adjustments)."""
    return _OTHER_SIDE.get(role, "mentor")


@dataclass(frozen=True, slots=True)
class Actor:
    """The one asking for a change or a read."""

    person_id: int | None
    is_system: bool = False

    def __post_init__(self) -> None:
        if self.is_system == (self.person_id is not None):
            raise ValueError("an Actor is either a person or the system")

    @classmethod
    def person(cls, person_id: int) -> Actor:
        return cls(person_id=int(person_id))

    def __str__(self) -> str:
        return "system" if self.is_system else f"person:{self.person_id}"


SYSTEM = Actor(person_id=None, is_system=True)


def as_actor(value: Actor | int | object) -> Actor:
    """Accept an :class:`Actor`, a person id, or anything with an integer ``id`` (a Person)."""
    if isinstance(value, Actor):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Actor.person(value)
    person_id = getattr(value, "id", None)
    if isinstance(person_id, int):
        return Actor.person(person_id)
    raise TypeError(f"cannot use {value!r} as an actor; pass a person id, a Person or mentorflow.SYSTEM")
