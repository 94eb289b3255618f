"""The prepared statements of a transition and SQLAlchemy's own path give the same results (issue #19).

``TransitionRunner`` compiles its locking read, UPDATE and audit INSERT once per dialect and sends them
with ``exec_driver_sql`` (see ``PreparedStatement``), leaning on compiled attributes SQLAlchemy documents
only loosely. When a dialect does not fit, or ``PREPARED_OPTION`` is False on the connection, the same
statements go through ``conn.execute``. Here one engine of each kind drives the same relationship story
on the same database (SQLite and PostgreSQL): every result, every refusal, the stored rows and the
audit trail must be identical. CI runs this file on the lowest and the newest supported SQLAlchemy
(tox envs ``sqlalchemy-lowest`` and ``sqlalchemy-newest``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import select

from mentorflow import Conflict, Engine, Forbidden, FormInvalid, ManualClock, NotFound, WrongState
from mentorflow.db.database import create_db_engine
from mentorflow.db.models import AuditEvent, Relationship
from mentorflow.testing import Factory
from mentorflow.transitions import PREPARED_OPTION
from tests.lifecycle import base_workflow

A, R = AuditEvent.__table__, Relationship.__table__

STORY: list[tuple[str, str, dict[str, Any] | None]] = [
    ("sign_agreement", "mentor", {"accept": True}),
    ("sign_agreement", "mentee", {"accept": True}),
    ("agree", "stranger", {}),  # Forbidden
    ("agree", "mentee", {}),
    ("agree", "mentee", {}),  # WrongState: the relationship has moved on
    ("pause", "mentee", {}),
    ("resume", "mentor", {}),  # "@history": the read of the state it was entered from
    ("add_goal", "mentee", {"title": "Learn SQL", "category": "skills"}),
    ("add_goal", "mentee", {"title": 7}),  # FormInvalid
    ("start_reflecting", "mentor", {}),
    ("end_early", "mentee", {"reason": "changed_needs"}),
    ("close", "mentor", {"learned": "Patience", "satisfaction": 4}),
]


@pytest.fixture
def engines(mentorflow_database_url: str, mentorflow_clock: ManualClock,
            mentorflow_plugins: Sequence[Any]) -> Iterator[dict[str, Engine]]:
    """A prepared engine and a fallback one on the same database, clock and plugins."""
    plugins = list(mentorflow_plugins)
    made = {
        "prepared": Engine(mentorflow_database_url, clock=mentorflow_clock, plugins=plugins),
        "fallback": Engine(db=create_db_engine(mentorflow_database_url, execution_options={PREPARED_OPTION: False}),
                           clock=mentorflow_clock, plugins=plugins),
    }
    yield made
    for engine in made.values():
        engine.db.dispose()


def statements_taken(engine: Engine) -> list[bool]:
    """For the read, the UPDATE and the INSERT: whether the prepared form is used on this engine's writes."""
    with engine.write() as conn:
        return [s is not None for s in engine._runner._statements(conn)]


def outcome(engine: Engine, rel: Any, who: dict[str, int], step: tuple[str, str, dict[str, Any] | None]
            ) -> tuple[Any, Any]:
    """The new snapshot and what the step gave, with the relationship's own id and the audit id left out."""
    transition, role, data = step
    try:
        result = engine.fire(rel, transition, who[role], data)
    except (Conflict, Forbidden, FormInvalid, NotFound, WrongState) as error:
        rid = rel if isinstance(rel, int) else rel.id
        return rel, (type(error).__name__, str(error).replace(f"elationship {rid}", "elationship <id>"))
    after = {k: v for k, v in asdict(result.relationship).items() if k != "id"}
    return result.relationship, (result.transition, result.role, result.from_state, result.to_state, after)


def stored(engine: Engine, relationship_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with engine.read() as conn:
        row = conn.execute(select(R).where(R.c.id == relationship_id)).one()._asdict()
        audit = [e._asdict() for e in conn.execute(
            select(A).where(A.c.relationship_id == relationship_id).order_by(A.c.seq))]
    strip = {"id", "relationship_id"}
    return ({k: v for k, v in row.items() if k != "id"}, [{k: v for k, v in e.items() if k not in strip}
                                                           for e in audit])


def test_the_fallback_path_is_the_one_taken_when_asked(engines: dict[str, Engine]) -> None:
    assert statements_taken(engines["prepared"]) == [True, True, True, True]
    assert statements_taken(engines["fallback"]) == [False, False, False, False]


def test_prepared_and_fallback_give_identical_results_rows_and_audit(engines: dict[str, Engine]) -> None:
    factory = Factory(engines["prepared"])
    programme = factory.programme(document=base_workflow())
    who = {"mentor": factory.person("Morten", role="mentor", programme=programme),
           "mentee": factory.person("Mia", role="mentee", programme=programme),
           "stranger": factory.person("Stig")}
    outcomes: dict[str, list[Any]] = {}
    ids: dict[str, int] = {}
    for name, engine in engines.items():
        rel = engine.start_relationship(programme, mentee=who["mentee"], mentor=who["mentor"])
        ids[name] = rel.id
        stale = rel
        steps = []
        for step in STORY:
            rel, seen = outcome(engine, rel, who, step)
            steps.append(seen)
        steps.append(outcome(engine, stale, who, STORY[0])[1])  # a stale snapshot: Conflict
        steps.append(outcome(engine, 10**9, who, STORY[0])[1])  # no such relationship: NotFound
        outcomes[name] = steps
    assert outcomes["prepared"] == outcomes["fallback"]
    kinds = [step[0] for step in outcomes["prepared"]]
    assert {"Forbidden", "FormInvalid", "WrongState", "Conflict", "NotFound"} <= set(kinds), kinds
    prepared_row, prepared_audit = stored(engines["prepared"], ids["prepared"])
    assert (prepared_row, prepared_audit) == stored(engines["fallback"], ids["fallback"])
    # Nine transitions written, after the engine's own creation event.
    assert prepared_row["state"] == "closed" and len(prepared_audit) == 10
