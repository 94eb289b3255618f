"""The worker's tasks come from the plugins (``mentorflow_worker_tasks``): built-ins and third parties alike.

Each test makes the worker's real Celery application (``make_app``) from a plugin manager and reads its
includes, beat schedule and task registry; the real worker running them is in tests/test_worker.py and
tests/lti/test_worker_grades.py. Plugins here are test plugins as a third party writes them, with task
modules written to a folder on ``sys.path``.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path
from typing import Any

import pytest
from celery.schedules import crontab

from mentorflow import extras, hookimpl
from mentorflow.errors import ConfigurationError
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.plugins.reminders.celery_app import make_app
from mentorflow.worker import Periodic, WorkerTasks, collect_worker_tasks


class Backups:
    """A third-party plugin: one task module, one nightly entry whose hour an environment variable sets."""

    NEEDS_EXTRAS: tuple[str, ...] = ()

    def __init__(self, modules: list[str], entry: str = "backups.nightly", task: str = "thirdparty.backup") -> None:
        self.modules, self.entry, self.task = modules, entry, task

    @hookimpl
    def mentorflow_worker_tasks(self) -> WorkerTasks:
        return WorkerTasks(modules=self.modules, schedule={
            self.entry: Periodic(self.task, crontab={"minute": 15, "hour": 2}, env="BACKUPS_HOUR")})


class Quiet:
    """A plugin that runs nothing in the worker."""

    @hookimpl
    def mentorflow_worker_tasks(self) -> None:
        return None


def task_module(folder: Path, name: str, task: str) -> str:
    (folder / f"{name}.py").write_text(textwrap.dedent(f'''
        from celery import shared_task


        @shared_task(name="{task}")
        def backup_task():
            return "{name}"
    '''), encoding="utf-8")
    return name


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("MENTORFLOW_BROKER_URL", "memory://")  # made, never connected
    return tmp_path


def test_the_stock_worker_runs_the_built_in_plugins_tasks_with_nothing_to_add(modules: Path) -> None:
    app = make_app()
    assert {"mentorflow.plugins.reminders.tasks", "mentorflow.integrations.lti.tasks",
            "mentorflow.integrations.moodle.tasks"} <= set(app.conf.include)
    schedule = app.conf.beat_schedule
    assert schedule["lti.deliver_grades"] == {"task": "mentorflow.lti.deliver_grades", "schedule": 30.0}
    assert schedule["moodle.sync_mentors"] == {"task": "mentorflow.moodle.sync_mentors", "schedule": 60.0}
    assert schedule["lti.sync_rosters"]["schedule"] == crontab(minute=0, hour=3)
    assert schedule["lti.retry_grades"]["schedule"] == crontab(minute=30, hour=4)
    # The reminders plugin's own entries come through the same hook, with the same names as before.
    assert schedule["scan"] == {"task": "mentorflow.scan", "schedule": 60.0}
    assert schedule["digest"]["schedule"] == crontab(minute=0, hour=7)
    assert {"mentorflow.scan", "mentorflow.lti.deliver_grades", "mentorflow.moodle.sync_mentors"} <= set(app.tasks)


def test_intervals_come_from_the_environment_and_a_bad_one_names_its_variable(
        modules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORFLOW_LTI_GRADES_INTERVAL", "5")
    monkeypatch.setenv("MENTORFLOW_LTI_ROSTER_HOUR", "1")
    monkeypatch.setenv("MENTORFLOW_MOODLE_SYNC_INTERVAL", "600")
    schedule = make_app().conf.beat_schedule
    assert schedule["lti.deliver_grades"]["schedule"] == 5.0 and schedule["moodle.sync_mentors"]["schedule"] == 600
    assert schedule["lti.sync_rosters"]["schedule"] == crontab(minute=0, hour=1)
    monkeypatch.setenv("MENTORFLOW_LTI_GRADES_INTERVAL", "soon")
    with pytest.raises(ConfigurationError, match=r"MENTORFLOW_LTI_GRADES_INTERVAL must be a number of seconds.*'soon'"):
        make_app()
    monkeypatch.setenv("MENTORFLOW_LTI_GRADES_INTERVAL", "30")
    monkeypatch.setenv("MENTORFLOW_LTI_ROSTER_HOUR", "25")
    with pytest.raises(ConfigurationError, match="MENTORFLOW_LTI_ROSTER_HOUR must be a whole number from 0 to 23"):
        make_app()


def test_a_third_party_plugins_tasks_and_schedule_join_the_worker(
        modules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = Backups([task_module(modules, "backups_tasks", "thirdparty.backup")])
    pm = build_plugin_manager([("backups", plugin), ("quiet", Quiet())], load_entrypoints=False)
    monkeypatch.setenv("BACKUPS_HOUR", "4")
    app = make_app(pm)
    assert app.conf.include == ["backups_tasks"]
    assert app.conf.beat_schedule == {"backups.nightly": {"task": "thirdparty.backup",
                                                          "schedule": crontab(minute=15, hour=4)}}
    assert app.tasks["thirdparty.backup"].apply().get() == "backups_tasks"  # the plugin's own task, on this app


def test_a_plugin_without_its_extras_is_left_out_with_a_log_line(
        modules: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(extras.EXTRAS, "nightly", ("mentorflow_test_no_such_module",))
    needy = Backups([task_module(modules, "needy_tasks", "needy.backup")], entry="needy.nightly",
                    task="needy.backup")
    needy.NEEDS_EXTRAS = ("nightly",)
    # A module that imports a dependency that is not there: that plugin is left out too, the worker still starts.
    (modules / "broken_tasks.py").write_text("import mentorflow_test_absent_dependency\n", encoding="utf-8")
    broken = Backups(["broken_tasks"], entry="broken.nightly", task="broken.backup")
    fine = Backups([task_module(modules, "fine_tasks", "fine.backup")], entry="fine.nightly", task="fine.backup")
    pm = build_plugin_manager([("needy", needy), ("broken", broken), ("fine", fine)], load_entrypoints=False)
    with caplog.at_level(logging.WARNING, logger="mentorflow.worker"):
        app = make_app(pm)
    assert app.conf.include == ["fine_tasks"] and list(app.conf.beat_schedule) == ["fine.nightly"]
    messages = [r.getMessage() for r in caplog.records]
    assert any("'needy'" in m and "mentorflow[nightly]" in m for m in messages), messages
    assert any("'broken'" in m and "mentorflow_test_absent_dependency" in m for m in messages), messages
    assert collect_worker_tasks(pm).skipped == {"needy": ["nightly"]}


@pytest.mark.filterwarnings("ignore:Task name 'shared.backup' is already registered")  # Celery's own notice of it
@pytest.mark.parametrize("clash", ["entry", "module", "task"])
def test_a_name_two_plugins_declare_is_an_error_naming_both(modules: Path, clash: str) -> None:
    # Module names differ per case: Python keeps an imported module for the whole test run.
    first_module = task_module(modules, f"first_{clash}_tasks", "shared.backup")
    first = Backups([first_module], entry="first.nightly", task="shared.backup")
    if clash == "entry":
        second = Backups([task_module(modules, "second_entry_tasks", "other.backup")], entry="first.nightly")
    elif clash == "module":
        second = Backups([first_module], entry="second.nightly")
    else:  # another module defining a task of the same name: Celery would silently keep only one
        second = Backups([task_module(modules, "second_task_tasks", "shared.backup")], entry="second.nightly")
    pm = build_plugin_manager([("first", first), ("second", second)], load_entrypoints=False)
    what = {"entry": "schedule entry 'first.nightly'", "module": f"task module '{first_module}'",
            "task": "task 'shared.backup'"}[clash]
    with pytest.raises(ConfigurationError) as raised:
        make_app(pm)
    message = str(raised.value)
    assert {"'first'", "'second'"} <= set(message.split()) and f"both declare the worker's {what}" in message


def test_a_wrong_answer_or_a_wrong_declaration_is_a_configuration_error(modules: Path) -> None:
    class Wrong:
        @hookimpl
        def mentorflow_worker_tasks(self) -> Any:
            return {"modules": ["x"]}

    with pytest.raises(ConfigurationError, match="Plugin 'wrong' answered mentorflow_worker_tasks with dict"):
        make_app(build_plugin_manager([("wrong", Wrong())], load_entrypoints=False))
    with pytest.raises(ConfigurationError, match="exactly one of every_seconds and crontab"):
        Periodic("x.y")
    with pytest.raises(ConfigurationError, match="unknown crontab fields: minutes"):
        Periodic("x.y", crontab={"minutes": 5})
    with pytest.raises(ConfigurationError, match="must be a number of seconds above 0, not '-1'"):
        Periodic("x.y", every_seconds=1, env="X_INTERVAL").seconds({"X_INTERVAL": "-1"})


def test_a_bad_interval_stops_the_worker_command_with_exit_code_2_naming_the_variable(tmp_path: Path) -> None:
    """The real command in a new process (the Celery application is made once per process, at import)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MENTORFLOW_BROKER_URL": "memory://", "MENTORFLOW_LOCALE": "da",
           "MENTORFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}", "MENTORFLOW_LTI_ROSTER_HOUR": "30"}
    run = subprocess.run([sys.executable, "-m", "mentorflow", "worker"], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert "MENTORFLOW_LTI_ROSTER_HOUR skal være et heltal fra 0 til 23, ikke '30'" in run.stderr
    assert not (tmp_path / "mentorflow-beat-schedule").exists()  # nothing started, nothing written
