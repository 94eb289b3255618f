"""The reflections plugin's panel on a relationship's page: "Reflections".

The cadence (every how long, for whom) and when the viewer's next reflection is due (or how long it is
overdue), the viewer's own past reflections, and what the others shared: a partner's reflections in a pair, a
group's reflections "shared with the group", everything a mentee shares with the mentor for the mentor. Fields a
form marks private stay with their author. What each viewer reads is decided by :func:`.api.reflections` (the
policy module); the due time is the viewer's own duty as the reminder scan computes it
(:func:`mentorflow.timers.duties`, per member).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mentorflow.durations import humanize_duration
from mentorflow.engine import Engine
from mentorflow.i18n import _, format_date, localized, ngettext
from mentorflow.panels import PageContext, Panel, render_template
from mentorflow.policy import Access
from mentorflow.timers import duties
from mentorflow.workflow.model import Workflow

from .api import ReflectionView, reflections
from .schedule import RECORD_EFFECT, running_timer

PANEL = "reflections"
SHOWN = 5
"""How many of the viewer's own reflections are shown open; older ones are behind "Earlier reflections"."""


def _labels(workflow: Workflow) -> dict[str, str]:
    """The field labels of the forms that record reflections, in the page's language."""
    out: dict[str, str] = {}
    for transition in workflow.transitions.values():
        form = workflow.forms.get(transition.form or "") if any(e.name == RECORD_EFFECT
                                                                 for e in transition.effects) else None
        for name, meta in (form.fields.items() if form is not None else ()):
            if isinstance(meta, Mapping) and name not in out:
                out[name] = localized(meta.get("label")) or name.replace("_", " ").capitalize()
    return out


def shown_fields(reflection: ReflectionView, labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(label, text)`` of the reflection's answers the viewer may read: texts and numbers, in the form's order."""
    content = reflection.content or {}
    order = [*labels, *(k for k in content if k not in labels)]
    return [(labels.get(k, k), str(content[k])) for k in order
            if k in content and isinstance(content[k], str | int | float) and not isinstance(content[k], bool)
            and str(content[k]).strip()]


def _next_due(engine: Engine, snap: Any, workflow: Workflow, viewer: int) -> dict[str, Any] | None:
    timer = running_timer(workflow, snap.state)
    if timer is None or timer.every is None:
        return None
    now = engine.clock.now()
    with engine.read() as conn:
        mine = next((d for d in duties(conn, snap.workflow_version_id, workflow, timer, now, relationship_id=snap.id)
                     if d.person_id == viewer), None)
    if mine is None:
        return {"every": humanize_duration(timer.every), "due_at": None, "text": ""}
    if mine.due_at < now:
        days = (now - mine.due_at).days
        text = ngettext("Overdue by {n} day", "Overdue by {n} days", days).format(n=days) if days \
            else _("Due today")
    else:
        days = (mine.due_at - now).days
        text = ngettext("Due in {n} day", "Due in {n} days", days).format(n=days) if days else _("Due today")
    return {"every": humanize_duration(timer.every), "due_at": mine.due_at, "text": text,
            "overdue": mine.due_at < now}


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    """The relationship page's "Reflections" panel, in the ``overview`` slot."""
    snap = page.relationship
    if page.page != "relationship" or snap is None:
        return []
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    if not any(e.name == RECORD_EFFECT for t in workflow.transitions.values() for e in t.effects):
        return []
    found = reflections(engine, snap, page.viewer)
    labels = _labels(workflow)
    names = engine.display_names({r.author_id for r in found})
    roles = {m.person_id: m.role for m in snap.members}

    def item(r: ReflectionView) -> dict[str, Any]:
        return {"reflection": r, "fields": shown_fields(r, labels), "full": r.access is Access.FULL,
                "author": names.get(r.author_id, "—"), "role": workflow.role_label(roles.get(r.author_id, r.role))}

    mine = [item(r) for r in reversed(found) if r.author_id == page.viewer]
    others = [item(r) for r in reversed(found) if r.author_id != page.viewer]
    member = page.viewer in snap.member_ids
    html = render_template(__package__, "reflections_home_panel.html", due=_next_due(engine, snap, workflow,
                                                                                      page.viewer) if member else None,
                           mine=mine[:SHOWN], earlier=mine[SHOWN:], others=others, member=member,
                           level=page.heading_level + 1, format_date=format_date)
    data = {"reflections": [{"id": r.id, "author": r.author_id, "submitted_at": r.submitted_at.isoformat(),
                             "visibility": r.visibility, "access": r.access.value} for r in found]}
    return [Panel(id=PANEL, title=_("Reflections"), order=40, slot="overview", html=html, data=data)]
