"""A real Celery worker (and beat) sending reminders: the embedded SQLite broker, and Redis with two workers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorflow import Engine, ManualClock
from mentorflow.testing import Factory
from tests.conftest import require_service
from tests.smtp_server import smtp_server
from tests.test_reminders import reflecting
from tests.web.conftest import free_port

pytestmark = pytest.mark.slow


def wait_for(condition: Callable[[], bool], timeout: float = 45, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Workers:
    """Starts `mentorflow worker` processes with a shared environment; kills them at the end."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env, self.processes = folder, env, []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"worker{len(self.processes)}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "mentorflow", "worker", "--concurrency", "1", *args],
                                   stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env},
                                   cwd=self.folder, start_new_session=True)
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=20)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("worker*.log")))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Engine, ManualClock, Path, Any, dict[str, int]]]:
    """A SQLite database with one relationship in the reflecting state, and a clock file workers read."""
    clock = ManualClock()
    database = tmp_path / "mentorflow.db"
    engine = Engine(f"sqlite:///{database}", clock=clock)
    engine.upgrade_database()
    rel, people = reflecting(Factory(engine))
    clock_file = tmp_path / "now.txt"
    clock_file.write_text(clock.now().isoformat())
    yield engine, clock, clock_file, rel, people
    engine.db.dispose()


def set_time(clock_file: Path, when: datetime) -> None:
    clock_file.write_text(when.isoformat())


def test_embedded_worker_sends_reminders_escalates_fires_deadlines_and_survives_sigkill(
        world: Any, tmp_path: Path) -> None:
    engine, clock, clock_file, rel, _people = world
    with smtp_server() as (inbox, port):
        workers = Workers(tmp_path, {
            "MENTORFLOW_DATABASE_URL": str(engine.db.url), "MENTORFLOW_CLOCK_FILE": str(clock_file),
            "MENTORFLOW_SCAN_INTERVAL": "1", "MENTORFLOW_DELIVER_INTERVAL": "1", "MENTORFLOW_STATE_DIR": str(tmp_path),
            "MENTORFLOW_SMTP_HOST": "127.0.0.1", "MENTORFLOW_SMTP_PORT": str(port), "MENTORFLOW_BROKER_POLL": "0.1"})
        workers.env.pop("MENTORFLOW_BROKER_URL", None)
        try:
            first = workers.start()
            set_time(clock_file, clock.now() + timedelta(days=12))  # two days before the first reflection is due
            wait_for(lambda: len(inbox.messages) >= 2, what="two reminders")
            assert (tmp_path / "mentorflow-broker.db").exists(), "the embedded broker lives beside the database"
            time.sleep(3)  # more beat cycles: still exactly two
            assert sorted(m["To"] for m in inbox.messages) == ["mia@example.edu", "morten@example.edu"]

            workers.kill(first)  # SIGKILL, mid-whatever it was doing
            set_time(clock_file, clock.now() + timedelta(days=21))  # due on day 14, escalation after 7 more days
            workers.start()
            wait_for(lambda: any(m["To"] == "carla@example.edu" for m in inbox.messages), what="escalation")
            time.sleep(3)
            to_carla = [m for m in inbox.messages if m["To"] == "carla@example.edu"]
            assert len(to_carla) == 2  # one escalation per late person, once each
            ids = [m["Message-ID"] for m in inbox.messages]
            assert len(ids) == len(set(ids)), "no notification is sent twice"

            set_time(clock_file, clock.now() + timedelta(days=181))  # the programme's six months are over
            wait_for(lambda: engine.get(rel.id).state == "closing", what="the deadline transition")
            assert engine.timeline(rel.id)[-1].actor_role == "system"
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- worker logs ---\n{workers.logs()[-6000:]}") from None
        finally:
            workers.stop_all()


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        require_service("Redis", "install Debian's redis-server package")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    wait_for(lambda: _pings(client), timeout=10, what="redis")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def test_two_workers_on_redis_send_each_reminder_exactly_once(world: Any, tmp_path: Path, redis_url: str) -> None:
    engine, clock, clock_file, _rel, people = world
    factory = Factory(engine)
    for n in range(5):  # more relationships, so the workers really compete
        extra = factory.person(f"Mentee {n}", role="mentee", programme="programme", email=f"m{n}@example.edu")
        rel = factory.relationship(mentor=people["mentor"], mentee=extra)
        factory.drive(rel, [("sign_agreement", people["mentor"], {"accept": True}),
                            ("sign_agreement", extra, {"accept": True}), ("agree", extra),
                            ("add_goal", extra, {"title": "A goal", "category": "skills"}),
                            ("start_reflecting", extra)])
    from celery import Celery

    with smtp_server() as (inbox, port):
        workers = Workers(tmp_path, {
            "MENTORFLOW_DATABASE_URL": str(engine.db.url), "MENTORFLOW_CLOCK_FILE": str(clock_file),
            "MENTORFLOW_BROKER_URL": redis_url, "MENTORFLOW_SMTP_HOST": "127.0.0.1", "MENTORFLOW_SMTP_PORT": str(port),
            "MENTORFLOW_STATE_DIR": str(tmp_path)})
        client = Celery("test-client", broker=redis_url)
        try:
            workers.start("--no-beat")
            workers.start("--no-beat")
            set_time(clock_file, clock.now() + timedelta(days=12))
            for _ in range(10):  # the same scans and deliveries, many times, to both workers
                client.send_task("mentorflow.scan")
                client.send_task("mentorflow.deliver")
            expected = 6 + 6  # each of six mentees and their mentor's reminder for each relationship
            wait_for(lambda: len(inbox.messages) >= expected, what=f"{expected} reminders")
            for _ in range(5):
                client.send_task("mentorflow.scan")
                client.send_task("mentorflow.deliver")
            time.sleep(4)
            ids = [m["Message-ID"] for m in inbox.messages]
            assert len(ids) == expected and len(set(ids)) == expected
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- worker logs ---\n{workers.logs()[-6000:]}") from None
        finally:
            workers.stop_all()


def test_serve_runs_the_worker_as_a_child_and_stops_it(tmp_path: Path) -> None:
    from tests.web.conftest import start_server, stop_server

    server = start_server(f"sqlite:///{tmp_path / 'serve.db'}", tmp_path / "serve.log",
                          env={"MENTORFLOW_STATE_DIR": str(tmp_path)}, worker=True)
    try:
        def worker_running() -> bool:
            out = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout
            return any("mentorflow worker" in line for line in out.splitlines())

        wait_for(worker_running, timeout=30, what="the worker child process")
        wait_for(lambda: (tmp_path / "mentorflow-broker.db").exists(), timeout=30, what="the embedded broker")
    finally:
        stop_server(server.process)
    wait_for(lambda: "mentorflow worker" not in subprocess.run(["ps", "-eo", "args"], capture_output=True,
                                                                 text=True).stdout, timeout=30,
             what="the worker to stop with the server")
