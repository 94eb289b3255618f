"""The relationship page's kudos panel (any host that renders mentorflow's page panels shows it)."""

from mentorflow.panels import Panel, render_template

from . import store
from .texts import text


def page_panels(engine, page):
    if page.page != "relationship" or page.relationship is None:
        return []
    with engine.read() as conn:
        kudos = store.of_relationship(conn, page.relationship.id)
    names = engine.display_names({k.sender_id for k in kudos})
    items = [(k, names.get(k.sender_id, "")) for k in kudos]
    return [Panel(id="kudos", title=text("title"), order=60, data=kudos,
                  html=render_template("mentorflow_kudos", "kudos_panel.html", items=items, text=text))]
