"""Translations: the Danish catalogue covers every message, the .mo matches the .po, and people see Danish.

Adding ``_("...")`` without translating it fails ``test_every_message_has_a_danish_translation``,
naming the message and where it is; ``docs/i18n.md`` says how to translate it.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from mentorflow.errors import FormInvalid
from mentorflow.i18n import LOCALE_DIR, get_locale, set_locale
from mentorflow.testing import Factory, default_workflow

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "i18n.py"
SOURCE_PO = ROOT / "core" / "locale" / "da" / "LC_MESSAGES" / "mentorflow.po"
SOURCE_MO = SOURCE_PO.with_suffix(".mo")


@pytest.fixture(autouse=True)
def _reset_locale() -> Iterator[None]:
    yield
    set_locale(None)


def _read_po(path: Path, locale: str | None = None) -> Catalog:
    with open(path, "rb") as fileobj:
        return read_po(fileobj, locale=locale)


def _placeholders(text: str) -> set[str]:
    """``{name}``-style fields as written (``{value!r}`` stays whole); ``{{``/``}}`` are literal braces."""
    return {"{" + field + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            for _text, field, spec, conv in string.Formatter().parse(text) if field is not None}


def _placeholder_error(english: str, danish: str) -> str | None:
    try:
        wanted = _placeholders(english)
    except ValueError:
        return None  # not a format string
    try:
        got = _placeholders(danish)
    except ValueError as error:
        return f"braces do not parse: {error}"
    return None if got == wanted else f"placeholders {sorted(got)} instead of {sorted(wanted)}"


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(strings) and all(strings)


# -- the catalogue ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Every message marked in the sources right now, extracted with line numbers by scripts/i18n.py."""
    pot = tmp_path_factory.mktemp("i18n") / "mentorflow.pot"
    run = subprocess.run([sys.executable, str(SCRIPT), "extract", "--output", str(pot), "--with-lineno"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    return _read_po(pot)


def test_extraction_finds_the_engine_messages(extracted: Catalog) -> None:
    assert extracted.get("The data for form '{form}' is not valid:") is not None
    assert len([m for m in extracted if m.id]) > 100


def test_every_message_has_a_danish_translation(extracted: Catalog) -> None:
    danish = _read_po(SOURCE_PO, "da")
    failures = []
    for message in extracted:
        if not message.id:
            continue
        where = ", ".join(f"{path}:{line}" for path, line in message.locations)
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        translation = danish.get(msgid, message.context)
        if translation is None or not _translated(translation):
            failures.append(f"{where}: no Danish translation for {msgid!r}")
            continue
        if translation.fuzzy:
            failures.append(f"{where}: the Danish translation of {msgid!r} is marked fuzzy")
            continue
        if isinstance(message.id, (list, tuple)):
            if not isinstance(translation.id, (list, tuple)) or tuple(translation.id) != tuple(message.id):
                failures.append(f"{where}: the Danish entry for {msgid!r} has another plural form")
                continue
            pairs = [(message.id[0] if i == 0 else message.id[1], text) for i, text in enumerate(translation.string)]
        else:
            pairs = [(message.id, translation.string)]
        for english, text in pairs:
            error = _placeholder_error(english, text)
            if error:
                failures.append(f"{where}: Danish {text!r} for {english!r}: {error}")
    assert not failures, (
        f"{len(failures)} message(s) are not ready in Danish; run `python scripts/i18n.py update`, translate "
        "core/locale/da/LC_MESSAGES/mentorflow.po, then `python scripts/i18n.py compile` (docs/i18n.md):\n"
        + "\n".join(failures))


def test_placeholder_comparison_catches_mistakes() -> None:
    assert _placeholder_error("Person {id} does not exist.", "Person {id} findes ikke.") is None
    assert _placeholder_error("Person {id} does not exist.", "Person {ID} findes ikke.")
    assert _placeholder_error("must be {value}", "skal være {value} ({value})") is None
    assert _placeholder_error("not {value!r}.", "ikke {value}.")
    assert _placeholder_error("{n} items", "{n} elementer {")
    assert _placeholder_error("a {{literal}} brace", "en {{bogstavelig}} klamme") is None


def _mo_messages(data: bytes) -> dict[tuple[str | None, Any], Any]:
    """``{(context, msgid): translation}``, leaving out plurals whose forms are empty (English is shown)."""
    catalog = read_mo(io.BytesIO(data))
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)):
            m.string if isinstance(m.string, str) else tuple(m.string) for m in catalog if m.id and _translated(m)}


def test_committed_mo_matches_the_po() -> None:
    assert SOURCE_MO.exists(), "core/locale/da/LC_MESSAGES/mentorflow.mo is missing: run scripts/i18n.py compile"
    compiled = io.BytesIO()
    write_mo(compiled, _read_po(SOURCE_PO, "da"))
    wanted, committed = _mo_messages(compiled.getvalue()), _mo_messages(SOURCE_MO.read_bytes())
    differ = sorted(str(key[1]) for key in set(wanted) | set(committed) if wanted.get(key) != committed.get(key))
    assert not differ, "the committed .mo is stale; run `python scripts/i18n.py compile`. Differs for: " + ", ".join(
        differ[:10])


def test_check_command_passes() -> None:
    run = subprocess.run([sys.executable, str(SCRIPT), "check"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("ok:")


def test_installed_package_ships_the_danish_catalogue() -> None:
    """mentorflow reads its catalogue from the installed package (the wheel under tox), not the source tree."""
    assert (LOCALE_DIR / "da" / "LC_MESSAGES" / "mentorflow.mo").is_file(), (
        f"no compiled Danish catalogue in the installed package at {LOCALE_DIR}: the .mo is not package data")


# -- what people see ----------------------------------------------------------------------------


def _danish(msgid: str) -> str:
    message = _read_po(SOURCE_PO, "da").get(msgid)
    assert message is not None and message.string, msgid
    return message.string


def _fire_bad_form(factory: Factory) -> FormInvalid:
    relationship = factory.relationship()
    with pytest.raises(FormInvalid) as info:
        factory.engine.fire(relationship, "sign_agreement", relationship.mentor_id, {"accept": True, "colour": "blue"})
    return info.value


def test_form_error_is_danish_with_locale_da(mentorflow_factory: Factory) -> None:
    set_locale("da")
    assert get_locale() == "da"
    error = _fire_bad_form(mentorflow_factory)
    summary = _danish("The data for form '{form}' is not valid:").format(form="agreement_signature")
    problem = _danish("'{name}' is not allowed here (misspelt?)").format(name="colour")
    assert "formularen" in summary and summary != "The data for form 'agreement_signature' is not valid:"
    assert error.summary == summary
    assert [(p.pointer, p.message) for p in error.problems] == [("/colour", problem)]
    assert error.message.splitlines()[0] == summary
    assert error.title() == _danish("Invalid form data")


def test_form_error_is_english_with_locale_en(mentorflow_factory: Factory) -> None:
    set_locale("en")
    error = _fire_bad_form(mentorflow_factory)
    assert error.summary == "The data for form 'agreement_signature' is not valid:"
    assert [p.message for p in error.problems] == ["'colour' is not allowed here (misspelt?)"]
    assert error.title() == "Invalid form data"


def _mentorflow(*args: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "mentorflow"
    env = {k: v for k, v in os.environ.items() if k not in ("MENTORFLOW_LOCALE", "LANGUAGE", "LC_ALL", "LANG")}
    return subprocess.run([str(executable), *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def bad_workflow(tmp_path: Path) -> Path:
    document = default_workflow()
    document["colour"] = "blue"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), "utf-8")
    return path


def test_cli_validate_speaks_danish(bad_workflow: Path) -> None:
    run = _mentorflow("--locale", "da", "validate", str(bad_workflow))
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"{bad_workflow}: 1 problem(er)" in run.stderr
    assert "/colour: " + _danish("'{name}' is not allowed here (misspelt?)").format(name="colour") in run.stderr
    assert "stavefejl" in run.stderr and "misspelt" not in run.stderr
    assert _danish("found: {value}").format(value='"blue"') in run.stderr


def test_cli_validate_speaks_english(bad_workflow: Path) -> None:
    run = _mentorflow("--locale", "en", "validate", str(bad_workflow))
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"{bad_workflow}: 1 problem(s)" in run.stderr
    assert "/colour: 'colour' is not allowed here (misspelt?)" in run.stderr
    assert 'found: "blue"' in run.stderr


def test_cli_locale_from_the_environment(bad_workflow: Path) -> None:
    executable = Path(sys.executable).parent / "mentorflow"
    env = {**os.environ, "MENTORFLOW_LOCALE": "da_DK.UTF-8"}
    run = subprocess.run([str(executable), "validate", str(bad_workflow)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert "stavefejl" in run.stderr, run.stderr


def test_check_reports_what_babel_cannot_translate(tmp_path: Path) -> None:
    """f-strings given to _() and _() hidden inside an f-string are reported with file:line."""
    (tmp_path / "core").mkdir()
    (tmp_path / "babel.cfg").write_text("[python: core/**.py]\n", "utf-8")
    (tmp_path / "core" / "sample.py").write_text(
        "from mentorflow.i18n import _\n"
        "name = 'x'\n"
        "a = _(f'Hello {name}')\n"
        "b = f\"{_('Open: {link}')}\"\n"
        "c = _('Plain {name}').format(name=name)\n", "utf-8")
    spec = importlib.util.spec_from_file_location("mentorflow_i18n_script", SCRIPT)
    assert spec and spec.loader
    script = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    extraction = script.extract(tmp_path)
    assert [m.id for m in extraction.catalog if m.id] == ["Plain {name}"]
    assert extraction.skipped_fstrings == ["core/sample.py:3"]
    assert script.unextracted(extraction.catalog, tmp_path) == [
        "core/sample.py:4: babel did not extract 'Open: {link}' (an _() inside an f-string is invisible to it; "
        "call _() outside the f-string)"]
