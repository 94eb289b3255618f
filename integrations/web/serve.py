"""``mentorflow serve``: the web service under gunicorn."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from mentorflow.cli_help import LocalizedCommand
from mentorflow.errors import UserError
from mentorflow.i18n import _, _lazy

from .settings import Settings, load_settings

DEMO_DATABASE = "mentorflow-demo.db"


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, on_exit: Any = None) -> None:
        self.settings = settings
        self.exit_hook = on_exit
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"{self.settings.host}:{self.settings.port}")
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", 4)
        self.cfg.set("timeout", 60)
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("loglevel", self.settings.log_level)
        self.cfg.set("proc_name", "mentorflow")
        if self.exit_hook is not None:
            self.cfg.set("on_exit", lambda _server: self.exit_hook())

    def load(self) -> Any:
        from . import create_app
        from .warmup import warm

        app = create_app(self.settings)
        warm(app)  # in each worker, after the fork: its first visitors should not pay for compiling
        return app


def prepare(settings: Settings) -> None:
    """Migrate the database (and seed the demo) once, in the master, before workers start."""
    from mentorflow.engine import Engine

    engine = Engine(settings.database_url)
    if settings.demo:
        from .demo import seed_demo

        seed_demo(engine)
    else:
        engine.upgrade_database()
    engine.db.dispose()


@click.command("serve", cls=LocalizedCommand)
@click.option("--host", help=_lazy("Address to listen on (default 127.0.0.1; env MENTORFLOW_HOST)."))
@click.option("--port", type=int, help=_lazy("Port to listen on (default 8000; env MENTORFLOW_PORT)."))
@click.option("--workers", type=int, help=_lazy("Web worker processes (default 2)."))
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help=_lazy("A TOML configuration file (env MENTORFLOW_CONFIG)."))
@click.option("--database-url", help=_lazy("SQLAlchemy database URL (env MENTORFLOW_DATABASE_URL)."))
@click.option("--demo", is_flag=True, default=None,
              help=_lazy("Seed a demo programme on a fresh SQLite file and let visitors enter as anyone."))
@click.option("--no-worker", "no_worker", is_flag=True, default=False,
              help=_lazy("Do not start the background worker and scheduler (run `mentorflow worker` separately)."))
def serve_command(host: str | None, port: int | None, workers: int | None, config_file: Path | None,
                  database_url: str | None, demo: bool | None, no_worker: bool) -> None:
    """Run the web service: REST API, participant pages and coordinator dashboard."""
    if demo and database_url is None:
        Path(DEMO_DATABASE).unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(DEMO_DATABASE + suffix).unlink(missing_ok=True)
        database_url = f"sqlite:///{Path(DEMO_DATABASE).resolve()}"
    settings = load_settings(config_file, host=host, port=port, workers=workers, database_url=database_url,
                             demo=demo, worker=False if no_worker else None)
    logging.basicConfig(level=settings.log_level.upper(), format="%(message)s", stream=sys.stderr)
    try:
        prepare(settings)
    except UserError:
        raise
    except Exception as error:  # an unreachable database is the operator's to fix
        raise UserError(_("Cannot prepare the database: {error}").format(error=error)) from None
    click.echo(_("mentorflow is serving on {url}").format(url=settings.public_url()))
    if settings.demo:
        click.echo(_("Demo mode: open {url}/ and enter as a mentee, mentor or coordinator.").format(
            url=settings.public_url()))
    child = start_worker(settings) if settings.worker else None
    _Gunicorn(settings, on_exit=lambda: stop_worker(child)).run()


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    """The Celery worker with beat as a child process, on the same database (and its broker setting)."""
    env = {**os.environ, "MENTORFLOW_DATABASE_URL": settings.database_url,
           "MENTORFLOW_BASE_URL": settings.public_url()}
    if settings.broker_url:
        env["MENTORFLOW_BROKER_URL"] = settings.broker_url
    return subprocess.Popen([sys.executable, "-m", "mentorflow", "worker", "--concurrency", "1"], env=env,
                            start_new_session=True)


def stop_worker(child: subprocess.Popen[bytes] | None) -> None:
    if child is None or child.poll() is not None:
        return
    os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
