"""The XBlock in the real xblock-sdk workbench (a Django server on loopback), driven by headless Chromium.

A coordinator, a mentee and a mentor (``?student=...``) go from sign-up
through the agreement, goals and a reflection to closure; the state lives
in the engine's database and survives a restart of the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import require_service
from tests.web.browser import browser, shot
from tests.web.conftest import free_port

from .conftest import require_xblock

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "mentorflow.0"


@dataclass
class Workbench:
    folder: Path
    url: str = ""
    process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        return {**os.environ, "MENTORFLOW_WORKBENCH_DIR": str(self.folder), "PYTHONPATH": str(ROOT),
                "DJANGO_SETTINGS_MODULE": "tests.openedx.workbench_settings"}

    def start(self) -> None:
        port = free_port()
        log = (self.folder / "server.log").open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}",
                                         "--noreload"], cwd=self.folder, env=self.env(), stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"workbench exited:\n{(self.folder / 'server.log').read_text()}")
            try:
                # Ready means the scenario answers, not just the index: the workbench fills its scenario table on
                # first use, and a probe that gave up early leaves that filling running while the test asks (404).
                if httpx.get(self.page_url("readiness-probe"), timeout=20).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"workbench did not start:\n{(self.folder / 'server.log').read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def page_url(self, student: str, scenario: str = SCENARIO, view: str = "") -> str:
        return f"{self.url}/scenario/{scenario}/{view + '/' if view else ''}?student={student}"


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    require_xblock()
    try:
        from xblock.core import XBlock

        XBlock.load_class("mentorflow")
        import workbench  # noqa: F401
    except ImportError:
        require_service("xblock-sdk", "pip install xblock-sdk (the dev extra has it)")
    except Exception:
        require_service("the mentorflow XBlock entry point", 'add [project.entry-points."xblock.v1"] '
                        'mentorflow = "mentorflow.integrations.openedx.block:MentorflowXBlock" to pyproject.toml '
                        "and reinstall mentorflow")
    bench = Workbench(tmp_path_factory.mktemp("workbench"))
    subprocess.run([sys.executable, "-m", "django", "migrate", "--run-syncdb", "-v", "0"], cwd=bench.folder,
                   env=bench.env(), check=True, timeout=120)
    bench.start()
    yield bench
    bench.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def handler_url(bench: Workbench, page_html: str, handler: str, student: str) -> str:
    usage = page_html.split("data-usage='", 1)[1].split("'", 1)[0]
    return f"{bench.url}/handler/{usage}/{handler}/?student={student}"


def test_handlers_check_csrf_and_who_is_asking(workbench: Workbench) -> None:
    with httpx.Client(timeout=10) as client:
        page = client.get(workbench.page_url("eve"))
        assert page.status_code == 200 and "Sign up for mentoring" in page.text
        url = handler_url(workbench, page.text, "pair", "eve")
        assert client.post(url, json={"mentee": 1, "mentor": 2}).status_code == 403  # no CSRF token: Django says no
        token = client.cookies.get("csrftoken") or client.get(workbench.url + "/").cookies.get("csrftoken")
        headers = {"X-CSRFToken": token or "", "Referer": workbench.url + "/"}
        refused = client.post(url, json={"mentee": 1, "mentor": 2}, headers=headers)
        assert refused.status_code == 403, refused.text  # eve is no coordinator, whatever ids she sends
        assert refused.json()["error"] == "Only a coordinator of the programme may pair people."
        settings = client.post(handler_url(workbench, page.text, "studio_submit", "eve"),
                               json={"template": "default"}, headers=headers)
        assert settings.status_code == 403
        bad = client.post(handler_url(workbench, page.text, "enrol", "eve"), json={"role": "mentee", "profile": {}},
                          headers=headers)
        assert bad.status_code == 422
        assert [p["pointer"] for p in bad.json()["problems"]] == ["/study_line"]


def sign_up(chromium: Any, bench: Workbench, student: str, role: str, study_line: str) -> Any:
    page = chromium.new_context(viewport={"width": 1000, "height": 900}).new_page()
    page.goto(bench.page_url(student))
    page.get_by_label(role, exact=True).check()
    page.get_by_label("Study line").fill(study_line)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("status").filter(has_text="You are signed up.").wait_for()
    return page


def fire(page: Any, action: str, fields: dict[str, str] | None = None, checks: tuple[str, ...] = ()) -> None:
    """Open the action's panel, fill its fields by label, submit, and wait for the block to say it is done."""
    details = page.locator("details.action", has=page.locator("summary", has_text=action)).first
    if details.get_attribute("open") is None:  # a form just rejected stays open
        details.locator("summary").click()
    panel = page.locator("details[open]")
    for label, value in (fields or {}).items():
        control = panel.get_by_label(label, exact=False).first
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    for label in checks:
        panel.get_by_label(label, exact=False).first.check()
    panel.get_by_role("button", name=action).click()
    page.get_by_role("status").filter(has_text=f"Done: {action}").wait_for()


def test_mentor_and_mentee_from_sign_up_to_closure(workbench: Workbench, chromium: Any, artifacts: Path) -> None:
    mentee = sign_up(chromium, workbench, "mia", "Mentee", "Biology")
    assert "Your coordinator will match you soon" in mentee.inner_text(".mf-body")
    shot(mentee, artifacts, "01-mentee-signed-up")
    mentor = sign_up(chromium, workbench, "morten", "Mentor", "Physics")

    coordinator = chromium.new_context(viewport={"width": 1000, "height": 900}).new_page()
    coordinator.goto(workbench.page_url("carla"))
    coordinator.get_by_label("Mentee", exact=True).select_option(label="XBlock User (mia)")
    coordinator.get_by_role("button", name="Pair them").click()
    coordinator.get_by_role("status").filter(has_text="The relationship has started.").wait_for()
    assert coordinator.locator(".mf-stages tr", has_text="Agreeing").locator("td").inner_text() == "1"
    assert coordinator.get_by_role("link", name="Open the coordinator dashboard").get_attribute("href") == \
        "http://127.0.0.1:9/coordinator/openedx-course-v1-edx-demo-2020"
    shot(coordinator, artifacts, "02-coordinator-paired")

    mentee.reload()
    mentee.get_by_role("heading", name="Mentoring with XBlock User (morten)").wait_for()
    fire(mentee, "Sign the agreement", checks=("I accept the agreement",))
    # The same next-step card as the web pages (#16): whose turn it is now.
    assert "sign the agreement" in mentee.locator(".next-step .step-text").inner_text().lower()
    assert "waiting for Mentor" in mentee.locator(".blocked", has_text="Start setting goals").inner_text()
    mentor.reload()
    fire(mentor, "Sign the agreement", checks=("I accept the agreement",))
    fire(mentor, "Start setting goals")
    assert mentor.locator("[aria-current=step]").inner_text() == "Setting goals"

    mentee.reload()
    # A bad submission keeps the form open with the error beside the field, and writes nothing.
    mentee.locator("summary", has_text="Add a goal").first.click()
    mentee.locator("details[open]").get_by_role("button", name="Add a goal").click()
    mentee.locator("details[open] .error[role=alert]").first.wait_for()
    assert mentee.locator(".mf-alert").is_visible()
    shot(mentee, artifacts, "03-mentee-goal-error")
    fire(mentee, "Add a goal", {"Goal": "Choose a thesis topic", "Category": "academic",
                                "How will you know it is reached?": "Approved by my supervisor"})
    fire(mentee, "Goals are set: start the regular check-ins")
    fire(mentee, "Submit a reflection", {"What went well?": "I shortlisted three topics",
                                         "How is the relationship going (1-5)?": "4"})
    shot(mentee, artifacts, "04-mentee-reflected")

    mentor.reload()
    assert "I shortlisted three topics" in mentor.locator(".timeline").inner_text()  # the pair's shared reflection
    fire(mentor, "Begin closing")
    fire(mentor, "Close the relationship", {"What did you learn?": "To ask before advising",
                                            "Satisfaction (1-5)": "5"})
    assert mentor.locator("[aria-current=step]").inner_text() == "Closed"
    shot(mentor, artifacts, "05-mentor-closed")

    # The engine's database, not the workbench's, holds the relationship: it is all there after a restart.
    workbench.stop()
    workbench.start()
    again = chromium.new_context(viewport={"width": 1000, "height": 900}).new_page()
    again.goto(workbench.page_url("mia"))
    assert again.locator("[aria-current=step]").inner_text() == "Closed"
    history = again.locator(".timeline").inner_text()
    for event in ("Sign the agreement", "Add a goal", "Submit a reflection", "Close the relationship"):
        assert event in history, event
    assert "To ask before advising" in history
    shot(again, artifacts, "06-mentee-after-restart")


def test_studio_view_validates_an_uploaded_workflow(workbench: Workbench, chromium: Any, artifacts: Path) -> None:
    page = chromium.new_context(viewport={"width": 1000, "height": 900}).new_page()
    page.goto(workbench.page_url("carla", "mentorflow.1", "studio_view"))
    page.get_by_label("Uploaded workflow (leave empty to use the template)").fill(
        '{"id": "x", "states": [], "transitions": [{"id": "go", "to": "nowhere"}]}')
    page.get_by_role("button", name="Save").click()
    page.locator(".mf-problems li").first.wait_for()
    problems = page.locator(".mf-problems").inner_text()
    assert "uploaded#/" in problems
    shot(page, artifacts, "07-studio-problems")
