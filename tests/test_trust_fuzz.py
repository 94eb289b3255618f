"""Hypothesis against ``Engine.fire``: random transitions, actors and form data on the full lifecycle.

Whatever is sent, ``fire`` either succeeds or raises a :class:`UserError`
(something the person can fix) — never another exception — and a refused
transition writes nothing: every table's row count and the relationship's
version are as before. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, func, select

from mentorflow import SYSTEM, Engine, ManualClock, UserError
from tests.trust_world import drive_everything, full_workflow, make_cast

DOCUMENT = full_workflow()
TRANSITIONS = [*sorted(t["id"] for t in DOCUMENT["transitions"]), "no_such_transition"]
FIELDS = sorted({name for form in DOCUMENT["forms"].values() for name in form["schema"].get("properties", {})})
TALLY = {"fired": 0, "refused": 0}

scalars = (st.none() | st.booleans() | st.integers(-3, 12) | st.integers(-2**70, 2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40)
           | st.sampled_from(["2026-03-01", "P7D", "fully", "video", "academic", "achieved", "changed_needs", ""]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from([*FIELDS, "kind", "goal_id", "x"]), inner, max_size=4),
                           max_leaves=12)
form_data = st.none() | st.dictionaries(st.sampled_from([*FIELDS, "x", ""]), json_values, max_size=6) | json_values


def counter(engine: Engine) -> Any:
    """One statement counting the rows of every table in the database (read once from the database itself)."""
    metadata = MetaData()
    metadata.reflect(engine.db)
    return select(*[select(func.count()).select_from(t).scalar_subquery() for t in metadata.sorted_tables])


def fingerprint(engine: Engine, count_all: Any, relationship_ids: list[int]) -> tuple[Any, ...]:
    """Row counts of every table and the relationships' versions: what a refused transition must not change."""
    with engine.read() as conn:
        counts = tuple(conn.execute(count_all).one())
    return counts, tuple((engine.get(r).version, engine.get(r).state) for r in relationship_ids)


@pytest.mark.slow
def test_fire_never_fails_badly_and_a_refusal_writes_nothing(mentorflow_engine: Engine,
                                                             mentorflow_clock: ManualClock) -> None:
    engine = mentorflow_engine
    engine.publish_workflow("fuzz", DOCUMENT)
    people = {who: (f"Fuzz {who}", f"{who}@example.org")
              for who in ("coordinator", "mentor", "mentee", "other_mentor", "other_mentee")}
    cast = drive_everything(engine, mentorflow_clock, "fuzz", make_cast(engine, "fuzz", people),
                            lambda who, field: f"{who} {field}")
    stranger = engine.add_person("Stranger")
    # Relationships in every stage the fuzzer can act on: just started, reflecting, closed.
    fresh = engine.start_relationship("fuzz", mentee=cast.other_mentee, mentor=cast.other_mentor)
    assert cast.main is not None
    targets = [fresh.id, cast.main.id]
    count_all = counter(engine)
    actors = [cast.mentor, cast.mentee, cast.coordinator, cast.other_mentor, cast.other_mentee, stranger, SYSTEM]

    @settings(max_examples=120, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(target=st.sampled_from(targets), transition=st.sampled_from(TRANSITIONS), who=st.sampled_from(actors),
           data=form_data, stale=st.booleans())
    def fire_anything(target: int, transition: str, who: Any, data: Any, stale: bool) -> None:
        before = fingerprint(engine, count_all, targets)
        snap = engine.get(target)
        if stale:
            from dataclasses import replace

            snap = replace(snap, version=max(1, snap.version - 1))
        try:
            engine.fire(snap, transition, who, data)
        except UserError:
            TALLY["refused"] += 1
            assert fingerprint(engine, count_all, targets) == before, "a refused transition wrote something"
        else:
            TALLY["fired"] += 1
            assert not _non_finite(data), "a NaN or infinity was stored"

    fire_anything()
    assert TALLY["refused"] > 50


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(_non_finite(v) for v in value)
    return False
