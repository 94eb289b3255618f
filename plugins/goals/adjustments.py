"""Goal items of accepted adjustments: the goals plugin's side of the adjustments plugin's hooks.

An adjustment (see :mod:`mentorflow.plugins.adjustments`) may carry three kinds of goal items. The
goals plugin checks them when they are proposed (and again when accepted) and applies them in the
acceptance's transaction:

``revise_goal`` (``goal_id``, ``text``)
    the goal's title becomes ``text`` and its status ``revised``; a ``status`` update keeps the old
    text as ``previous`` (the history shows old → new).
``drop_goal`` (``goal_id``, ``reason``)
    the goal is ``dropped`` and closed; the reason is the update's note.

These ``status`` updates are the proposing side's (they wrote the text); the accepting side's part is
an ``agreed`` update.
``add_goal`` (``title``, ``category``)
    a new active goal, proposed by the side that proposed the adjustment. An adjustment may add
    several; each goal row records the acceptance's audit row, so they share its ``audit_id``. A title
    the relationship already has as an open goal, or one an earlier item of the same adjustment adds,
    is refused at ``/items/<n>/title``.

Both sides accepted the adjustment, so a revised or added goal counts as agreed by both right away
(``agreed_by`` is the side that accepted, with an ``agreed`` update), unlike a revision through
``goals.set_status`` which waits for the other side's confirmation.

Only workflows that use the goals plugin's effects are answered for: elsewhere the goals are not in
this plugin's table, and another plugin may keep them. The hooks are optional, so the goals plugin
works without the adjustments plugin, and the two never import each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from mentorflow import Problem, RelationshipSnapshot, TransitionEvent, Veto, hookimpl
from mentorflow.actors import other_side
from mentorflow.i18n import _
from mentorflow.workflow.model import Workflow

from .store import CATEGORIES, OPEN_STATUSES, PAIR_ROLES, G, U, status_word, text_of

GOAL_ITEMS = ("revise_goal", "drop_goal", "add_goal")
_EFFECT_PREFIX = "goals."


def keeps_goals(workflow: Workflow) -> bool:
    """True when a transition of ``workflow`` calls one of the goals plugin's effects."""
    return any(call.name.startswith(_EFFECT_PREFIX) for t in workflow.transitions.values() for call in t.effects)


def _goals(conn: Connection, relationship_id: int, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows = conn.execute(select(G).where(G.c.relationship_id == relationship_id, G.c.id.in_(sorted(ids))))
    return {row.id: row for row in rows}


def item_problems(conn: Connection, relationship_id: int, items: Sequence[dict[str, Any]]) -> list[Problem]:
    """Problems of the goal items: unknown or closed goals, no-op revisions, unknown categories, duplicates."""
    ids = {i["goal_id"] for i in items if i.get("kind") in ("revise_goal", "drop_goal")
           and isinstance(i.get("goal_id"), int)}
    goals = _goals(conn, relationship_id, ids)
    open_titles = {row.title.strip().casefold() for row in conn.execute(
        select(G.c.title).where(G.c.relationship_id == relationship_id, G.c.status.in_(OPEN_STATUSES)))}
    problems = []
    added: dict[str, int] = {}  # casefolded title -> the item that adds it first
    for index, item in enumerate(items):
        kind, at = item.get("kind"), f"/items/{index}"
        if kind in ("revise_goal", "drop_goal"):
            goal = goals.get(item.get("goal_id"))  # type: ignore[arg-type]
            if goal is None:
                # Other relationships' goals get the same answer as missing ones: no probing.
                problems.append(Problem(f"{at}/goal_id", _("goal {id} is not one of this relationship's goals").format(
                    id=item.get("goal_id"))))
            elif goal.status not in OPEN_STATUSES:
                problems.append(Problem(f"{at}/goal_id", _("goal {id} is {status} and can no longer be changed").format(
                    id=goal.id, status=status_word(goal.status))))
            elif kind == "revise_goal" and isinstance(item.get("text"), str) \
                    and item["text"].strip() == goal.title.strip():
                problems.append(Problem(f"{at}/text", _("goal {id} already says this").format(id=goal.id)))
        elif kind == "add_goal":
            if item.get("category") not in CATEGORIES:
                problems.append(Problem(f"{at}/category", _("{value} is not one of {choices}").format(
                    value=item.get("category"), choices=", ".join(CATEGORIES))))
            title = item.get("title")
            key = title.strip().casefold() if isinstance(title, str) else None
            if key is not None and key in open_titles:
                problems.append(Problem(f"{at}/title", _("the relationship already has an open goal called "
                                                         "'{title}'").format(title=title.strip())))
            elif key is not None and key in added:
                # The adjustments plugin refuses this too before asking; checked here as well because
                # apply_changes relies on this function alone (same message, so one translation).
                problems.append(Problem(f"{at}/title", _("the same goal is already added by item {n}").format(
                    n=added[key] + 1)))
            if key is not None:
                added.setdefault(key, index)
    return problems


@hookimpl(optionalhook=True, trylast=True)
def mentorflow_adjustments_check_items(relationship: RelationshipSnapshot, items: Sequence[dict[str, Any]],
                                       connection: Connection, workflow: Workflow) -> list[Problem]:
    """Goal items must name an open goal of this relationship, or add a goal in a known category."""
    if not keeps_goals(workflow) or not any(i.get("kind") in GOAL_ITEMS for i in items):
        return []
    return item_problems(connection, relationship.id, items)


def _proposer(event: TransitionEvent) -> tuple[int | None, str]:
    """The side that proposed the adjustment: the pair member who did not accept it."""
    role = other_side(event.role)
    people = (event.after or event.before).people(role)
    return (people[0] if people else None), role


def apply_changes(event: TransitionEvent, conn: Connection, changes: Sequence[Any]) -> None:
    """Write the goal changes of an accepted proposal; raises :class:`Veto` if one no longer fits."""
    if event.role not in PAIR_ROLES:
        raise Veto(_("Only the mentor or the mentee can accept changes to the goals."))
    relationship_id = event.before.id
    items = [{"kind": c.kind, **({"goal_id": c.goal_id} if c.goal_id is not None else {}), **dict(c.data)}
             for c in changes]
    # The adjustments plugin checked the items in this transaction just before; this guards the contract.
    problems = item_problems(conn, relationship_id, items)
    if problems:
        raise Veto(_("The goals could not be changed as proposed: {problems}").format(
            problems="; ".join(f"{p.pointer}: {p.message}" for p in problems)))
    proposed_by, proposed_role = _proposer(event)
    acceptor, at = event.actor.person_id, event.at

    def record(goal_id: int, kind: str, **values: Any) -> None:
        # The proposer wrote the change (new text, reason) and is its author; the accepting side's part is
        # the confirmation. So each person's export and erasure covers the words they wrote.
        author, role = (acceptor, event.role) if kind == "agreed" else (proposed_by, proposed_role)
        conn.execute(insert(U).values(goal_id=goal_id, kind=kind, author_id=author, author_role=role,
                                      at=at, audit_id=event.audit_id, **values))

    for change in changes:
        if change.kind == "revise_goal":
            goal = conn.execute(select(G).where(G.c.id == change.goal_id)).one()
            conn.execute(update(G).where(G.c.id == goal.id).values(
                title=change.data["text"].strip(), status="revised", agreed_by=acceptor, agreed_at=at,
                updated_at=at))
            record(goal.id, "status", status="revised", previous=text_of(goal))
            record(goal.id, "agreed")
        elif change.kind == "drop_goal":
            conn.execute(update(G).where(G.c.id == change.goal_id).values(status="dropped", closed_at=at,
                                                                          updated_at=at))
            record(change.goal_id, "status", status="dropped", note=change.data["reason"].strip())
        elif change.kind == "add_goal":
            goal_id = conn.execute(insert(G).values(
                relationship_id=relationship_id, title=change.data["title"].strip(), description=None,
                category=change.data["category"], specific=None, measure=None, achievable=None, relevant=None,
                target_date=None, details=None, status="active", progress=0, proposed_by=proposed_by,
                proposed_role=proposed_role, created_at=at, agreed_by=acceptor, agreed_at=at, closed_at=None,
                updated_at=at, audit_id=event.audit_id)).inserted_primary_key[0]
            record(goal_id, "agreed")


@hookimpl(optionalhook=True, trylast=True)
def mentorflow_adjustments_applied(event: TransitionEvent, connection: Connection, proposal_id: int,
                                   changes: Sequence[Any]) -> None:
    """Apply the accepted proposal's goal items in the acceptance's transaction (all of them or none)."""
    goal_changes = [c for c in changes if c.kind in GOAL_ITEMS]
    if goal_changes and keeps_goals(event.workflow):
        apply_changes(event, connection, goal_changes)
