"""The engine's own audit events (creation, retention purge) are told apart by a flag, never by a name.

A workflow may no longer declare a transition called ``start`` (the loader
refuses it, see tests/test_workflow_loader.py), but a version published
before that rule still runs. These tests store such a version directly, as
an older release would have, and check that privacy follows the transition's
form: a private form's data stays with its author even when the transition
shares its name with the engine's creation event, while the engine's own
event is shown programme-wide whatever it is called. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import insert, select

from mentorflow import Engine, WorkflowInvalid
from mentorflow.db.models import AuditEvent, Programme, WorkflowVersion
from mentorflow.i18n import set_locale
from mentorflow.integrations.shared.views import timeline_entries
from mentorflow.policy import Viewer
from mentorflow.queries import redact_entry
from mentorflow.retention import purged
from mentorflow.testing import Factory
from mentorflow.workflow.loader import canonical_digest
from mentorflow.workflow.model import PURGE_EVENT, START_EVENT


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_locale("en")
    yield
    set_locale(None)


def labels(text: str) -> dict[str, str]:
    return {"en": text, "da": text}


def legacy_document(transition_id: str = START_EVENT, *, coordinator_sees_content: bool = True) -> dict[str, Any]:
    """A workflow whose first transition takes a reserved name and a private form (allowed before the rule)."""
    return {
        "id": "legacy",
        "programme": {"name": labels("Legacy"), "context": "other",
                      "settings": {"privacy": {"coordinator_sees_content": coordinator_sees_content}}},
        "states": [{"id": "waiting", "kind": "initial", "label": labels("Waiting")},
                   {"id": "working", "kind": "active", "label": labels("Working")},
                   {"id": "done", "kind": "terminal", "label": labels("Done")}],
        "transitions": [
            {"id": transition_id, "from": "waiting", "to": "working", "roles": ["mentee"], "form": "secret",
             "label": labels("Begin")},
            {"id": "finish", "from": "working", "to": "done", "roles": ["mentor", "mentee"], "label": labels("Finish")},
        ],
        "forms": {"secret": {"title": labels("Secret"), "private": True,
                             "schema": {"type": "object", "properties": {"worry": {"type": "string"}}}}},
    }


def store_legacy_version(engine: Engine, key: str, document: dict[str, Any]) -> None:
    """Store ``document`` as a programme's workflow the way a release before the reserved-id rule did."""
    P, W = Programme.__table__, WorkflowVersion.__table__
    now = engine.clock.now()
    with engine.write() as conn:
        programme_id = conn.execute(insert(P).values(key=key, name=document["programme"]["name"], context="other",
                                                     created_at=now)).inserted_primary_key[0]
        conn.execute(insert(W).values(programme_id=programme_id, version=1, workflow_id=document["id"],
                                      digest=canonical_digest(document), definition=document, created_at=now))


@pytest.mark.parametrize("coordinator_sees_content", [False, True])
def test_private_data_of_a_transition_named_like_an_engine_event_stays_with_its_author(
        mentorflow_engine: Engine, mentorflow_factory: Factory, coordinator_sees_content: bool) -> None:
    document = legacy_document(coordinator_sees_content=coordinator_sees_content)
    with pytest.raises(WorkflowInvalid):
        mentorflow_engine.publish_workflow("refused", document)  # a new document cannot take the name any more
    store_legacy_version(mentorflow_engine, "legacy", document)
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme="legacy")
    rel = mentorflow_factory.relationship("legacy")
    rel = mentorflow_factory.drive(rel, [(START_EVENT, "mentee", {"worry": "I may drop out"})])

    def seen_by(viewer: int) -> list[tuple[str, bool, Any]]:
        return [(e.transition, e.engine_event, e.data) for e in mentorflow_engine.timeline(rel, viewer=viewer)]

    pair = {"members": [{"person_id": rel.mentee_id, "role": "mentee"}, {"person_id": rel.mentor_id, "role": "mentor"}]}
    assert seen_by(rel.mentee_id) == [(START_EVENT, True, pair), (START_EVENT, False, {"worry": "I may drop out"})]
    for other in (rel.mentor_id, coordinator):
        assert seen_by(other) == [(START_EVENT, True, pair), (START_EVENT, False, None)], other
    # The pages label each event by the flag: the engine's creation, then the workflow's own transition.
    entries = timeline_entries(mentorflow_engine, rel, rel.mentee_id)
    assert [(e["label"], e["form"].name if e["form"] else None) for e in reversed(entries)] == [
        ("Relationship started", None), ("Begin", "secret")]


def test_the_engines_own_events_are_flagged_and_a_retention_purge_is_found_by_its_flag(
        mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    document = legacy_document(PURGE_EVENT)
    document["transitions"][0]["roles"] = ["mentee", "system"]
    store_legacy_version(mentorflow_engine, "legacy", document)
    rel = mentorflow_factory.relationship("legacy")
    rel = mentorflow_factory.drive(rel, [(PURGE_EVENT, "system", {"worry": "none"})])
    A = AuditEvent.__table__
    with mentorflow_engine.read() as conn:
        flags = conn.execute(select(A.c.transition, A.c.engine_event).where(A.c.relationship_id == rel.id)
                             .order_by(A.c.seq)).all()
    assert [tuple(f) for f in flags] == [(START_EVENT, True), (PURGE_EVENT, False)]
    assert purged(mentorflow_engine, rel.id) is None, "a workflow transition of that name is not a purge"


def test_redaction_follows_the_flag_not_the_name(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    store_legacy_version(mentorflow_engine, "legacy", legacy_document("begin"))
    rel = mentorflow_factory.relationship("legacy")
    rel = mentorflow_factory.drive(rel, [("begin", "mentee", {"worry": "x"})])
    workflow = mentorflow_engine.workflow_by_version(rel.workflow_version_id)
    mentor: Viewer = mentorflow_engine.viewer(rel, rel.mentor_id)
    created, begun = mentorflow_engine.timeline(rel)
    # The creation event shows who the pair is to everyone, under any name; a transition's event never does.
    assert redact_entry(replace(created, transition="begin"), workflow, mentor, None).data == created.data
    assert redact_entry(begun, workflow, mentor, None).data is None
    assert redact_entry(replace(begun, engine_event=True), workflow, mentor, None).data == begun.data
