"""The reminder scan split into shards: together they owe what one scan owes, and real Celery workers share them.

The sharded run uses PostgreSQL (several worker processes write at once), a
real Redis and three real ``mentorflow worker`` processes with
``MENTORFLOW_SCAN_SHARDS=4``: every scan fans out four shard tasks, the same
scans are sent many times, and every reminder owed arrives exactly once.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mentorflow import Engine, ManualClock
from mentorflow.errors import ConfigurationError
from mentorflow.plugins.reminders.due import Shard, shard_count
from mentorflow.plugins.reminders.models import Notification
from mentorflow.plugins.reminders.outbox import scan
from mentorflow.testing import Factory
from tests.conftest import _postgres_database, _truncate
from tests.smtp_server import smtp_server
from tests.test_reminders import READY, reflecting
from tests.test_worker import Workers, redis_url, set_time, wait_for  # noqa: F401 (the fixture)

N = Notification.__table__


def more_pairs(factory: Factory, people: dict[str, int], count: int) -> list[int]:
    """``count`` more relationships of the same mentor in 'reflecting', each with a mentee of its own."""
    ids = []
    for n in range(count):
        mentee = factory.person(f"Mentee {n}", role="mentee", programme="programme", email=f"mentee{n}@example.edu")
        rel = factory.relationship(mentor=people["mentor"], mentee=mentee)
        who = {"mentor": people["mentor"], "mentee": mentee}
        factory.drive(rel, [(t, who[role], data) for t, role, data in READY])
        ids.append(rel.id)
    return ids


TASK = re.compile(r"Task (mentorflow\.\w+)\[([0-9a-f-]+)\] (received|succeeded)")


def quiet(logs: str, shards: int) -> bool:
    """Every task the workers received has succeeded, and ``shards`` shard tasks are among them."""
    seen: dict[str, set[tuple[str, str]]] = {"received": set(), "succeeded": set()}
    for name, task_id, what in TASK.findall(logs):
        seen[what].add((name, task_id))
    done = seen["succeeded"]
    return seen["received"] <= done and sum(1 for name, _id in done if name == "mentorflow.scan_shard") >= shards


def owed(engine: Engine) -> list[tuple[int, int, str]]:
    with engine.read() as conn:
        return sorted((r.relationship_id, r.recipient_id, r.kind) for r in conn.execute(
            select(N.c.relationship_id, N.c.recipient_id, N.c.kind)))


def test_the_shards_together_owe_exactly_what_one_scan_owes(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                            mentorflow_clock: Any) -> None:
    rel, people = reflecting(mentorflow_factory)
    ids = [rel.id, *more_pairs(mentorflow_factory, people, 6)]
    mentorflow_clock.advance(days=12)
    reports = [scan(mentorflow_engine, shard=Shard(index, 3)) for index in range(3)]
    assert [r.duties_due for r in reports] == [2 * sum(1 for i in ids if i % 3 == k) for k in range(3)]
    assert sum(r.notifications_created for r in reports) == 2 * len(ids)
    with mentorflow_engine.read() as conn:
        mentees = dict(conn.execute(select(N.c.relationship_id, N.c.recipient_id).where(
            N.c.recipient_id != people["mentor"])).all())
    assert owed(mentorflow_engine) == sorted([(i, people["mentor"], "remind") for i in ids]
                                             + [(i, mentees[i], "remind") for i in ids])
    assert scan(mentorflow_engine).notifications_created == 0  # a full scan after the shards finds nothing new
    assert scan(mentorflow_engine, shard=Shard(1, 3)).notifications_created == 0  # nor a shard run twice


def test_a_wrong_shard_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert shard_count({}) == 1 and shard_count({"MENTORFLOW_SCAN_SHARDS": " 8 "}) == 8
    for wrong in ("0", "four", "-2", "1000"):
        with pytest.raises(ConfigurationError, match=f"MENTORFLOW_SCAN_SHARDS must be a whole number from 1 to 256, "
                                                     f"not '{wrong}'"):
            shard_count({"MENTORFLOW_SCAN_SHARDS": wrong})
    with pytest.raises(ValueError, match="shard 3 of 3"):
        Shard(3, 3)
    from mentorflow.plugins.reminders.celery_app import make_app

    monkeypatch.setenv("MENTORFLOW_SCAN_SHARDS", "many")
    with pytest.raises(ConfigurationError, match="MENTORFLOW_SCAN_SHARDS"):
        make_app()  # the worker does not start with it


@pytest.mark.slow
@pytest.mark.postgres
def test_sharded_scans_on_three_celery_workers_owe_and_send_each_reminder_once(
        tmp_path: Path, redis_url: str) -> None:  # noqa: F811
    url = _postgres_database(())
    _truncate(url)
    clock = ManualClock()
    engine = Engine(url, clock=clock)
    factory = Factory(engine)
    rel, people = reflecting(factory)
    ids = [rel.id, *more_pairs(factory, people, 11)]
    clock_file = tmp_path / "now.txt"
    set_time(clock_file, clock.now() + timedelta(days=12))  # every pair's first reminders have come
    from celery import Celery

    with smtp_server() as (inbox, port):
        workers = Workers(tmp_path, {
            "MENTORFLOW_DATABASE_URL": url, "MENTORFLOW_CLOCK_FILE": str(clock_file),
            "MENTORFLOW_BROKER_URL": redis_url, "MENTORFLOW_SMTP_HOST": "127.0.0.1", "MENTORFLOW_SMTP_PORT": str(port),
            "MENTORFLOW_STATE_DIR": str(tmp_path), "MENTORFLOW_SCAN_SHARDS": "4"})
        client = Celery("test-client", broker=redis_url)
        try:
            for _ in range(3):
                workers.start("--no-beat")
            logs = [tmp_path / f"worker{n}.log" for n in range(3)]
            wait_for(lambda: all(" ready." in log.read_text(errors="replace") for log in logs), timeout=60,
                     what="three workers ready")
            for _ in range(5):  # the same scans, fanned out to four shards each, and deliveries, to all three
                client.send_task("mentorflow.scan")
                client.send_task("mentorflow.deliver")
            expected = 2 * len(ids)
            wait_for(lambda: len(inbox.messages) >= expected, timeout=90, what=f"{expected} reminders")
            for _ in range(3):
                client.send_task("mentorflow.scan")
                client.send_task("mentorflow.deliver")
            # Quiet: all 8 x 4 shard tasks done, and every delivery round sent (by us or by a shard) done too.
            wait_for(lambda: quiet(workers.logs(), shards=8 * 4), timeout=90, what="every task done")
            ids_sent = [m["Message-ID"] for m in inbox.messages]
            assert len(ids_sent) == len(set(ids_sent)) == expected, "each reminder is sent exactly once"
            recipients = sorted(m["To"] for m in inbox.messages)
            assert recipients == sorted(["morten@example.edu"] * len(ids) + ["mia@example.edu"]
                                        + [f"mentee{n}@example.edu" for n in range(11)]), "none is missing"
            assert len(owed(engine)) == expected
            ran = [log for log in logs if re.search(r"mentorflow\.scan_shard\[[^\]]+\] succeeded", log.read_text())]
            assert len(ran) >= 2, "the shards were shared between the workers"
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- worker logs ---\n{workers.logs()[-6000:]}") from None
        finally:
            workers.stop_all()
    engine.db.dispose()
