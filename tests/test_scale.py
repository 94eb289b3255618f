"""Scale-out on real parts: PostgreSQL, Redis, two web processes and two Celery workers on loopback.

Concurrent clients fire transitions through both web processes; afterwards
every relationship is in the state its audit log replays to, every
acknowledged transition is in the log exactly once, and the two workers
together send each owed reminder exactly once.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mentorflow import Engine
from mentorflow.db.models import AuditEvent, Relationship
from mentorflow.plugins.reminders.models import Notification
from mentorflow.testing import Factory
from mentorflow.tokens import create_token
from tests.conftest import _postgres_database, _truncate
from tests.lifecycle import base_workflow
from tests.smtp_server import smtp_server
from tests.test_worker import Workers, redis_url, wait_for  # noqa: F401 (redis_url is a fixture)
from tests.web.conftest import start_server, stop_server

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
RELATIONSHIPS = 12
CLIENTS = 8
REQUESTS_PER_CLIENT = 25


def seed(engine: Engine) -> tuple[list[int], dict[int, str]]:
    """Relationships in 'reflecting' and a token per participant."""
    factory = Factory(engine)
    factory.programme("scale", base_workflow())  # the plain lifecycle: the load is the engine's, not the plugins'
    rels, tokens = [], {}
    for n in range(RELATIONSHIPS):
        mentor = factory.person(f"Mentor {n}", role="mentor", programme="scale", email=f"mentor{n}@example.edu")
        mentee = factory.person(f"Mentee {n}", role="mentee", programme="scale", email=f"mentee{n}@example.edu")
        rel = factory.relationship("scale", mentor=mentor, mentee=mentee)
        rel = factory.drive(rel, [("sign_agreement", mentor, {"accept": True}),
                                  ("sign_agreement", mentee, {"accept": True}), ("agree", mentee),
                                  ("add_goal", mentee, {"title": "Grow", "category": "skills"}),
                                  ("start_reflecting", mentor)])
        rels.append(rel.id)
        for person in (mentor, mentee):
            tokens[person] = create_token(engine, f"client {person}", person_id=person)[0]
    return rels, tokens


def replay(events: list[Any]) -> tuple[str, int]:
    state, version = None, 0
    for event in events:
        assert event.from_state == state or event.transition == "start", event
        state, version = event.to_state, event.seq
    assert state is not None
    return state, version


def test_two_web_processes_and_two_workers_on_postgres_and_redis(tmp_path: Path, redis_url: str) -> None:  # noqa: F811
    url = _postgres_database(())
    _truncate(url)
    engine = Engine(url)
    rels, tokens = seed(engine)
    participants = {}
    for rel_id in rels:
        snap = engine.get(rel_id)
        participants[rel_id] = (snap.mentor_id, snap.mentee_id)

    servers = [start_server(url, tmp_path / f"web{i}.log") for i in range(2)]
    acknowledged: list[tuple[int, int]] = []  # (relationship, new version) of every 200
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def client(seed_value: int) -> None:
        rng = random.Random(seed_value)
        pools = [s.client() for s in servers]
        try:
            for _ in range(REQUESTS_PER_CLIENT):
                rel_id = rng.choice(rels)
                person = rng.choice(participants[rel_id])
                http = pools[rng.randrange(2)]
                headers = {"Authorization": f"Bearer {tokens[person]}"}
                version = http.get(f"/api/v1/relationships/{rel_id}", headers=headers).json()["version"]
                response = http.post(f"/api/v1/relationships/{rel_id}/transitions/submit_reflection",
                                     headers=headers, json={"version": version,
                                                            "data": {"went_well": f"step {seed_value}", "health": 3}})
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 200:
                        acknowledged.append((rel_id, response.json()["version"]))
        finally:
            for http in pools:
                http.close()

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for server in servers:
            stop_server(server.process)

    assert set(statuses) <= {200, 409}, statuses
    assert statuses[200] + statuses[409] == CLIENTS * REQUESTS_PER_CLIENT
    assert statuses[200] > 0
    A, R = AuditEvent.__table__, Relationship.__table__
    with engine.read() as conn:
        stored = {r.id: (r.state, r.version) for r in conn.execute(select(R.c.id, R.c.state, R.c.version))}
        for rel_id in rels:
            events = conn.execute(select(A).where(A.c.relationship_id == rel_id).order_by(A.c.seq)).all()
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert replay(events) == stored[rel_id]
        seqs = set(conn.execute(select(A.c.relationship_id, A.c.seq).where(
            A.c.transition == "submit_reflection")).all())
    assert len(acknowledged) == len(set(acknowledged)) == statuses[200]
    assert set(acknowledged) <= seqs  # nothing acknowledged was lost

    # Two workers on Redis: each reminder owed is sent exactly once.
    clock_file = tmp_path / "now.txt"
    clock_file.write_text((datetime.now(UTC) + timedelta(days=13)).isoformat())
    from celery import Celery

    with smtp_server() as (inbox, port):
        workers = Workers(tmp_path, {"MENTORFLOW_DATABASE_URL": url, "MENTORFLOW_CLOCK_FILE": str(clock_file),
                                     "MENTORFLOW_BROKER_URL": redis_url, "MENTORFLOW_SMTP_HOST": "127.0.0.1",
                                     "MENTORFLOW_SMTP_PORT": str(port), "MENTORFLOW_STATE_DIR": str(tmp_path)})
        celery = Celery("scale-client", broker=redis_url)
        N = Notification.__table__
        try:
            workers.start("--no-beat")
            workers.start("--no-beat")
            for _ in range(6):
                celery.send_task("mentorflow.scan")
                celery.send_task("mentorflow.deliver")

            def all_sent() -> bool:
                with engine.read() as conn:
                    rows = conn.execute(select(N.c.status)).scalars().all()
                return bool(rows) and all(s == "sent" for s in rows) and len(inbox.messages) >= len(rows)

            wait_for(all_sent, timeout=60, what="every owed reminder sent")
            for _ in range(3):
                celery.send_task("mentorflow.scan")
                celery.send_task("mentorflow.deliver")
            import time

            time.sleep(3)
            with engine.read() as conn:
                owed = conn.execute(select(N.c.key)).scalars().all()
            ids = [m["Message-ID"] for m in inbox.messages]
            assert len(ids) == len(set(ids)) == len(owed) > 0
        except AssertionError as error:
            raise AssertionError(f"{error}\n{workers.logs()[-4000:]}") from None
        finally:
            workers.stop_all()
    engine.db.dispose()
