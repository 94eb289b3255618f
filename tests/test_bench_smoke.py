"""The transition benchmark (bench/transitions.py) runs end to end with a tiny N.

A smoke test only: it checks the report, never the timings.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bench.transitions import main

RATE = r"([\d,]+) transitions/s"


def rates(text: str, label: str) -> list[float]:
    return [float(m.replace(",", "")) for m in re.findall(re.escape(label) + r".*?" + RATE, text)]


def run(tmp_path: Path, *args: str) -> tuple[str, dict]:
    out = io.StringIO()
    results = main(["--n", "50", "--reps", "1", "--dir", str(tmp_path), *args], out=out)
    return out.getvalue(), results


def test_sqlite_report_has_rates_ratios_and_per_call_costs(tmp_path: Path) -> None:
    text, results = run(tmp_path, "--no-postgres")
    assert text.startswith("machine: ")
    for label in ("floor (stdlib sqlite3, commit each)", "engine (Engine.fire, commit each)",
                  "floor (stdlib sqlite3, commit every 100)", "engine (Engine.batch, 100 per commit)"):
        found = rates(text, label)
        assert len(found) == 1 and found[0] > 0, label
    assert re.search(r"ratio engine/floor +[\d.]+%  \(target >= 25%: (met|NOT met)\)", text)
    assert re.search(r"ratio engine/floor \(batch\) +[\d.]+%", text)
    for label in ("load+validate default.json", "Engine.get(id)", "workflow_by_version, cold cache"):
        assert re.search(re.escape(label) + r".* µs/call +\( *[\d.]+× one transition\)", text), label
    assert "PostgreSQL: skipped" in text
    sqlite = results["sqlite"]
    assert all(sqlite[key] > 0 for key in ("floor", "engine", "ratio", "floor_batch", "engine_batch", "load_us",
                                           "get_us", "workflow_us"))
    assert list(tmp_path.iterdir()) == []  # the scratch databases are gone


@pytest.mark.postgres
def test_postgres_section(tmp_path: Path) -> None:
    from tests.conftest import postgres_server_url

    text, results = run(tmp_path, "--postgres-url", postgres_server_url())
    assert rates(text, "floor (psycopg, commit each)")[0] > 0
    assert rates(text, "engine (Engine.fire, commit each)")[1] > 0
    assert results["postgres"]["ratio"] > 0 and results["postgres"]["ratio_batch"] > 0
