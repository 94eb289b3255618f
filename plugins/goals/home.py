"""The goals plugin's panel on a relationship's page: "Goals", each with its status, progress and history.

Each goal shows its status, its progress as a bar (the latest progress record), who confirmed it and when,
and its history on demand. A revision waiting for the other side's confirmation shows what it changes
(old → new) before they confirm it. In a group, circle or co-mentoring the goals are listed per member
(a goal belongs to the member who proposed it). What the viewer reads is decided by :func:`.api.list_goals`
(the policy module): a fellow mentee's goals are not listed, a coordinator without content access sees
statuses and dates, never titles.
"""

from __future__ import annotations

from typing import Any

from mentorflow.engine import Engine
from mentorflow.i18n import _, format_date
from mentorflow.panels import PageContext, Panel, render_template
from mentorflow.policy import Access

from .api import GoalList, GoalUpdateView, GoalView, list_goals
from .store import status_word

PANEL = "goals"
SHOWN_FIELDS = ("title", "description", "measure", "target_date")
"""The text fields a pending revision is shown by (old → new), in this order."""


def _field_label(name: str) -> str:
    return {"title": _("Title"), "description": _("Description"), "measure": _("How we will know"),
            "target_date": _("Target date")}.get(name, name)


def _text(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def pending_revision(goal: GoalView) -> list[tuple[str, str, str]]:
    """``(label, old, new)`` per field a revision changed, while the other side has not confirmed it yet."""
    if goal.status != "revised" or goal.agreed or goal.access is not Access.FULL:
        return []
    revision = next((u for u in reversed(goal.updates) if u.kind == "status" and u.status == "revised"), None)
    if revision is None or revision.previous is None:
        return []
    now = {name: getattr(goal, name) for name in SHOWN_FIELDS}
    if now["target_date"] is not None:
        now["target_date"] = now["target_date"].isoformat()
    return [(_field_label(name), _text(revision.previous.get(name)), _text(now[name]))
            for name in SHOWN_FIELDS if _text(revision.previous.get(name)) != _text(now[name])]


def _update_text(update: GoalUpdateView) -> str:
    if update.kind == "progress":
        return _("Progress: {percent} %").format(percent=update.percent) if update.percent is not None \
            else _("Progress recorded")
    if update.kind == "agreed":
        return _("Confirmed")
    return _("Status: {status}").format(status=status_word(update.status or ""))


def _goal(goal: GoalView, names: dict[int, str]) -> dict[str, Any]:
    return {
        "goal": goal, "title": goal.title if goal.title else _("Goal {id}").format(id=goal.id),
        "status": status_word(goal.status), "full": goal.access is Access.FULL,
        "confirmed_by": names.get(goal.agreed_by, "") if goal.agreed_by is not None else "",
        "revision": pending_revision(goal),
        "history": [{"change": u, "text": _update_text(u), "who": names.get(u.author_id or -1, "")}
                    for u in reversed(goal.updates)],
    }


def owners(snap: Any, goals: GoalList) -> list[int | None]:
    """Whose goals are listed, in the members' order (people who left after them); None in a pair."""
    proposers = list(dict.fromkeys(g.proposed_by for g in goals.goals))
    return [p for p in snap.member_ids if p in proposers] + [p for p in proposers if p not in snap.member_ids]


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    """The relationship page's "Goals" panel, in the ``overview`` slot."""
    snap = page.relationship
    if page.page != "relationship" or snap is None:
        return []
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    if not any(e.name == "goals.add" for t in workflow.transitions.values() for e in t.effects):
        return []  # a programme without this plugin's goals
    goals = list_goals(engine, snap, page.viewer)
    names = engine.display_names({p for g in goals.goals for p in (g.proposed_by, g.agreed_by) if p is not None}
                                 | {u.author_id for g in goals.goals for u in g.updates if u.author_id is not None})
    grouped = not workflow.format.is_pair
    sections = []
    for owner in owners(snap, goals) if grouped else [None]:
        mine = [g for g in goals.goals if owner is None or g.proposed_by == owner]
        heading = "" if owner is None else (
            _("Your goals") if owner == page.viewer else _("Goals of {name}").format(name=names.get(owner, "—")))
        sections.append({"heading": heading, "goals": [_goal(g, names) for g in mine]})
    html = render_template(__package__, "goals_home_panel.html", sections=sections, level=page.heading_level + 1,
                           content=goals.access is Access.FULL or any(g.access is Access.FULL for g in goals.goals),
                           format_date=format_date)
    data = {"counts": goals.counts, "goals": [
        {"id": g.id, "status": g.status, "member": g.proposed_by, "progress": g.progress, "title": g.title,
         "agreed_at": g.agreed_at.isoformat() if g.agreed_at else None} for g in goals.goals]}
    return [Panel(id=PANEL, title=_("Goals"), order=20, slot="overview", html=html, data=data)]
