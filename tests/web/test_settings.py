"""`mentorflow serve` configuration: environment, TOML file, command line, and the demo-mode guard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mentorflow.errors import ConfigurationError
from mentorflow.integrations.web.settings import load_settings


def test_toml_then_environment_then_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "mentorflow.toml"
    config.write_text('[mentorflow]\nport = 9000\nworkers = 3\nbase_url = "https://mentoring.example.edu"\n')
    monkeypatch.setenv("MENTORFLOW_WORKERS", "4")
    settings = load_settings(config, port=None, host="0.0.0.0")
    assert (settings.port, settings.workers, settings.host) == (9000, 4, "0.0.0.0")
    assert settings.public_url() == "https://mentoring.example.edu"
    assert settings.secret_key  # generated when not configured


def test_bad_configuration_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[mentorflow]\nprot = 9000\n')
    with pytest.raises(ConfigurationError, match="Unknown setting 'prot'"):
        load_settings(config)
    config.write_text("port = [")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(config)
    monkeypatch.setenv("MENTORFLOW_PORT", "eighty")
    with pytest.raises(ConfigurationError, match=r"Setting port must be a whole number"):
        load_settings()


def test_demo_mode_refuses_anything_but_sqlite() -> None:
    with pytest.raises(ConfigurationError, match="Demo mode only runs on a SQLite database"):
        load_settings(database_url="postgresql://db.example/mentorflow", demo=True)
    run = subprocess.run([sys.executable, "-m", "mentorflow", "serve", "--demo", "--database-url",
                          "postgresql://db.example/mentorflow"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "Demo mode only runs on a SQLite database" in run.stderr
    assert "Traceback" not in run.stderr
