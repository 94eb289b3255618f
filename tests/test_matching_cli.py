"""``mentorflow match`` run as a real process on the installed command."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mentorflow import Engine
from mentorflow.cli import cli
from mentorflow.plugins.matching import api
from mentorflow.testing import Factory
from tests.workflows_matching import Cohort

MENTORFLOW = str(Path(sys.executable).with_name("mentorflow"))


def run(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([MENTORFLOW, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"PATH": "/usr/bin:/bin", "MENTORFLOW_LOCALE": "en"})


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_match_stores_a_run_and_writes_csv(mentorflow_factory: Factory, mentorflow_database_url: str,
                                           tmp_path: Path) -> None:
    cohort = Cohort(mentorflow_factory)
    cohort.mentor("Ada", skills_offered=["python"], capacity=2)
    cohort.mentor("Bo", languages=["da"])
    for name in ("Eva", "Finn", "Gus"):
        cohort.mentee(name, skills_sought=["python"])
    target = tmp_path / "result.csv"
    code, out, err = finish(run("match", cohort.key, "--csv", str(target), "--database-url", mentorflow_database_url))
    assert code == 0, err
    assert "2 of 3 mentees matched to 2 mentors" in out and "3 row(s) written" in out
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["mentor"] for r in rows] == ["Ada", "Ada", ""]
    for row in rows[:2]:
        assert row["mentee"] in {"Eva", "Finn", "Gus"}
        assert sum(float(row[k]) for k in ("skills_overlap", "same_industry", "shared_language",
                                           "timezone_distance", "seniority_gap", "interests", "availability",
                                           "mentee_preference")) == float(row["score"])
    runs = api.list_runs(cohort.engine, cohort.key, cohort.coordinator)
    assert len(runs) == 1 and runs[0].algorithm == "optimal" and runs[0].stats["matched"] == 2


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A SQLite database with a matching programme ``matching`` and a plain programme ``plain``."""
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    engine = Engine(url)
    engine.upgrade_database()
    factory = Factory(engine)
    Cohort(factory)
    factory.programme("plain")
    engine.db.dispose()
    return url


def test_bad_input_exits_2_with_a_message_and_no_traceback(database: str) -> None:
    cases = {
        "unknown programme": (("match", "nope", "--database-url", database), "Programme 'nope' does not exist"),
        "bad mode": (("match", "matching", "--mode", "random", "--database-url", database), "'random' is not one of"),
        "database unreachable": (("match", "matching", "--database-url", "postgresql://nobody@127.0.0.1:1/x"),
                                 "could not be used"),
    }
    processes: dict[str, Any] = {name: run(*args) for name, (args, _) in cases.items()}  # in parallel
    for name, process in processes.items():
        code, out, err = finish(process)
        assert code == 2, (name, out, err)
        assert cases[name][1] in err, (name, err)
        assert "Traceback" not in err + out, name


def test_more_bad_input_in_process(database: str, tmp_path: Path) -> None:
    """The same command through click's runner (quicker than a process per case)."""
    (tmp_path / "empty.db").write_bytes(b"")
    cases = {
        "no matching settings": (("match", "plain", "--database-url", database), "does not use matching"),
        "database not upgraded": (("match", "matching", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}"),
                                  "mentorflow db upgrade"),
        "csv in a missing folder": (("match", "matching", "--database-url", database, "--csv",
                                     str(tmp_path / "no" / "r.csv")), "Cannot write"),
        "cancel an unknown run": (("match-cancel", "999", "--database-url", database), "does not exist"),
        "cancel a finished run": (("match-cancel", "1", "--database-url", database),
                                  "only a running run can be cancelled"),
        "cancel without a database": (("match-cancel", "1", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}"),
                                       "mentorflow db upgrade"),
    }
    engine = Engine(database)
    api.run_matching(engine, "matching")  # run 1, finished
    engine.db.dispose()
    for name, (args, message) in cases.items():
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == 2, (name, result.output)
        assert message in result.output, (name, result.output)
        assert result.exc_info is None or result.exc_info[0] is SystemExit, name
