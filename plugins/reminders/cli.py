"""``mentorflow worker`` (Celery worker, with beat unless told otherwise) and ``mentorflow reminders``."""

from __future__ import annotations

import json

import click

from mentorflow.cli_help import LocalizedCommand, LocalizedGroup
from mentorflow.i18n import _, _lazy


@click.command("worker", cls=LocalizedCommand)
@click.option("--concurrency", type=int, default=2, show_default=True, help=_lazy("Worker processes."))
@click.option("--beat/--no-beat", default=True, show_default=True,
              help=_lazy("Also run the scheduler (run it in exactly one process)."))
@click.option("--loglevel", default="info", show_default=True)
def worker_command(concurrency: int, beat: bool, loglevel: str) -> None:
    """Run the background worker: reminders, escalations, deadlines and digests."""
    from .celery_app import app

    argv = ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", "--without-gossip",
            "--without-mingle", "--pool=prefork"]
    if beat:
        argv.append("--beat")
    app.worker_main(argv)


@click.command("beat", cls=LocalizedCommand)
@click.option("--loglevel", default="info", show_default=True)
def beat_command(loglevel: str) -> None:
    """Run only the scheduler (exactly one per installation when workers run with --no-beat)."""
    from .celery_app import app

    app.start(["beat", f"--loglevel={loglevel}"])


@click.group("reminders", cls=LocalizedGroup, invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]),
              help=_lazy("Only notifications with this status."))
@click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", help=_lazy("SQLAlchemy database URL."))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def reminders_command(ctx: click.Context, status: str | None, database_url: str | None, output: str) -> None:
    """List owed and sent notifications (failed ones show their last error)."""
    if ctx.invoked_subcommand is not None:
        return
    from sqlalchemy import select

    from mentorflow.engine import Engine

    from .models import Notification

    N = Notification.__table__
    engine = Engine(database_url)
    query = select(N).order_by(N.c.id)
    if status:
        query = query.where(N.c.status == status)
    with engine.read() as conn:
        rows = conn.execute(query).mappings().all()
    if output == "json":
        click.echo(json.dumps([{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
                               for r in rows], indent=2))
        return
    for r in rows:
        click.echo(f"{r['id']}\t{r['status']}\t{r['kind']}\t{r['key']}\tattempts={r['attempts']}"
                   + (f"\t{r['last_error']}" if r["last_error"] else ""))


@reminders_command.command("rebuild-due", cls=LocalizedCommand)
@click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", help=_lazy("SQLAlchemy database URL."))
def rebuild_due_command(database_url: str | None) -> None:
    """Recompute every relationship's due times from the states and the audit log (after a bulk load or restore)."""
    from mentorflow.engine import Engine

    from .due import engine_workflows, rebuild

    engine = Engine(database_url)
    with engine.write() as conn:
        rows = rebuild(conn, engine_workflows(engine))
    click.echo(_("{count} due rows rebuilt from the states and the audit log.").format(count=rows))
