"""An institution's name, logo and colours: checked when the service starts, shown on every page from one
stylesheet (no inline styles), and carried by the e-mails."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mentorflow import Engine
from mentorflow.errors import ConfigurationError
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.branding import contrast
from mentorflow.integrations.web.settings import Settings, load_settings
from mentorflow.plugins.reminders.delivery import deliver
from mentorflow.plugins.reminders.outbox import scan
from mentorflow.testing import Factory
from tests.smtp_server import smtp_server
from tests.test_reminders import reflecting

ROOT = Path(__file__).resolve().parents[2]


def test_bad_branding_stops_the_start_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"Setting brand_colour must be a colour written #rrggbb, not 'red'"):
        load_settings(brand_colour="red")
    with pytest.raises(ConfigurationError, match=r"brand_colour #ffcc00 is too light: .* 1\.\d:1"):
        load_settings(brand_colour="#ffcc00")
    with pytest.raises(ConfigurationError, match=r"brand_ink #888888 on brand_colour #7a1f5c"):
        load_settings(brand_colour="#7a1f5c", brand_ink="#888888")
    with pytest.raises(ConfigurationError, match=r"institution_logo names .*missing\.png, which is not a file"):
        load_settings(institution_logo=str(tmp_path / "missing.png"))
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    with pytest.raises(ConfigurationError, match="must be a PNG, JPEG, WebP or SVG file"):
        load_settings(institution_logo=str(tmp_path / "logo.gif"))
    run = subprocess.run([sys.executable, "-m", "mentorflow", "serve", "--database-url", f"sqlite:///{tmp_path}/x.db"],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "MENTORFLOW_BRAND_COLOUR": "#fff"})
    assert run.returncode == 2 and "Setting brand_colour must be a colour written #rrggbb" in run.stderr
    assert "Traceback" not in run.stderr
    assert contrast("#000000", "#ffffff") == pytest.approx(21)


def test_the_pages_show_the_institution(mentorflow_engine: Engine, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    settings = load_settings(database_url=mentorflow_engine.db.url.render_as_string(hide_password=False),
                             secret_key="x", institution_name="Aarhus Universitet", institution_logo=str(logo),
                             brand_colour="#7a1f5c")
    client = create_app(settings, mentorflow_engine).test_client()
    page = client.get("/").text
    assert "<title>" in page and "· Aarhus Universitet</title>" in page
    assert re.search(r'<a class="brand" href="/"><img src="/brand/logo" alt="">Aarhus Universitet</a>', page)
    assert '<link rel="stylesheet" href="/brand.css">' in page
    css = client.get("/brand.css")
    assert css.content_type.startswith("text/css")
    assert css.text == ":root { --accent: #7a1f5c; --accent-ink: #ffffff; }\n"
    served = client.get("/brand/logo")
    assert served.content_type == "image/png" and served.data == logo.read_bytes()
    plain = create_app(Settings(secret_key="x", database_url=settings.database_url), mentorflow_engine).test_client()
    assert plain.get("/brand.css").status_code == 404 and plain.get("/brand/logo").status_code == 404
    assert "brand.css" not in plain.get("/").text and "· mentorflow</title>" in plain.get("/").text


def test_no_template_has_an_inline_style() -> None:
    templates = [p for p in (ROOT / "integrations").rglob("*.html")] + list((ROOT / "plugins").rglob("*.html"))
    assert len(templates) > 10
    styled = [str(p.relative_to(ROOT)) for p in templates if re.search(r"\sstyle=", p.read_text("utf-8"))]
    assert not styled, f"inline styles (the one stylesheet is integrations/web/static/mentorflow.css): {styled}"


def test_the_emails_carry_the_institution(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                          mentorflow_clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("MENTORFLOW_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MENTORFLOW_SMTP_PORT", str(port))
        monkeypatch.setenv("MENTORFLOW_SMTP_FROM", "mentoring@example.edu")
        monkeypatch.setenv("MENTORFLOW_INSTITUTION_NAME", "Aarhus\nUniversitet")
        reflecting(mentorflow_factory)
        mentorflow_clock.advance(days=12)
        scan(mentorflow_engine)
        assert deliver(mentorflow_engine).sent == 2
        for message in inbox.messages:
            assert message["From"] == "Aarhus Universitet <mentoring@example.edu>"
            body = message.get_payload(decode=True).decode().replace("\r\n", "\n")
            assert body.rstrip().endswith("-- \nAarhus Universitet")
