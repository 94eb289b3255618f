"""One list of supported locales: a third language is a catalogue, and everything offers it (#19).

The languages mentorflow speaks are English plus every compiled catalogue it finds
(:func:`mentorflow.i18n.supported_locales`). Here a small Swedish catalogue is
compiled into a copy of the locale folder, and with no other change the JSON
Schemas accept ``sv`` labels, the web language switcher offers *Svenska*, the
XBlock and the LTI launch map ``sv-SE`` onto it, the API takes it as a person's
locale, and the CLI's ``--locale`` lists it and speaks it.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from click.testing import CliRunner

from mentorflow import WorkflowInvalid, i18n
from mentorflow.cli import cli
from mentorflow.i18n import format_date, format_datetime, format_day_month, format_time, set_locale, supported_locales
from mentorflow.integrations.lti.people import upsert_person
from mentorflow.integrations.openedx.language import resolve_locale
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.sessions import cookie_data
from mentorflow.integrations.web.settings import load_settings
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.plugins.reminders.messages import render
from mentorflow.registry import make_loader
from mentorflow.schemas import load_schema
from mentorflow.testing import Factory
from mentorflow.tokens import create_token
from tests.lifecycle import base_workflow

ROOT = Path(__file__).resolve().parent.parent
SWEDISH = {
    "Skip to content": "Hoppa till innehållet",
    "Language of messages (default: from the environment).": "Språk för meddelanden (standard: från miljön).",
    "mentorflow: workflows for mentoring programmes.": "mentorflow: arbetsflöden för mentorprogram.",
}


@pytest.fixture(autouse=True)
def _reset_locale() -> Iterator[None]:
    yield
    set_locale(None)


@pytest.fixture
def swedish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped catalogues plus a compiled Swedish one, as mentorflow's locale folder."""
    folder = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, folder)
    catalog = Catalog(locale="sv", domain=i18n.DOMAIN)
    for english, swedish in SWEDISH.items():
        catalog.add(english, swedish)
    (folder / "sv" / "LC_MESSAGES").mkdir(parents=True)
    with open(folder / "sv" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo", "wb") as out:
        write_mo(out, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", folder)
    return folder


def _with_swedish_label(document: dict[str, Any], key: str = "sv") -> dict[str, Any]:
    document = copy.deepcopy(document)
    document["states"][1]["label"][key] = "Avtal"
    document["programme"]["name"][key] = "Mentorprogram"
    document["forms"]["goal"]["fields"]["title"]["label"][key] = "Mål"
    return document


def test_english_and_danish_are_found_from_the_shipped_catalogues() -> None:
    assert supported_locales() == ("en", "da")
    assert i18n.SUPPORTED_LOCALES == ("en", "da")


def test_the_schema_files_name_no_language_and_the_loaded_schemas_name_every_supported_one() -> None:
    for name in ("workflow", "programme", "form"):
        text = (ROOT / "schemas" / f"{name}.schema.json").read_text("utf-8")
        labels = json.loads(text)["$defs"]["labels"]
        assert "properties" not in labels and "required" not in labels, name
        loaded = load_schema(name)["$defs"]["labels"]
        assert loaded["required"] == ["en", "da"] and list(loaded["properties"]) == ["en", "da"]
        assert loaded["additionalProperties"] is False


def test_a_label_in_a_language_without_a_catalogue_is_refused_at_its_pointer() -> None:
    loader = make_loader(build_plugin_manager())
    set_locale("en")
    with pytest.raises(WorkflowInvalid) as info:
        loader.load(_with_swedish_label(base_workflow()), "test.json")
    found = {p.pointer: p.message for p in info.value.problems}
    assert found == dict.fromkeys(("/states/1/label/sv", "/programme/name/sv", "/forms/goal/fields/title/label/sv"),
                                  "'sv' is not a language mentorflow speaks; use one of: en, da")


def test_a_swedish_catalogue_makes_sv_labels_valid_and_other_keys_still_refused(swedish: Path) -> None:
    assert supported_locales() == ("en", "da", "sv")
    loader = make_loader(build_plugin_manager())
    workflow = loader.load(_with_swedish_label(base_workflow()), "test.json")
    assert workflow.programme["name"]["sv"] == "Mentorprogram"
    loader.load(base_workflow(), "test.json")  # a workflow without Swedish labels stays valid (English is shown)
    set_locale("en")
    with pytest.raises(WorkflowInvalid) as info:
        loader.load(_with_swedish_label(base_workflow(), "xx"), "test.json")
    message = {p.pointer: p.message for p in info.value.problems}["/states/1/label/xx"]
    assert message == "'xx' is not a language mentorflow speaks; use one of: en, da, sv"


def test_the_web_language_switcher_offers_swedish_and_speaks_it(
        swedish: Path, mentorflow_engine: Any, mentorflow_factory: Factory) -> None:
    programme = mentorflow_factory.programme("sv", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    app = create_app(load_settings(database_url=str(mentorflow_engine.db.url), secret_key="t", worker=False),
                     engine=mentorflow_engine)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(cookie_data(mentorflow_engine, coordinator))
    page = client.get("/me").get_data(as_text=True)
    switcher = page.split('<span class="lang">')[1].split("</span>")[0]
    assert [link in switcher for link in ('lang="en"', ">English<", 'lang="da"', ">Dansk<", 'lang="sv"',
                                          ">Svenska<")] == [True] * 6
    assert client.get("/lang/sv?next=/me").status_code == 302
    swedish_page = client.get("/me").get_data(as_text=True)
    assert '<html lang="sv">' in swedish_page and "Hoppa till innehållet" in swedish_page
    assert client.get("/me", headers={"Accept-Language": "sv-SE,sv;q=0.9"}).status_code == 200
    assert client.get("/lang/xx?next=/me").status_code == 302  # an unknown code is ignored, not stored
    assert '<html lang="sv">' in client.get("/me").get_data(as_text=True)


def test_a_browser_asking_for_swedish_gets_it(swedish: Path, mentorflow_engine: Any,
                                              mentorflow_factory: Factory) -> None:
    programme = mentorflow_factory.programme("sv", base_workflow())
    coordinator = mentorflow_factory.person("Carla", role="coordinator", programme=programme)
    app = create_app(load_settings(database_url=str(mentorflow_engine.db.url), secret_key="t", worker=False),
                     engine=mentorflow_engine)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(cookie_data(mentorflow_engine, coordinator))
    page = client.get("/me", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="sv">' in page


def test_the_xblock_and_the_lti_launch_map_a_platform_language_onto_swedish(
        swedish: Path, mentorflow_engine: Any) -> None:
    assert resolve_locale("sv-SE", None) == "sv"
    person_id, created = upsert_person(mentorflow_engine, "https://lms.example.org", "u-1", {"name": "Sven"},
                                       locale="sv-SE")
    assert created and mentorflow_engine.person(person_id)["locale"] == "sv"


def test_without_the_catalogue_swedish_falls_back_to_english(mentorflow_engine: Any) -> None:
    assert resolve_locale("sv-SE", None) == "en"
    person_id, _created = upsert_person(mentorflow_engine, "https://lms.example.org", "u-2", {"name": "Sven"},
                                        locale="sv-SE")
    assert mentorflow_engine.person(person_id)["locale"] == "en"


def test_the_api_takes_a_supported_locale_for_a_person_and_names_the_choices_otherwise(
        swedish: Path, mentorflow_engine: Any) -> None:
    app = create_app(load_settings(database_url=str(mentorflow_engine.db.url), secret_key="t", worker=False),
                     engine=mentorflow_engine)
    client = app.test_client()
    admin = {"Authorization": f"Bearer {create_token(mentorflow_engine, 'admin', admin=True)[0]}"}
    made = client.post("/api/v1/people", json={"display_name": "Sven", "locale": "sv"}, headers=admin)
    assert made.status_code == 201 and mentorflow_engine.person(made.get_json()["id"])["locale"] == "sv"
    refused = client.post("/api/v1/people", json={"display_name": "Xena", "locale": "xx"}, headers=admin)
    assert refused.status_code == 400 and refused.content_type.startswith("application/problem+json")
    assert "locale must be one of: en, da, sv." in refused.get_data(as_text=True)


def test_the_cli_locale_option_lists_swedish_and_speaks_it(swedish: Path) -> None:
    result = CliRunner().invoke(cli, ["--locale", "sv", "--help"])
    assert result.exit_code == 0, result.output
    assert "--locale [en|da|sv]" in result.output
    assert "Språk för meddelanden" in result.output and "arbetsflöden för mentorprogram" in result.output


def test_the_cli_refuses_a_language_it_does_not_speak_with_exit_code_2() -> None:
    result = CliRunner().invoke(cli, ["--locale", "sv", "--help"])
    assert result.exit_code == 2
    assert "'sv' is not a language mentorflow speaks; choose one of: en, da." in result.output
    assert "Traceback" not in result.output
    assert CliRunner().invoke(cli, ["--locale", "da_DK.UTF-8", "--help"]).exit_code == 0
    assert "--locale [en|da]" in CliRunner().invoke(cli, ["--help"]).output


# -- dates through babel.dates --------------------------------------------------------------------


def test_dates_and_times_are_written_the_readers_way() -> None:
    day, moment = date(2026, 12, 3), datetime(2026, 12, 3, 14, 5)
    assert format_date(day, "long", "en") == "December 3, 2026"
    assert format_date(day, "long", "da") == "3. december 2026"
    assert format_date("2026-12-03T23:30:00+00:00", locale="da") == "3. dec. 2026"
    assert format_datetime(moment, "short", "da") == "03.12.2026 14.05"
    assert format_datetime(moment, "short", "en") == "12/3/26, 2:05\u202fPM"
    assert format_time(moment, locale="da") == "14.05"
    assert (format_day_month(day, "en"), format_day_month(day, "da")) == ("Dec 3", "3. dec.")  # chart axes
    set_locale("da")
    assert format_date(day) == "3. dec. 2026"  # the locale in force when none is given


def test_a_reminder_gives_the_due_date_in_the_recipients_language() -> None:
    context = {"timer_label": {"en": "Reflection", "da": "Refleksion"}, "due_at": "2026-12-03T09:00:00+00:00",
               "before_due": True, "relationship_id": 7}
    english = render("remind", context, "Mia", "en")
    danish = render("remind", context, "Mia", "da")
    assert english.subject == "Reminder: Reflection is due on December 3, 2026"
    assert "3. december 2026" in danish.subject and "Refleksion" in danish.subject
    escalate = {**context, "person_name": "Morten", "overdue_days": 7, "role_label": "mentor"}
    assert "which was due on December 3, 2026" in render("escalate", escalate, "Carla", "en").body
    assert "3. december 2026" in render("escalate", escalate, "Carla", "da").body


# -- command docstrings -----------------------------------------------------------------------------


def test_a_commands_docstring_help_is_shown_in_danish() -> None:
    danish = CliRunner().invoke(cli, ["--locale", "da", "validate", "--help"]).output
    english = CliRunner().invoke(cli, ["--locale", "en", "validate", "--help"]).output
    assert "Validate workflow (programme) files; every problem is reported" in english
    assert "Validate workflow (programme) files" not in danish and "Validér" in danish
    top = CliRunner().invoke(cli, ["--locale", "da", "--help"]).output
    assert "mentorflow: arbejdsgange for mentorprogrammer." in top
    listing = top.split("Commands:")[1]
    assert "Validér" in listing  # a group's list of commands shows the translated short help too
