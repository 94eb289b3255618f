"""``mentorflow match PROGRAMME``: run matching from the command line, with progress per phase and CSV export;
``mentorflow match-cancel RUN`` stops a running one and ``mentorflow match-rerun RUN`` runs one again (the mentees
it left unmatched, or, for a run that failed, was interrupted or cancelled, the mentees it was to match).

Exit codes follow the core CLI: 0 done, 2 anything the user can fix (an
unknown programme, a programme without matching settings, a database that
is missing or not upgraded, an unwritable CSV file), always with a message
and never a traceback.
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from mentorflow.errors import UserError
from mentorflow.i18n import _, _lazy


def register(cli: click.Group, available: bool = True) -> None:
    """Add the ``match`` command to the ``mentorflow`` group (one that explains what is missing without numpy)."""
    from mentorflow.cli import CONTEXT, DATABASE

    if not available:
        @cli.command("match", context_settings={**CONTEXT, "ignore_unknown_options": True})
        @click.argument("args", nargs=-1, type=click.UNPROCESSED)
        def unavailable(args: tuple[str, ...]) -> None:
            """Match mentees to mentors (needs the matching extra)."""
            raise UserError(_("Matching needs numpy, scipy and ortools: pip install 'mentorflow[matching]'"))

        return

    @cli.command("match", context_settings=CONTEXT)
    @click.argument("programme")
    @click.option("--mode", "algorithm", type=click.Choice(["optimal", "greedy"]), default=None,
                  help=_lazy("Assignment algorithm (default: the programme's setting, else optimal)."))
    @click.option("--csv", "csv_path", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True,
                                                                      path_type=Path),
                  help=_lazy("Write the result as CSV (mentee, mentor, score, one column per criterion); - for "
                             "stdout."))
    @click.option("--dry-run", is_flag=True, help=_lazy("Compute and report, but store nothing."))
    @DATABASE
    def match(programme: str, algorithm: str | None, csv_path: Path | None, dry_run: bool,
              database_url: str | None) -> None:
        """Match PROGRAMME's free mentees to mentors and store the proposals for coordinator review.

        In a programme whose matching mode is "automatic" the proposals are
        approved at once (the relationships start, audited as started by the
        system).
        """
        _database(lambda: _match(programme, algorithm, csv_path, dry_run, database_url))

    @cli.command("match-rerun", context_settings=CONTEXT)
    @click.argument("run_id", type=int)
    @click.option("--mode", "algorithm", type=click.Choice(["optimal", "greedy"]), default=None,
                  help=_lazy("Assignment algorithm (default: the run's)."))
    @click.option("--csv", "csv_path", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True,
                                                                      path_type=Path),
                  help=_lazy("Write the result as CSV (mentee, mentor, score, one column per criterion); - for "
                             "stdout."))
    @DATABASE
    def match_rerun(run_id: int, algorithm: str | None, csv_path: Path | None, database_url: str | None) -> None:
        """Match again what run RUN_ID left: its unmatched mentees, or all it was to match if it failed, was
        interrupted or was cancelled."""
        _database(lambda: _match(None, algorithm, csv_path, False, database_url, rerun_of=run_id))

    @cli.command("match-cancel", context_settings=CONTEXT)
    @click.argument("run_id", type=int)
    @DATABASE
    def match_cancel(run_id: int, database_url: str | None) -> None:
        """Stop the running matching run RUN_ID (started by 'mentorflow match' elsewhere).

        The run stops at its next block or round and is stored as cancelled,
        without proposals.
        """
        _database(lambda: _cancel(run_id, database_url))


def _database(action: Any) -> None:
    """Run ``action``, turning a database that cannot be used into a clear message (exit 2)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        action()
    except SQLAlchemyError as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise UserError(_("The database could not be used ({error}). Check --database-url and run "
                          "'mentorflow db upgrade' first.").format(error=detail)) from None


def _cancel(run_id: int, database_url: str | None) -> None:
    from mentorflow.actors import SYSTEM
    from mentorflow.engine import Engine

    from .runs import cancel_run

    cancel_run(Engine(database_url), run_id, SYSTEM)
    click.echo(_("Run {id} will stop at its next step.").format(id=run_id))


def _match(programme: str | None, algorithm: str | None, csv_path: Path | None, dry_run: bool,
           database_url: str | None, rerun_of: int | None = None) -> None:
    from mentorflow.actors import SYSTEM
    from mentorflow.engine import Engine

    from .export import write_csv
    from .runs import reap_interrupted, rerun, run_matching

    to_stderr = csv_path == Path("-")  # the CSV has standard output to itself then
    engine = Engine(database_url)
    for dead in reap_interrupted(engine):
        click.echo(_("Matching run {id} had stopped without finishing (its process gave no sign of life); it is "
                     "marked failed (interrupted).").format(id=dead), err=True)
    started = time.perf_counter()
    with ExitStack() as stack:
        bar: Any = None

        shown = ""

        def progress(phase: str, done: int, total: int) -> None:
            # A bar per pass over the mentees (scoring, each pricing pass); one line per flow solved.
            nonlocal bar, shown
            if phase in ("scoring", "pricing"):
                if bar is None or phase != shown or done < bar.pos:
                    if bar is not None:
                        bar.render_finish()
                    label = _("Scoring") if phase == "scoring" else _("Pricing")
                    bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr, show_pos=True)
                    stack.enter_context(bar)
                bar.update(done - bar.pos)
            else:
                if bar is not None:
                    bar.render_finish()
                    bar = None
                if phase == "solving" and done == total:
                    click.echo(_("Min-cost flow solved (round {n})").format(n=done), err=True)
            shown = phase

        if rerun_of is not None:
            result = rerun(engine, rerun_of, SYSTEM, algorithm=algorithm, progress=progress)
        else:
            result = run_matching(engine, programme, algorithm=algorithm, store=not dry_run,  # type: ignore[arg-type]
                                  progress=progress)
    elapsed = time.perf_counter() - started
    stats = result.stats
    run = _("run {id}").format(id=result.run_id) if result.run_id is not None else _("dry run (nothing stored)")
    if "format" in stats:  # a group, circle or co-mentoring programme: groups were formed
        click.echo(_("{run}: {method}; {groups} group(s) of {format} formed, {placed} of {members} placed, total score "
                     "{total:.4f} (at most {bound:.4f}), {seconds:.1f} s").format(
            run=run, method=result.method, groups=stats["groups"], format=stats["format"], placed=stats["placed"],
            members=stats["members"], total=result.total_score, bound=stats["bound"], seconds=elapsed),
            err=to_stderr)
        return
    click.echo(_("{run}: {algorithm} ({method}); {matched} of {mentees} mentees matched to {mentors} mentors, "
                 "total score {total:.4f}, {seconds:.1f} s").format(
        run=run, algorithm=result.algorithm, method=result.method, matched=len(result.matched),
        mentees=stats.get("mentees", 0), mentors=stats.get("mentors", 0), total=result.total_score,
        seconds=elapsed), err=to_stderr)
    approved = [p for p in result.proposals if p.status == "approved"]
    if approved:
        click.echo(_("{n} proposal(s) approved (automatic mode).").format(n=len(approved)), err=to_stderr)
    for reason, count in sorted(stats.get("skipped", {}).items()):
        click.echo(_("  left out ({reason}): {n}").format(reason=reason, n=count), err=to_stderr)
    if csv_path is None:
        return
    names = engine.display_names({p.mentee_id for p in result.proposals}
                                 | {p.mentor_id for p in result.proposals if p.mentor_id is not None})
    if csv_path == Path("-"):
        write_csv(result, sys.stdout, names)
        return
    try:
        with csv_path.open("w", encoding="utf-8", newline="") as out:
            rows = write_csv(result, out, names)
    except OSError as error:
        raise UserError(_("Cannot write {path}: {error}").format(path=csv_path, error=error.strerror)) from None
    click.echo(_("{n} row(s) written to {path}").format(n=rows, path=csv_path), err=to_stderr)
