"""Kudos: a mentee (or mentor) thanks the other side, through hooks alone.

- an effect, ``kudos.record``, stores the message of a workflow transition's form in the plugin's own table;
- a guard, ``kudos.once_a_day``, lets each person send at most one kudos a day on a relationship;
- a REST route, ``GET /api/v1/relationships/{id}/kudos``, lists them (documented in ``openapi.json``);
- a page panel on the relationship page shows them.

A programme turns it on by adding a transition such as this to its workflow::

    {"id": "send_kudos", "from": ["reflecting"], "roles": ["mentee"], "form": "kudos",
     "guards": [{"name": "kudos.once_a_day"}], "effects": [{"name": "kudos.record"}],
     "label": {"en": "Say thank you", "da": "Sig tak"}}
"""

from datetime import timedelta

from mentorflow import effect, guard, hookimpl

from . import store
from .texts import text

DAY = timedelta(days=1)


@guard("kudos.once_a_day", description="At most one kudos a day from each person on a relationship.")
def once_a_day(ctx, params):
    if ctx.actor.person_id is None:
        return text("only_participants")
    if store.sent_since(ctx.connection, ctx.relationship.id, ctx.actor.person_id, ctx.now - DAY):
        return text("once_a_day")
    return None


@effect("kudos.record", description="Store the kudos sent with the transition's form.")
def record(ctx, params):
    # ctx is the transition's EffectContext: the event, the transaction's connection, the engine and its hooks.
    event = ctx.event
    store.add(ctx.connection, event.before.id, event.audit_id, event.actor.person_id,
              str(event.data.get("message", "")), event.at)


@hookimpl
def mentorflow_register_guards():
    return [once_a_day]


@hookimpl
def mentorflow_register_effects():
    return [record]


@hookimpl
def mentorflow_migration_locations():
    return ["mentorflow_kudos:migrations"]


@hookimpl
def mentorflow_web_blueprints(engine):
    from .web import blueprint

    return [blueprint(engine)]


@hookimpl
def mentorflow_page_panels(engine, page):
    from .panels import page_panels

    return page_panels(engine, page)
