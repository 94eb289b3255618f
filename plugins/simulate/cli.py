"""The ``mentorflow simulate`` command: options, parsing and printing; the run itself is :mod:`.simulation`."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from mentorflow.cli_help import LocalizedCommand
from mentorflow.i18n import _, _lazy, localized

from .simulation import DEFAULT_START, ROLES, Event, Reflect, Simulation, Step, simulate

STEP = re.compile(r"^\s*(?P<day>\d+(?:\.\d+)?)\s*:\s*(?P<role>[a-z]+)\s*:\s*(?P<transition>[a-z][a-z0-9_-]*)\s*$")


def _offset(day: str) -> timedelta:
    return timedelta(days=float(day))


def parse_path(values: tuple[str, ...]) -> list[Step]:
    """``DAY:ROLE:TRANSITION`` items, comma-separated or repeated (``0:mentor:sign_agreement``)."""
    steps = []
    for item in (part for value in values for part in value.split(",") if part.strip()):
        match = STEP.match(item)
        if match is None or match["role"] not in (*ROLES, "system"):
            raise click.BadParameter(_("'{item}' is not DAY:ROLE:TRANSITION (for example 3:mentee:agree; ROLE is "
                                       "mentor, mentee, coordinator or system)").format(item=item.strip()),
                                     param_hint="--path")
        steps.append(Step(_offset(match["day"]), match["role"], match["transition"]))
    return steps


def parse_reflect(values: tuple[str, ...], days: int) -> list[Reflect]:
    """``[ROLE:]DAY,DAY...`` or ``[ROLE:]every:N`` (both the mentor and the mentee when no role is given)."""
    out = []
    for value in values:
        role, _sep, rest = value.partition(":") if value.split(":", 1)[0] in ("mentor", "mentee") else ("", "", value)
        roles = (role,) if role else ("mentor", "mentee")
        try:
            if rest.startswith("every:"):
                every = float(rest.removeprefix("every:"))
                if every <= 0:
                    raise ValueError
                count = int(days // every)
                offsets = [timedelta(days=every * (i + 1)) for i in range(count)]
            else:
                offsets = [_offset(d.strip()) for d in rest.split(",") if d.strip()]
                if not offsets:
                    raise ValueError
        except ValueError:
            raise click.BadParameter(_("'{value}' is not [ROLE:]DAY,DAY... or [ROLE:]every:N (for example "
                                       "mentee:14,28 or every:14)").format(value=value),
                                     param_hint="--reflect") from None
        out += [Reflect(offset, r) for offset in offsets for r in roles]
    return out


def parse_data(values: tuple[str, ...]) -> dict[str, Any]:
    data = {}
    for value in values:
        transition, sep, text = value.partition("=")
        try:
            parsed = json.loads(text) if sep else None
        except json.JSONDecodeError as error:
            raise click.BadParameter(_("'{value}': {error}").format(value=value, error=error),
                                     param_hint="--data") from None
        if not isinstance(parsed, dict):
            raise click.BadParameter(_("'{value}' is not TRANSITION=JSON-OBJECT").format(value=value),
                                     param_hint="--data")
        data[transition.strip()] = parsed
    return data


def read_workflow(workflow: str) -> tuple[dict[str, Any], str]:
    """A workflow file, or the name of a programme template (``default``)."""
    from mentorflow.errors import UserError
    from mentorflow.pluginmanager import build_plugin_manager
    from mentorflow.registry import programme_templates
    from mentorflow.workflow.loader import parse_document

    path = Path(workflow)
    if not path.exists():
        templates = programme_templates(build_plugin_manager())
        if workflow in templates:
            return parse_document(templates[workflow].read_bytes(), workflow), workflow
        raise UserError(_("Cannot read {path}: no such file, and no programme template of that name ({names}).")
                        .format(path=workflow, names=", ".join(sorted(templates))))
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UserError(_("Cannot read {path}: {error}").format(path=path, error=error.strerror)) from None
    return parse_document(raw, str(path)), str(path)


def _when(event_at: datetime, start: datetime, width: int = 3) -> str:
    return _("day {day} {time}").format(day=str((event_at - start).days).rjust(width), time=event_at.strftime("%H:%M"))


def describe(event: Event, simulation: Simulation) -> str:
    """One event as a line for a person (the JSON output has every field)."""
    workflow = simulation.workflow
    timer = next((t for t in workflow.timers if t.id == event.timer), None)
    timer_label = (localized(timer.label) if timer is not None and timer.label else event.timer) or ""
    state = {s: workflow.states[s].title() for s in workflow.states}
    if event.kind == "start":
        return _("the relationship starts in {state}").format(state=state.get(event.to_state or "", event.to_state))
    if event.kind in ("transition", "deadline"):
        move = (_("{old} → {new}").format(old=state.get(event.from_state or ""), new=state.get(event.to_state or ""))
                if event.from_state != event.to_state else _("stays in {state}").format(
                    state=state.get(event.to_state or "")))
        if event.kind == "deadline":
            return _("deadline {timer}: the system fires {transition}, {move}").format(
                timer=event.timer or "?", transition=event.transition, move=move)
        return _("{role} fires {transition}, {move}").format(role=event.role, transition=event.transition, move=move)
    if event.kind == "refused":
        return _("{role} cannot fire {transition}: {reason}").format(role=event.role, transition=event.transition,
                                                                     reason=event.message)
    if event.kind == "skipped":
        return _("{role} has nothing to do: {reason}").format(role=event.role, reason=event.message)
    due = _when(event.due_at, simulation.start, 0) if event.due_at else "?"
    if event.kind == "due":
        return _("due now for the {role}: {duty}").format(duty=timer_label, role=event.role)
    if event.kind == "reminder":
        return _("reminder to the {recipient}: {duty} (due {due})").format(recipient=event.recipient,
                                                                           duty=timer_label, due=due)
    late = (event.at - event.due_at).days if event.due_at else 0
    return _("escalation to the {recipient}: the {role} is {days} days late with {duty} (due {due})").format(
        recipient=event.recipient, role=event.role, days=late, duty=timer_label, due=due)


def print_text(simulation: Simulation) -> None:
    click.echo(_("Simulating '{workflow}' ({name}) for {days} days from {start} (virtual clock, temporary "
                 "database; people: mentor, mentee, coordinator)").format(
        workflow=simulation.workflow.id, name=simulation.workflow.name(), days=(simulation.end - simulation.start).days,
        start=simulation.start.strftime("%Y-%m-%d %H:%M UTC")))
    for event in simulation.events:
        click.echo(f"{_when(event.at, simulation.start)}  {event.kind:<10}  {describe(event, simulation)}")
    counts = simulation.counts()
    click.echo(_("transitions: {transition}, refused: {refused}, due: {due}, reminders: {reminder}, "
                 "escalations: {escalation}, deadlines fired: {deadline}").format(**counts))


@click.command("simulate", cls=LocalizedCommand)
@click.argument("workflow")
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True,
              help=_lazy("How long to simulate."))
@click.option("--path", "paths", multiple=True, metavar="DAY:ROLE:TRANSITION[,...]",
              help=_lazy("Transitions to fire, e.g. 0:mentor:sign_agreement,0:mentee:sign_agreement (repeatable)."))
@click.option("--reflect", "reflects", multiple=True, metavar="[ROLE:]DAYS",
              help=_lazy("Policy: the mentor and mentee (or ROLE) do their recurring duty on these days, "
                     "e.g. 14,28 or mentee:every:14 (repeatable)."))
@click.option("--data", "data", multiple=True, metavar="TRANSITION=JSON",
              help=_lazy("Form data for a transition (default: the simplest data its form accepts)."))
@click.option("--start", "start", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help=_lazy("Start of the simulation, UTC (default: 2026-01-05T09:00)."))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def simulate_command(workflow: str, days: int, paths: tuple[str, ...], reflects: tuple[str, ...],
                     data: tuple[str, ...], start: datetime | None, output: str) -> None:
    """Run a dry relationship through WORKFLOW (a file or a template name) on a virtual clock.

    Prints the timeline: transitions, refused steps, due duties, the reminders and escalations the
    reminder scan would send, and deadlines firing. Nothing is written anywhere but a temporary database.
    """
    from datetime import UTC

    document, source = read_workflow(workflow)
    result = simulate(document, days=days, steps=parse_path(paths), reflect=parse_reflect(reflects, days),
                      data=parse_data(data), start=start.replace(tzinfo=UTC) if start else DEFAULT_START,
                      source=source)
    if output == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_text(result)
