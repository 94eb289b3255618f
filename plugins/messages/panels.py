"""The messages plugin's page panels: the conversation on the relationship page, unread messages on "My mentoring".

A member sees the newest messages, a form to write one, and how many were new ("Messages (2 new)"); showing
them marks them read. A coordinator sees how many messages there are and when the last was written, never
their words (:func:`mentorflow.policy.conversation_access`).
"""

from __future__ import annotations

from mentorflow.engine import Engine
from mentorflow.i18n import _, format_datetime, ngettext
from mentorflow.panels import PageContext, Panel, render_template
from mentorflow.policy import Access, conversation_access

from .api import MAX_LENGTH, mark_read, summary, thread, unread_counts

ORDER = 80
"""After the built-in relationship panels (goals, meetings, reflections use lower numbers)."""


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    if page.page == "relationship" and page.relationship is not None:
        return _relationship_panel(engine, page)
    if page.page == "me":
        return _me_panel(engine, page)
    return []


def _relationship_panel(engine: Engine, page: PageContext) -> list[Panel]:
    snap = page.relationship
    assert snap is not None
    level = conversation_access(engine.viewer(snap, page.viewer))
    if level is Access.NONE:
        return []
    if level is Access.METADATA:
        about = summary(engine, snap, page.viewer)
        html = render_template(__package__, "messages_summary.html", summary=about,
                               last=format_datetime(about.last_posted_at) if about.last_posted_at else None)
        return [Panel(id="messages", title=_("Messages"), order=ORDER, data={
            "count": about.count, "last_posted_at": about.last_posted_at.isoformat() if about.last_posted_at else None},
            html=html)]
    shown = thread(engine, snap, page.viewer)
    unread = shown.summary.unread or 0
    if shown.items and unread:
        mark_read(engine, snap, page.viewer, shown.items[0].id)  # what this page shows has been seen
    title = (_("Messages ({n} new)").format(n=unread) if unread
             else _("Messages"))
    html = render_template(__package__, "messages_panel.html", thread=shown, unread=unread,
                           posted=[format_datetime(m.posted_at) for m in shown.items],
                           open=snap.closed_at is None, max_length=MAX_LENGTH,
                           action=f"{page.base_url}/relationships/{snap.id}/messages",
                           hidden_fields=page.hidden_fields, notices=page.notices_for("messages"),
                           heading_level=page.heading_level + 1)
    return [Panel(id="messages", title=title, order=ORDER, html=html,
                  data={"count": shown.summary.count, "unread": unread})]


def _me_panel(engine: Engine, page: PageContext) -> list[Panel]:
    mine = {snap.id: snap for snap in engine.relationships_of(page.viewer)}
    counts = {rid: n for rid, n in unread_counts(engine, page.viewer, mine).items() if n}
    if not counts:
        return []
    names = engine.display_names({p for rid in counts for p in mine[rid].member_ids if p != page.viewer})
    rows = []
    for rid, n in sorted(counts.items()):
        others = [names.get(p, "") for p in mine[rid].member_ids if p != page.viewer]
        rows.append({"url": f"{page.base_url}/relationships/{rid}#messages", "count": n,
                     "with": ", ".join(others)})
    total = sum(counts.values())
    return [Panel(id="messages-unread", title=ngettext("{n} unread message", "{n} unread messages", total).format(
        n=total), order=ORDER, html=render_template(__package__, "messages_me.html", rows=rows),
        data={str(rid): n for rid, n in counts.items()})]

