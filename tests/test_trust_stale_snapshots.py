"""Transitions are checked against the row as stored at commit, never against the caller's copy (issue #21).

A snapshot handed to ``Engine.fire`` is a claim: "I saw this relationship at
version v". The API, the page form and the XBlock put the version a client
sent onto the row they read at the start of the request, so the rest of the
snapshot can be older than the version it carries. Before the fix,
``fire_in`` checked state, role and guards on that copy and the UPDATE only
the version: a relationship went from ``paused`` back to ``contracting``
through ``log_meeting``, and a mentor reassigned away could still act.

- the replay from the issue, on SQLite and PostgreSQL: refused, nothing written;
- a reassigned-away mentor holding a stale snapshot (with the new version on it) is refused;
- several processes (each its own engine and pool) mix stale-snapshot clients and version-skipping
  clients on shared relationships; then every relationship's audit chain is replayed (each event
  leaves the state the previous one entered, versions are consecutive, every transition is allowed
  from its state and fired by someone holding its role at that point) and has no break.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mentorflow import Conflict, Engine, Forbidden, ManualClock, Member, UserError, WrongState
from mentorflow.db.models import AuditEvent, Relationship
from tests.trust_world import fresh_postgres_database, full_workflow

A, R = AuditEvent.__table__, Relationship.__table__
PROGRAMME = "stale"
MEETING = {"date": "2026-01-05", "duration_minutes": 30, "format": "video"}
FIGURES: dict[str, Any] = {}


# -- the audit chain replay ------------------------------------------------------------------------------------------

def chain_breaks(engine: Engine, relationship_id: int) -> list[str]:
    """Every way the relationship's audit chain is not a run of the workflow (empty: no break).

    Each event must leave the state the previous one entered, carry the next version, be a transition
    of the workflow allowed from its ``from_state`` into the state it names, and be fired by someone
    holding its role at that point of the chain (the mentor as reassignments left it); the last event
    must give the stored state and version.
    """
    with engine.read() as conn:
        events = conn.execute(select(A).where(A.c.relationship_id == relationship_id).order_by(A.c.seq)).all()
        row = conn.execute(select(R).where(R.c.id == relationship_id)).one()
    workflow = engine.workflow_by_version(row.workflow_version_id)
    breaks: list[str] = []
    state: str | None = None
    mentor = mentee = None
    entered_from: dict[str, str] = {}
    for number, event in enumerate(events, start=1):
        where = f"relationship {relationship_id} seq {event.seq} ({event.transition})"
        if event.seq != number:
            breaks.append(f"{where}: expected seq {number}")
        if event.from_state != state:
            breaks.append(f"{where}: leaves {event.from_state!r} but the chain was in {state!r}")
        if number == 1:
            if event.transition != "start":
                breaks.append(f"{where}: the first event is not 'start'")
            started = {m["role"]: m["person_id"] for m in (event.data or {}).get("members", ())}
            mentor, mentee = started.get("mentor"), started.get("mentee")
        else:
            transition = workflow.transitions.get(event.transition)
            if transition is None:
                breaks.append(f"{where}: not a transition of the workflow")
            else:
                if event.from_state not in transition.sources:
                    breaks.append(f"{where}: not allowed from {event.from_state!r}")
                expected = (entered_from.get(event.from_state or "") if transition.history
                            else transition.target or event.from_state)
                if event.to_state != expected:
                    breaks.append(f"{where}: enters {event.to_state!r} instead of {expected!r}")
                if event.actor_role not in transition.roles:
                    breaks.append(f"{where}: fired as {event.actor_role}, which may not fire it")
                holder = {"mentor": mentor, "mentee": mentee}.get(event.actor_role, event.actor_id)
                if event.actor_id != holder:
                    breaks.append(f"{where}: person {event.actor_id} acted as {event.actor_role} of {holder}")
            if event.transition == "reassign_mentor":
                mentor = (event.data or {}).get("mentor_id")
        if event.from_state is not None and event.from_state != event.to_state:
            entered_from[event.to_state] = event.from_state
        state = event.to_state
    if (state, len(events)) != (row.state, row.version):
        breaks.append(f"relationship {relationship_id}: the chain ends at {(state, len(events))}, "
                      f"stored is {(row.state, row.version)}")
    return breaks


# -- the engine-level replay from the issue (SQLite and PostgreSQL) ------------------------------------------------

@dataclass
class Pair:
    engine: Engine
    rel: Any
    mentor: int
    mentee: int
    other_mentor: int
    coordinator: int


@pytest.fixture
def pair(mentorflow_engine: Engine) -> Pair:
    engine = mentorflow_engine
    engine.publish_workflow(PROGRAMME, full_workflow())
    coordinator, mentor, other, mentee = (engine.add_person(n) for n in ("Carla", "Morten", "Nils", "Mia"))
    engine.grant_role(PROGRAMME, coordinator, "coordinator")
    for person in (mentor, other):
        engine.grant_role(PROGRAMME, person, "mentor")
    engine.grant_role(PROGRAMME, mentee, "mentee")
    rel = engine.start_relationship(PROGRAMME, mentee=mentee, mentor=mentor, actor=coordinator)
    return Pair(engine, rel, mentor, mentee, other, coordinator)


def test_a_transition_on_a_stale_copy_with_the_next_version_is_refused(pair: Pair) -> None:
    engine = pair.engine
    seen = engine.get(pair.rel.id)
    engine.fire(seen, "pause", pair.mentor, {"note": "away"})
    # The web layer's pattern: the row read earlier, with the version the client sent (the stored one now).
    with pytest.raises(WrongState, match="paused"):
        engine.fire(replace(seen, version=seen.version + 1), "log_meeting", pair.mentor, MEETING)
    stored = engine.get(pair.rel.id)
    assert (stored.state, stored.version) == ("paused", seen.version + 1)
    assert chain_breaks(engine, pair.rel.id) == []


def test_a_snapshot_whose_version_is_not_the_stored_one_is_a_conflict(pair: Pair) -> None:
    engine = pair.engine
    seen = engine.get(pair.rel.id)
    engine.fire(seen, "log_meeting", pair.mentee, MEETING)
    for claimed in (seen.version, seen.version + 2):
        with pytest.raises(Conflict):
            engine.fire(replace(seen, version=claimed), "log_meeting", pair.mentor, MEETING)
    assert engine.get(pair.rel.id).version == seen.version + 1


def test_a_reassigned_away_mentor_holding_a_stale_snapshot_is_refused(pair: Pair) -> None:
    engine = pair.engine
    held = engine.get(pair.rel.id)  # what Morten's page read before the coordinator acted
    engine.fire(pair.rel.id, "reassign_mentor", pair.coordinator, {"mentor_id": pair.other_mentor})
    # The old snapshot still names Morten as mentor; with the current version on it, it used to be accepted.
    with pytest.raises(Forbidden):
        engine.fire(replace(held, version=held.version + 1), "log_meeting", pair.mentor, MEETING)
    with pytest.raises(Forbidden):
        engine.fire(replace(held, version=held.version + 1), "pause", pair.mentor, {"note": "mine"})
    with pytest.raises(Conflict):
        engine.fire(held, "log_meeting", pair.mentor, MEETING)
    assert engine.get(pair.rel.id).version == held.version + 1
    # The new mentor acts on the same stale copy's version: checked as the stored row says, and accepted.
    result = engine.fire(replace(held, version=held.version + 1), "log_meeting", pair.other_mentor, MEETING)
    assert result.role == "mentor" and result.relationship.mentor_id == pair.other_mentor
    assert chain_breaks(engine, pair.rel.id) == []


def test_a_forged_snapshot_cannot_change_who_or_what_is_checked(pair: Pair) -> None:
    engine = pair.engine
    stored = engine.get(pair.rel.id)
    outsider = engine.add_person("Eve")
    forged = replace(stored, members=(*(m for m in stored.members if m.role != "mentor"),
                                      Member(outsider, "mentor", stored.started_at)))
    with pytest.raises(Forbidden):
        engine.fire(forged, "log_meeting", outsider, MEETING)
    engine.fire(stored, "pause", pair.mentee, {"note": "x"})
    with pytest.raises(WrongState):  # the state on the copy says contracting; the row says paused
        engine.fire(replace(stored, version=stored.version + 1, state="contracting"), "pause", pair.mentee, None)


def test_the_replay_notices_a_broken_chain(pair: Pair) -> None:
    """The control: a chain in which log_meeting leaves the paused state it never entered is reported."""
    from sqlalchemy import insert, update

    engine = pair.engine
    engine.fire(pair.rel.id, "pause", pair.mentor, {"note": "x"})
    with engine.write() as conn:
        conn.execute(insert(A).values(relationship_id=pair.rel.id, seq=3, at=engine.clock.now(),
                                      actor_id=pair.mentor, actor_role="mentor", transition="log_meeting",
                                      from_state="contracting", to_state="contracting", data=MEETING))
        conn.execute(update(R).where(R.c.id == pair.rel.id).values(state="contracting", version=3))
    breaks = chain_breaks(engine, pair.rel.id)
    assert any("leaves 'contracting' but the chain was in 'paused'" in b for b in breaks), breaks


# -- several processes, stale-snapshot and version-skipping clients ------------------------------------------------

PROCESSES, OPERATIONS, SECONDS, SHARED = 4, 120, 4.0, 3
TRANSITIONS = ("pause", "resume", "resume", "log_meeting", "log_meeting", "reassign_mentor")


def _data(transition: str, cast: dict[str, Any], rel: int, rng: random.Random) -> dict[str, Any] | None:
    if transition == "pause":
        return {"note": "p"}
    if transition == "log_meeting":
        return dict(MEETING)
    if transition == "reassign_mentor":
        return {"mentor_id": rng.choice(cast["mentors"])}
    return None


def client_process(url: str, cast: dict[str, Any], seed: int) -> dict[str, int]:
    """One process with its own engine: fires transitions from stale and version-skipping snapshots.

    Stops after OPERATIONS transitions or SECONDS of work, whichever comes first.
    """
    engine = Engine(url)
    rng = random.Random(seed)
    held: dict[int, Any] = {rel: engine.get(rel) for rel in cast["relationships"]}
    deadline = time.monotonic() + SECONDS  # counted from here: starting an interpreter is not work
    outcomes: Counter[str] = Counter()
    try:
        for _ in range(OPERATIONS):
            if time.monotonic() > deadline:
                break
            rel = rng.choice(cast["relationships"])
            fresh = engine.get(rel)
            kind = rng.choice(("stale", "skip", "fresh"))
            if kind == "stale":  # the web's pattern: an older copy carrying the version read now
                snapshot = replace(held[rel], version=fresh.version)
            elif kind == "skip":  # a client claiming versions it has not seen
                snapshot = replace(fresh, version=fresh.version + rng.choice((1, 2)))
            else:
                snapshot = fresh
            if rng.random() < 0.3:
                held[rel] = fresh
            transition = rng.choice(TRANSITIONS)
            actor = cast["coordinator"] if transition == "reassign_mentor" else rng.choice(
                cast["mentors"] + [cast["mentees"][rel]])
            try:
                engine.fire(snapshot, transition, actor, _data(transition, cast, rel, rng))
                outcomes[f"{kind} accepted"] += 1
            except UserError as error:
                outcomes[f"{kind} {type(error).__name__}"] += 1
    finally:
        engine.db.dispose()
    return dict(outcomes)


def _world(url: str) -> dict[str, Any]:
    engine = Engine(url, clock=ManualClock())
    engine.upgrade_database()
    engine.publish_workflow(PROGRAMME, full_workflow())
    coordinator = engine.add_person("Carla")
    engine.grant_role(PROGRAMME, coordinator, "coordinator")
    mentors = [engine.add_person(f"Mentor {n}") for n in range(3)]
    for mentor in mentors:
        engine.grant_role(PROGRAMME, mentor, "mentor")
    relationships, mentees = [], {}
    for n in range(SHARED):
        mentee = engine.add_person(f"Mentee {n}")
        engine.grant_role(PROGRAMME, mentee, "mentee")
        rel = engine.start_relationship(PROGRAMME, mentee=mentee, mentor=mentors[n % len(mentors)], actor=coordinator)
        relationships.append(rel.id)
        mentees[rel.id] = mentee
    engine.db.dispose()
    return {"coordinator": coordinator, "mentors": mentors, "mentees": mentees, "relationships": relationships}


def _run_processes(url: str) -> tuple[Counter[str], list[str], int]:
    cast = _world(url)
    context = multiprocessing.get_context("spawn")  # each its own interpreter, engine and connection pool
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap_async(client_process, [(url, cast, seed) for seed in range(PROCESSES)])
        per_process = results.get(timeout=SECONDS + 120)
    outcomes: Counter[str] = Counter()
    for counts in per_process:
        outcomes.update(counts)
    engine = Engine(url)
    breaks = [b for rel in cast["relationships"] for b in chain_breaks(engine, rel)]
    with engine.read() as conn:
        events = len(conn.execute(select(A.c.id).where(A.c.relationship_id.in_(cast["relationships"]))).all())
    engine.db.dispose()
    return outcomes, breaks, events


def _assert_no_break(label: str, url: str) -> None:
    started = time.monotonic()
    outcomes, breaks, events = _run_processes(url)
    accepted = sum(n for k, n in outcomes.items() if k.endswith("accepted"))
    stale_refusals = sum(n for k, n in outcomes.items() if k.startswith(("stale", "skip")) and "accepted" not in k)
    FIGURES[label] = {"processes": PROCESSES, "operations": sum(outcomes.values()), "accepted": accepted,
                      "stale_or_skipping_refused": stale_refusals, "audit_events_replayed": events,
                      "breaks": len(breaks), "seconds": round(time.monotonic() - started, 1)}
    print(f"\ntrust-figures stale {label}: {FIGURES[label]} {dict(outcomes)}")
    assert not breaks, breaks[:10]
    assert accepted > 0 and stale_refusals > 0, outcomes


@pytest.mark.postgres
@pytest.mark.slow
def test_processes_with_stale_and_skipping_clients_leave_no_break_on_postgres() -> None:
    _assert_no_break("postgresql", fresh_postgres_database("stale"))


@pytest.mark.slow
def test_processes_with_stale_and_skipping_clients_leave_no_break_on_sqlite(tmp_path: Path) -> None:
    _assert_no_break("sqlite", f"sqlite:///{tmp_path / 'stale.db'}")
