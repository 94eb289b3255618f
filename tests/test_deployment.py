"""The sample deployment files use commands and settings that exist."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

from mentorflow.integrations.web.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def test_units_run_real_commands_with_real_options() -> None:
    assert {u.name for u in UNITS} >= {"mentorflow-web@.service", "mentorflow-worker@.service",
                                       "mentorflow-beat.service", "mentorflow-migrate.service"}
    for unit in UNITS:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read(unit)
        command = parser["Service"]["ExecStart"].split()
        assert command[0].endswith("/mentorflow"), unit
        words = [w for w in command[1:] if not w.startswith("-") and "%" not in w and not w.isdigit()
                 and not re.match(r"^\d+\.\d+\.\d+\.\d+$", w)]
        help_text = subprocess.run([sys.executable, "-m", "mentorflow", *words, "--help"], capture_output=True,
                                   text=True)
        assert help_text.returncode == 0, (unit.name, help_text.stderr)
        for option in (w.split("=")[0] for w in command[1:] if w.startswith("--")):
            assert option in help_text.stdout, f"{unit.name}: {option} is not an option of {' '.join(words)}"


def test_environment_file_names_only_known_settings() -> None:
    known = {f"MENTORFLOW_{name.upper()}" for name in Settings.__dataclass_fields__} | {
        "MENTORFLOW_BROKER_URL", "MENTORFLOW_DB_POOL_SIZE", "MENTORFLOW_DB_MAX_OVERFLOW", "MENTORFLOW_SMTP_HOST",
        "MENTORFLOW_SMTP_PORT", "MENTORFLOW_SMTP_STARTTLS", "MENTORFLOW_SMTP_FROM", "MENTORFLOW_STATE_DIR"}
    names = [line.split("=")[0] for line in (ROOT / "deploy" / "systemd" / "mentorflow.env").read_text().splitlines()
             if line and not line.startswith("#")]
    assert names and set(names) <= known, set(names) - known
    for name in names:  # every variable the sample sets is read somewhere in the code
        used = subprocess.run(["grep", "-rq", name.removeprefix("MENTORFLOW_").lower() if name in {
            f"MENTORFLOW_{f.upper()}" for f in Settings.__dataclass_fields__} else name, str(ROOT / "core"),
            str(ROOT / "plugins"), str(ROOT / "integrations")])
        assert used.returncode == 0, f"{name} is not read by mentorflow"
