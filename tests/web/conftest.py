"""A real ``mentorflow serve`` (gunicorn) on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mentorflow.engine import Engine
from tests.conftest import _postgres_database, _truncate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kwargs.pop("headers", {}))
        return httpx.Client(base_url=self.url, headers=headers, timeout=15, **kwargs)

    def engine(self) -> Engine:
        return Engine(self.database_url)


def start_server(database_url: str, log: Path, *extra: str, env: dict[str, str] | None = None,
                 worker: bool = False) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "mentorflow", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--database-url", database_url, *extra, *([] if worker else ["--no-worker"])]
    handle = log.open("wb")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                               env={**os.environ, "MENTORFLOW_SECRET_KEY": "test-secret", **(env or {})},
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return Server(url, database_url, process, log)
        except httpx.TransportError:
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError(f"server did not become healthy:\n{log.read_text()}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("server")
    if request.param == "postgresql":
        url = _postgres_database(())
        _truncate(url)
    else:
        from mentorflow.testing import _TEMPLATES, _template

        path = folder / "web.db"
        shutil.copyfile(_template(tmp_path_factory, (), _TEMPLATES), path)
        url = f"sqlite:///{path}"
    running = start_server(url, folder / "server.log")
    yield running
    stop_server(running.process)
