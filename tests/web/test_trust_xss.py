"""No user-written text executes: script and markup payloads in every text field, names included, in real Chromium.

A demo server is seeded with people whose names are payloads and with a
relationship taken through every form of the full lifecycle, every free-text
field holding a payload (``<script>``, ``<img onerror>``, ``javascript:``
links, SVG ``onload``, attribute-breaking quotes, ``</textarea>``). The
participant pages, the coordinator dashboard (searched with a payload too) and
a form re-shown with its errors are rendered in Chromium with the page's
Content-Security-Policy bypassed, so only escaping stands between a payload
and execution. Every payload calls ``alert`` and sets ``window.__pwned``: no
dialog may open, ``window.__pwned`` stays undefined, no event-handler
attribute or ``javascript:`` link reaches the DOM, and the text is shown as
text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorflow import Engine, ManualClock
from mentorflow.history import HISTORY_PAGE
from tests.trust_world import Cast, drive_everything, free_text_fields, full_workflow, make_cast

from .browser import browser, shot
from .conftest import Server, start_server, stop_server

pytestmark = pytest.mark.slow

PAYLOADS = [
    "<script>window.__pwned=1;alert('script')</script>",
    "<img src=x onerror=\"window.__pwned=1;alert('img')\">",
    "<a href=\"javascript:window.__pwned=1;alert('href')\">click me</a>",
    "<svg onload=\"window.__pwned=1;alert('svg')\"></svg>",
    "\"><script>window.__pwned=1;alert('attr')</script>",
    "' onmouseover='window.__pwned=1' autofocus onfocus='window.__pwned=1;alert(1)' x='",
    "</textarea><script>window.__pwned=1;alert('textarea')</script>",
    "<iframe src=\"javascript:alert('frame')\"></iframe>{{7*7}}",
]
ROLES = ("coordinator", "mentor", "mentee", "other_mentor", "other_mentee")
DOM_CHECK = """() => ({
    pwned: typeof window.__pwned !== 'undefined',
    handlers: document.querySelectorAll('[onerror],[onload],[onmouseover],[onfocus],[onclick]').length,
    jsLinks: [...document.querySelectorAll('a[href],iframe[src]')]
        .filter(e => (e.getAttribute('href') || e.getAttribute('src') || '').trim().toLowerCase()
        .startsWith('javascript:')).length,
    inlineScripts: document.querySelectorAll('script:not([src])').length,
    frames: document.querySelectorAll('iframe').length,
    text: document.body.innerText,
})"""


def payload_for(who: str, field: str) -> str:
    index = sum(map(ord, f"{who}{field}")) % len(PAYLOADS)
    return f"{PAYLOADS[index]} [{who}.{field}]"


def name_of(who: str) -> str:
    return f"{PAYLOADS[ROLES.index(who) % len(PAYLOADS)]} {who.title()}"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Cast, Engine]]:
    folder = tmp_path_factory.mktemp("xss")
    database = folder / "demo.db"
    server = start_server(f"sqlite:///{database}", folder / "server.log", "--demo")
    clock = ManualClock(datetime.now(UTC) - timedelta(days=200))
    engine = Engine(f"sqlite:///{database}", clock=clock)
    engine.publish_workflow("demo", full_workflow(coordinator_sees_content=True))
    cast = make_cast(engine, "demo", {who: (name_of(who), f"{who}@example.org") for who in ROLES})
    cast = drive_everything(engine, clock, "demo", cast, payload_for)
    yield server, cast, engine
    engine.db.dispose()
    stop_server(server.process)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


class Visitor:
    """One person's browser session with CSP bypassed, recording every dialog."""

    def __init__(self, chromium: Any, server: Server, person_id: int) -> None:
        self.context = chromium.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.server = server
        self.page.goto(server.url + "/")
        self.check("start page")
        self.page.locator(f"form[action='/demo/enter/{person_id}'] button").click()
        self.page.wait_for_load_state("load")

    def visit(self, path: str) -> str:
        self.page.goto(self.server.url + path)
        return self.check(path)

    def check(self, where: str) -> str:
        self.page.wait_for_timeout(50)  # let any onload/onerror handler run
        found = self.page.evaluate(DOM_CHECK)
        problems = {k: v for k, v in found.items() if k != "text" and v}
        assert not problems and not self.dialogs, f"{where}: {problems}, dialogs {self.dialogs}"
        return found["text"]


def test_payloads_in_every_field_and_name_never_execute(seeded: tuple[Server, Cast, Engine], chromium: Any,
                                                        artifacts: Path) -> None:
    server, cast, engine = seeded
    assert cast.main is not None and cast.early is not None
    document = full_workflow()
    fields = {(form, name) for form, names in free_text_fields(document).items() for name in names}
    assert len(fields) >= 30, "every free-text field of the lifecycle's forms is filled by the driver"

    shown: dict[str, str] = {}
    for who in ("mentee", "mentor"):
        visitor = Visitor(chromium, server, cast.person(who))
        shown[f"{who} /me"] = visitor.visit("/me")
        for rel in (cast.main, cast.early):
            # Every page of the history (20 events a page, newest first): old events' text is shown too.
            for page in range(1, -(-len(engine.timeline(rel.id)) // HISTORY_PAGE) + 1):
                shown[f"{who} {rel.id} {page}"] = visitor.visit(f"/relationships/{rel.id}?history={page}")
        shot(visitor.page, artifacts, f"{who}-relationship")
        visitor.context.close()
    coordinator = Visitor(chromium, server, cast.coordinator)
    shown["dashboard"] = coordinator.visit("/coordinator/demo")
    shot(coordinator.page, artifacts, "coordinator-dashboard")
    shown["search"] = coordinator.visit("/coordinator/demo?q=" + PAYLOADS[1].replace(" ", "%20"))
    shown["coordinator main"] = coordinator.visit(f"/relationships/{cast.main.id}")
    coordinator.context.close()

    everything = "\n".join(shown.values())
    for who in ("mentor", "mentee", "coordinator"):
        assert name_of(who) in everything, f"{who}'s name is not shown as text"
    written = [payload_for(w, f) for w, f in (
        ("mentee", "went_well"), ("mentee", "title"), ("mentee", "pause_note"), ("mentee", "sign_comment"),
        ("mentee", "learned"), ("mentor", "went_well"), ("mentor", "title"), ("mentor", "sign_comment"),
        ("mentor", "learned"), ("mentor", "mentor_expectations"), ("coordinator", "decision_note"))]
    missing = [text for text in written if text not in everything]
    assert not missing, f"these texts are not shown literally: {missing}"


def test_a_form_shown_again_with_errors_keeps_payloads_inert(seeded: tuple[Server, Cast, Engine], chromium: Any,
                                                             artifacts: Path) -> None:
    server, cast, engine = seeded
    rel = engine.start_relationship("demo", mentee=cast.other_mentee, mentor=cast.other_mentor,
                                    actor=cast.coordinator)
    visitor = Visitor(chromium, server, cast.other_mentee)
    visitor.visit(f"/relationships/{rel.id}")
    page = visitor.page
    page.locator("summary", has_text="Log a meeting").first.click()
    panel = page.locator("details[open]")
    values = {"agenda": PAYLOADS[4], "shared_notes": PAYLOADS[6], "private_notes": PAYLOADS[5]}
    for name, value in values.items():
        panel.locator(f"[name='{name}']").fill(value)
    panel.locator("[name='duration_minutes']").fill("0")  # invalid: the form comes back with its values
    panel.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    visitor.check("form shown again")
    shot(page, artifacts, "form-errors")
    reopened = page.locator("details[open]")
    for name, value in values.items():
        assert reopened.locator(f"[name='{name}']").input_value() == value, name


def test_the_detector_sees_a_payload_that_is_not_escaped(chromium: Any) -> None:
    """The control: the same checks do catch markup that reaches the page unescaped."""
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_content(f"<body>{PAYLOADS[1]}{PAYLOADS[0]}</body>")
    page.wait_for_timeout(100)
    found = page.evaluate(DOM_CHECK)
    assert found["pwned"] and found["handlers"] == 1 and dialogs
    context.close()
