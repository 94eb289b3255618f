"""What the background worker runs, as plugins declare it: task modules and periodic schedule entries.

Plugins answer :func:`mentorflow.hookspecs.mentorflow_worker_tasks` with a :class:`WorkerTasks`;
:func:`collect_worker_tasks` gathers every plugin's answer for the worker (the reminders plugin's
Celery application), so a stock ``mentorflow worker`` runs the tasks of every installed plugin, built-in
or third-party, with no list to edit. This module stays free of Celery: the core never imports it, and a
declaration is plain data the worker turns into Celery's includes and beat schedule.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mentorflow.errors import ConfigurationError
from mentorflow.extras import needed_by
from mentorflow.i18n import _

log = logging.getLogger("mentorflow.worker")

CRONTAB_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")
"""The fields a crontab schedule may set (Celery's ``crontab`` arguments); unset ones mean "every"."""


@dataclass(frozen=True)
class Periodic:
    """One beat entry: run ``task`` every ``every_seconds``, or at the times ``crontab`` names (UTC).

    ``env`` names an environment variable that overrides the interval (a number of seconds), or, for a
    crontab entry, the field ``env_field`` (``hour`` unless told), so a deployment changes the timing
    without code. Exactly one of ``every_seconds`` and ``crontab`` is given.
    """

    task: str
    every_seconds: float | None = None
    crontab: Mapping[str, int | str] | None = None
    env: str | None = None
    env_field: str = "hour"

    def __post_init__(self) -> None:
        if (self.every_seconds is None) == (self.crontab is None):
            raise ConfigurationError(_("The schedule entry for task '{task}' needs exactly one of every_seconds "
                                       "and crontab.").format(task=self.task))
        unknown = sorted(set(self.crontab or {}) - set(CRONTAB_FIELDS)) + (
            [self.env_field] if self.crontab is not None and self.env and self.env_field not in CRONTAB_FIELDS
            else [])
        if unknown:
            raise ConfigurationError(_("The schedule entry for task '{task}' has unknown crontab fields: "
                                       "{fields}.").format(task=self.task, fields=", ".join(unknown)))

    def seconds(self, environ: Mapping[str, str] | None = None) -> float | None:
        """The interval in seconds (``env`` applied), or None for a crontab entry."""
        if self.every_seconds is None:
            return None
        value = self._override(environ)
        if value is None:
            return float(self.every_seconds)
        try:
            seconds = float(value)
        except ValueError:
            seconds = 0.0
        if not seconds > 0:
            raise ConfigurationError(_("{name} must be a number of seconds above 0, not '{value}'.").format(
                name=self.env, value=value))
        return seconds

    def crontab_fields(self, environ: Mapping[str, str] | None = None) -> dict[str, int | str] | None:
        """The crontab fields (``env`` applied to ``env_field``), or None for an interval entry."""
        if self.crontab is None:
            return None
        fields = dict(self.crontab)
        value = self._override(environ)
        if value is not None:
            limits = {"minute": 59, "hour": 23, "day_of_week": 6, "day_of_month": 31, "month_of_year": 12}
            if not (value.strip().isdigit() and int(value) <= limits[self.env_field]):
                raise ConfigurationError(_("{name} must be a whole number from 0 to {limit}, not '{value}'.").format(
                    name=self.env, limit=limits[self.env_field], value=value))
            fields[self.env_field] = int(value)
        return fields

    def _override(self, environ: Mapping[str, str] | None) -> str | None:
        value = (os.environ if environ is None else environ).get(self.env) if self.env else None
        return value if value not in (None, "") else None


@dataclass(frozen=True)
class WorkerTasks:
    """A plugin's share of the worker: modules holding its tasks, and its periodic entries by name."""

    modules: tuple[str, ...] | list[str] = ()
    schedule: Mapping[str, Periodic] = field(default_factory=dict)


@dataclass
class CollectedTasks:
    """Every plugin's tasks, ready for the worker: ``owners`` says which plugin declared each module and entry."""

    modules: list[str] = field(default_factory=list)
    schedule: dict[str, Periodic] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    """Module name or schedule entry name -> the plugin that declared it."""
    skipped: dict[str, list[str]] = field(default_factory=dict)
    """Plugin name -> the extras it needs that are not installed (its tasks are left out)."""


def collect_worker_tasks(pm: Any) -> CollectedTasks:
    """Gather :class:`WorkerTasks` from every plugin of ``pm`` (a :class:`~mentorflow.pluginmanager.PluginManager`).

    A plugin whose ``NEEDS_EXTRAS`` are not installed is left out with a log line (its tasks would fail
    on import); the worker runs the others. A schedule entry name declared by two plugins, or a task module
    declared twice, is a :class:`ConfigurationError` naming both plugins.
    """
    from mentorflow.pluginmanager import call_one, implementations, plugin_failure

    collected = CollectedTasks()
    for impl in implementations(pm.hook.mentorflow_worker_tasks):
        name = pm.get_name(impl.plugin) or repr(impl.plugin)
        absent = needed_by(impl.plugin)
        if absent:
            collected.skipped[name] = absent
            log.warning("worker: the tasks of plugin %r are left out: install %s", name,
                        ", ".join(f"mentorflow[{extra}]" for extra in absent))
            continue
        try:
            declared = call_one(impl)
        except Exception as error:
            raise plugin_failure(name, "mentorflow_worker_tasks", error)  # noqa: B904 - the cause is set there
        if declared is None:
            continue
        if not isinstance(declared, WorkerTasks):
            raise ConfigurationError(_("Plugin '{plugin}' answered mentorflow_worker_tasks with {kind}, not a "
                                       "mentorflow.worker.WorkerTasks.").format(plugin=name,
                                                                                kind=type(declared).__name__))
        for module in declared.modules:
            if _claim(collected, f"module:{module}", name, _("task module '{name}'").format(name=module)):
                collected.modules.append(module)
        for entry, periodic in declared.schedule.items():
            _claim(collected, f"entry:{entry}", name, _("schedule entry '{name}'").format(name=entry))
            collected.schedule[entry] = periodic
    return collected


def _claim(collected: CollectedTasks, key: str, plugin: str, what: str) -> bool:
    """Note ``plugin`` as the owner of ``key``; True when it is new, an error when another plugin owns it."""
    if key not in collected.owners:
        collected.owners[key] = plugin
        return True
    owner = collected.owners[key]
    if owner != plugin:
        raise ConfigurationError(_("Plugins '{first}' and '{second}' both declare the worker's {what}: "
                                   "rename one or disable a plugin (MENTORFLOW_DISABLE_PLUGINS).").format(
            first=owner, second=plugin, what=what))
    return False


def claim_task_name(collected: CollectedTasks, task: str, plugin: str) -> None:
    """Record that ``plugin``'s modules define the task ``task``; a second plugin defining it is an error."""
    _claim(collected, f"task:{task}", plugin, _("task '{name}'").format(name=task))
