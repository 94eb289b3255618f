"""The tool against Open edX's own LTI 1.3 platform code (``lti-consumer-xblock`` 11.4.4 from PyPI, in its own
virtual environment: its Django and XBlock pins are not ours). ``tests/lti/openedx_platform.py`` runs its
``LtiAdvantageConsumer`` on loopback; these tests launch a learner and an instructor, deep-link (Open edX checks
the tool's signed response), and have Open edX's token endpoint check the tool's client assertion.
``tests/lti/openedx_site.py`` runs its Django app, with only the edx-platform calls of ``lti_consumer.plugin.compat``
stood in for: the launch gate view launches a learner and an instructor (roles mapped by vocabulary, the block's
resource link kept), the deep-linking response endpoint saves the tool's selection (and a student's launch of it
reaches the programme it names), the NRPS view serves the roster ``mentorflow lti sync-roster`` imports (paged), and a
completion grade reaches the block through the AGS views and the scoring signal in both AGS modes.

The environment is made once in ``.openedx-venv/`` (``MENTORFLOW_OPENEDX_VENV`` to reuse another); without
PyPI the tests are skipped with the reason (under CI they fail instead).
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from mentorflow.integrations.lti.platforms import register_platform
from mentorflow.integrations.lti.services import access_token, forget_tokens
from tests.conftest import require_service
from tests.web.conftest import Server, start_server, stop_server

from .conftest import _database, form_fields, run_cli, unique, workflow

ROOT = Path(__file__).resolve().parents[2]
PIN = "lti-consumer-xblock==11.4.4"
pytestmark = pytest.mark.slow


def openedx_python() -> str:
    folder = Path(os.environ.get("MENTORFLOW_OPENEDX_VENV") or ROOT / ".openedx-venv")
    python = folder / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", "import lti_consumer"],
                                             capture_output=True).returncode:
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        # PyJWT signs RS256 only with cryptography, which lti-consumer-xblock does not declare.
        made = subprocess.run([str(python), "-m", "pip", "install", "-q", PIN, "cryptography"], capture_output=True,
                              text=True,
                              timeout=900)
        if made.returncode:
            require_service("lti-consumer-xblock", f"pip install {PIN} failed: {made.stderr[-500:]}")
    return str(python)


class OpenEdx:
    def __init__(self, tool: Server, python: str) -> None:
        # -I: isolated, so the script's folder (with our platform.py) does not shadow the standard library.
        self.process = subprocess.Popen([python, "-I", str(Path(__file__).with_name("openedx_platform.py")), tool.url],
                                        stdout=subprocess.PIPE, text=True, start_new_session=True)
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        assert line.strip().isdigit(), "the Open edX platform did not start"
        self.url = f"http://127.0.0.1:{line.strip()}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def openedx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, OpenEdx]]:
    python = openedx_python()
    server = start_server(_database("sqlite", tmp_path_factory), tmp_path_factory.mktemp("oex") / "server.log",
                          env={"MENTORFLOW_LTI_JWKS_REFRESH_SECONDS": "0", "MENTORFLOW_RATE_LIMIT_SIGN_IN": "100000"})
    platform = OpenEdx(server, python)
    engine = server.engine()
    register_platform(engine, issuer=platform.url, client_id="openedx-client-1", auth_login_url=platform.url + "/auth",
                      auth_token_url=platform.url + "/token", jwks_url=platform.url + "/jwks", deployment_ids=["1"],
                      name="Open edX (lti-consumer-xblock)")
    engine.db.dispose()
    yield server, platform
    platform.stop()
    stop_server(server.process)


def programme(server: Server) -> str:
    key = unique("oex")
    engine = server.engine()
    engine.publish_workflow(key, workflow(learner_role="mentee"))
    engine.db.dispose()
    return key


def launch(server: Server, platform: OpenEdx, role: str, key: str, **extra: str) -> tuple[httpx.Client, Any]:
    """The block's launch: login initiation → the tool → Open edX's authentication → the tool's launch."""
    user = unique(f"oex-{role}-")
    start = httpx.get(platform.url + "/start?" + urlencode({"user": user, "role": role, "course": key,
                                                             "programme": key, "name": f"Ann {role}",
                                                             "email": f"{user}@example.edu", **extra}),
                      timeout=60).json()
    client = server.client(follow_redirects=False)
    login = client.get(start["url"])
    assert login.status_code == 302, login.text
    action, fields = form_fields(httpx.get(login.headers["location"], timeout=60).text)
    return client, client.post(action, data=fields)


@pytest.mark.parametrize(("role", "page"), [("student", "/me"), ("staff", "/coordinator/{key}"),
                                            ("instructor", "/coordinator/{key}")])
def test_open_edx_launches_map_to_programme_roles(openedx: tuple[Server, OpenEdx], role: str, page: str) -> None:
    server, platform = openedx
    key = programme(server)
    client, answer = launch(server, platform, role, key)
    client.close()
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].removeprefix(server.url) == page.format(key=key)


def test_open_edx_checks_the_tools_deep_linking_response(openedx: tuple[Server, OpenEdx]) -> None:
    server, platform = openedx
    key = programme(server)
    client, chooser = launch(server, platform, "instructor", key, deep_linking="1")
    assert chooser.status_code == 200, chooser.text
    action = html.unescape(re.search(r'<form[^>]*action="([^"]*/lti/deep-link/[^"]*)"', chooser.text).group(1))  # type: ignore[union-attr]
    token = re.search(r'name="csrf_token" value="([^"]*)"', chooser.text)
    answer = client.post(action, data={"programme": key, **({"csrf_token": token.group(1)} if token else {})})
    client.close()
    assert answer.status_code == 200, answer.text
    back, fields = form_fields(answer.text)
    assert back == platform.url + "/deep-link-return"
    checked = httpx.post(back, data=fields, timeout=60).json()
    assert checked[0]["type"] == "ltiResourceLink" and checked[0]["custom"]["programme"] == key, checked


def test_open_edx_token_endpoint_accepts_the_tools_client_assertion(openedx: tuple[Server, OpenEdx]) -> None:
    server, platform = openedx
    engine = server.engine()
    from mentorflow.integrations.lti.platforms import find_platform

    registered = find_platform(engine, platform.url, "openedx-client-1")
    forget_tokens()
    scopes = ("https://purl.imsglobal.org/spec/lti-ags/scope/score",
              "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly")
    assert access_token(engine, registered, scopes)  # type: ignore[arg-type]
    engine.db.dispose()


class OpenEdxSite:
    """``tests/lti/openedx_site.py``: Open edX's LTI consumer app in a Django site (launch gate, AGS, NRPS)."""

    def __init__(self, tool: Server, python: str, database: Path) -> None:
        self.process = subprocess.Popen([python, "-I", str(Path(__file__).with_name("openedx_site.py")), tool.url,
                                         str(database)], stdout=subprocess.PIPE, text=True, start_new_session=True)
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        assert line.strip().isdigit(), "the Open edX site did not start"
        self.url = f"http://127.0.0.1:{line.strip()}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def openedx_site(openedx: tuple[Server, OpenEdx], tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenEdxSite]:
    site = OpenEdxSite(openedx[0], openedx_python(), tmp_path_factory.mktemp("oex-site") / "lms.sqlite3")
    yield site
    site.stop()


def gate_form(page: str) -> tuple[str, dict[str, str]]:
    """The action and fields of lti_consumer's ``html/lti_1p3_launch.html`` (``<input name=".." value=".." />``)."""
    action = re.search(r'<form[^>]*action="([^"]*)"', page)
    assert action, page[:2000]
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input name="([^"]*)" value="([^"]*)"', page)}
    return html.unescape(action.group(1)), fields


def site_launch(server: Server, site: OpenEdxSite, role: str, key: str, course: str, ags: str = "programmatic", *,
                lms: httpx.Client | None = None, tool: httpx.Client | None = None,
                **extra: str) -> tuple[str, dict[str, Any], httpx.Response]:
    """The block's launch through Open edX's launch gate (registering the block's passport with the tool first):
    the login initiation URL from ``get_lti_1p3_launch_start_url`` → the tool's login → the tool's authentication
    request to ``launch_gate_endpoint`` → its auto-posting id_token form → the tool's launch. ``lms`` and ``tool``
    are the person's browser (its LMS and tool cookies), kept by the caller when given; ``key`` empty sends no
    ``programme`` custom parameter."""
    user = unique(f"oex-{role}-")
    browser_lms, browser_tool = lms or httpx.Client(timeout=60), tool or server.client(follow_redirects=False)
    try:
        start = browser_lms.get(site.url + "/start", params={
            "user": user, "role": role, "course": course, "name": f"Ann {user}", "email": f"{user}@example.edu",
            "ags": ags, **({"programme": key} if key else {}), **extra}).json()  # new keys take a while
        engine = server.engine()
        register_platform(engine, issuer=start["issuer"], client_id=start["client_id"], auth_login_url=start["auth"],
                          auth_token_url=start["token"], jwks_url=start["jwks"], deployment_ids=["1"],
                          name=f"Open edX block {course}")
        engine.db.dispose()
        login = browser_tool.get(start["url"])
        assert login.status_code == 302, login.text
        assert login.headers["location"].startswith(site.url + "/api/lti_consumer/v1/launch/")
        gate = browser_lms.get(login.headers["location"])
        assert gate.status_code == 200, gate.text[:2000]
        action, fields = gate_form(gate.text)
        return user, start, browser_tool.post(action, data=fields)
    finally:
        if lms is None:
            browser_lms.close()
        if tool is None:
            browser_tool.close()


@pytest.mark.parametrize(("role", "target", "programme_roles"), [
    ("student", "participant", {"mentee"}), ("instructor", "coordinator", {"coordinator"})])
def test_open_edx_launch_gate_launches_into_the_tool(openedx: tuple[Server, OpenEdx], openedx_site: OpenEdxSite,
                                                     role: str, target: str, programme_roles: set[str]) -> None:
    """lti_consumer's launch gate answers the tool's OIDC authentication request; the tool maps Open edX's roles
    by vocabulary (a student's ``system/person#None`` and ``institution/person#None`` give no course rights)."""
    from mentorflow.integrations.lti.contexts import contexts_of, members
    from mentorflow.integrations.lti.platforms import DEFAULT_ROLE_MAP
    from mentorflow.integrations.lti.roles import targets

    server = openedx[0]
    key = programme(server)
    user, start, answer = site_launch(server, openedx_site, role, key, unique("L"))
    assert answer.status_code == 303, answer.text
    page = "/me" if role == "student" else f"/coordinator/{key}"
    assert answer.headers["location"].removeprefix(server.url) == page
    engine = server.engine()
    person = engine.find_person(f"lti:{start['issuer']}", user)
    assert person is not None and engine.person(person)["display_name"] == f"Ann {user}"
    assert engine.programme_roles(key, person) == programme_roles
    [context] = [c for c in contexts_of(engine, programme_id=engine.programme_id(key))
                 if c.context_id == start["course"]]
    assert context.resource_link_id == start["block"]
    assert context.memberships_url and context.memberships_url.startswith(openedx_site.url + "/api/lti_consumer/")
    sent = members(engine, context.id)[person]
    engine.db.dispose()
    lis = "http://purl.imsglobal.org/vocab/lis/v2/"
    assert {lis + "system/person#None", lis + "institution/person#None"} <= set(sent)
    assert targets(sent, DEFAULT_ROLE_MAP) == {target}


def test_open_edx_nrps_view_gives_the_roster(openedx: tuple[Server, OpenEdx], openedx_site: OpenEdxSite,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """lti_consumer's NRPS view (its token check, NRPS permission, PII serializer, ``limit``/``page`` paging) serves
    the course roster; ``mentorflow lti sync-roster`` imports it: people with names and e-mail addresses, students
    as the programme's learner role, staff and instructors as coordinators."""
    from mentorflow.integrations.lti.contexts import contexts_of
    from mentorflow.integrations.lti.nrps import sync_roster

    server = openedx[0]
    key = programme(server)
    course = unique("R")
    _teacher, start, answer = site_launch(server, openedx_site, "instructor", key, course)
    assert answer.status_code == 303, answer.text
    roster = {unique("oex-s-"): "student" for _ in range(3)} | {unique("oex-t-"): "staff"}
    for user, role in roster.items():
        httpx.get(openedx_site.url + "/enrol", params={"user": user, "role": role, "course": course,
                                                      "name": f"Bo {user}", "email": f"{user}@example.edu"},
                  timeout=60).raise_for_status()
    forget_tokens()
    run = run_cli("lti", "sync-roster", "--programme", key, env={"MENTORFLOW_DATABASE_URL": server.database_url})
    assert run.exit_code == 0, run.stderr
    assert "5 members (4 new, 0 inactive) from 1 page(s)" in run.stdout, run.stdout
    engine = server.engine()
    source = f"lti:{start['issuer']}"
    for user, role in roster.items():
        person = engine.find_person(source, user)
        assert person is not None, user
        assert engine.person(person)["email"] == f"{user}@example.edu"
        assert engine.person(person)["display_name"] == f"Bo {user}"
        assert engine.programme_roles(key, person) == ({"mentee"} if role == "student" else {"coordinator"})
    # Open edX pages with limit and page and a Link rel="next"; the tool follows it.
    monkeypatch.setenv("MENTORFLOW_LTI_NRPS_LIMIT", "2")
    [context] = contexts_of(engine, programme_id=engine.programme_id(key))
    report = sync_roster(engine, context.id)
    engine.db.dispose()
    assert (report.members, report.pages, report.created) == (5, 3, 0), report
    assert report.roles == {"coordinator": 2, "participant": 3}


def test_open_edx_nrps_without_pii_sharing_gives_ids_and_roles(openedx: tuple[Server, OpenEdx],
                                                                openedx_site: OpenEdxSite) -> None:
    """Open edX's default: the course does not allow PII sharing in LTI, so the launch carries no name and the NRPS
    view answers through its basic serializer (ids and roles only); the tool names people by their id."""
    from mentorflow.integrations.lti.contexts import contexts_of
    from mentorflow.integrations.lti.nrps import sync_roster

    server = openedx[0]
    key = programme(server)
    course = unique("P")
    _teacher, start, answer = site_launch(server, openedx_site, "instructor", key, course, pii="0")
    assert answer.status_code == 303, answer.text
    other = unique("oex-s-")
    httpx.get(openedx_site.url + "/enrol", params={"user": other, "role": "student", "course": course,
                                                  "name": "Bo Hidden", "email": f"{other}@example.edu"},
              timeout=60).raise_for_status()
    forget_tokens()
    engine = server.engine()
    [context] = contexts_of(engine, programme_id=engine.programme_id(key))
    report = sync_roster(engine, context.id)
    person = engine.find_person(f"lti:{start['issuer']}", other)
    assert person is not None
    details = engine.person(person)
    roles = engine.programme_roles(key, person)
    engine.db.dispose()
    assert (report.members, report.created) == (2, 1), report
    assert details["display_name"] == f"Participant {other}" and not details["email"], details
    assert roles == {"mentee"}


def test_open_edx_saves_the_tools_deep_linking_selection_and_launches_it(openedx: tuple[Server, OpenEdx],
                                                                          openedx_site: OpenEdxSite) -> None:
    """A staff deep-linking launch through the launch gate; the tool's signed response goes to lti_consumer's
    ``deep_linking_response_endpoint`` (signature checked, the instructor's LMS session allowed to change the
    course, each item through its serializer), which stores the selection; a student's launch of the stored item
    carries its ``custom`` (the programme) to the tool."""
    server = openedx[0]
    key = programme(server)
    course = unique("D")
    with httpx.Client(timeout=60) as lms, server.client(follow_redirects=False) as tool:
        _teacher, _start, chooser = site_launch(server, openedx_site, "instructor", "", course, lms=lms, tool=tool,
                                                deep_linking="1")
        assert chooser.status_code == 200, chooser.text
        action = html.unescape(re.search(r'<form[^>]*action="([^"]*/lti/deep-link/[^"]*)"', chooser.text).group(1))  # type: ignore[union-attr]
        token = re.search(r'name="csrf_token" value="([^"]*)"', chooser.text)
        answer = tool.post(action, data={"programme": key, **({"csrf_token": token.group(1)} if token else {})})
        assert answer.status_code == 200, answer.text
        back, fields = form_fields(answer.text)
        assert back.startswith(openedx_site.url + "/api/lti_consumer/v1/lti/") and back.endswith("/lti-dl/response")
        # Without the instructor's LMS session Open edX refuses to save it (and saves nothing).
        assert httpx.post(back, data=fields, timeout=60).status_code == 403
        assert httpx.get(openedx_site.url + "/content-items", params={"course": course}, timeout=60).json() == []
        saved = lms.post(back, data=fields)
    assert saved.status_code == 200 and "successfully saved" in saved.text, saved.text
    [item] = httpx.get(openedx_site.url + "/content-items", params={"course": course}, timeout=60).json()
    assert item["type"] == "ltiResourceLink" and item["attributes"]["custom"]["programme"] == key, item
    student, start, launched = site_launch(server, openedx_site, "student", "", course, content_item=str(item["id"]))
    assert launched.status_code == 303 and launched.headers["location"].removeprefix(server.url) == "/me", launched.text
    engine = server.engine()
    person = engine.find_person(f"lti:{start['issuer']}", student)
    assert person is not None and engine.programme_roles(key, person) == {"mentee"}
    engine.db.dispose()


@pytest.mark.parametrize("ags", ["programmatic", "declarative"])
def test_a_completion_grade_reaches_the_open_edx_block(openedx: tuple[Server, OpenEdx], openedx_site: OpenEdxSite,
                                                       ags: str) -> None:
    """Open edX's AGS views store the score and its signal passes it to the block (programmatic: only because the
    line item carries the block's resourceLinkId; declarative: the block's own line item)."""
    from mentorflow.integrations.lti.ags import deliver_grades, scores

    server = openedx[0]
    key = unique("oexg")
    engine = server.engine()
    engine.publish_workflow(key, workflow(grade="completion", learner_role="mentee"))
    course = unique("c")
    users = []
    for role in ("instructor", "student", "student"):
        user, start, answer = site_launch(server, openedx_site, role, key, course, ags)
        assert answer.status_code == 303, answer.text
        users.append(user)
    _instructor, mentee, mentor = users
    issuer = openedx_site.url
    mentee_id, mentor_id = engine.find_person(f"lti:{issuer}", mentee), engine.find_person(f"lti:{issuer}", mentor)
    engine.grant_role(key, mentor_id, "mentor")  # type: ignore[arg-type]
    relationship = engine.start_relationship(key, mentee=mentee_id, mentor=mentor_id)  # type: ignore[arg-type]
    relationship = engine.fire(relationship, "begin", mentee_id).relationship  # type: ignore[arg-type]
    engine.fire(relationship, "finish", mentee_id)  # type: ignore[arg-type]
    forget_tokens()
    report = deliver_grades(engine)
    assert report.sent == 1, report
    [row] = [s for s in scores(engine) if s["relationship_id"] == relationship.id]
    assert row["status"] == "sent"
    assert httpx.get(openedx_site.url + "/grades", timeout=60).json().get(start["block"]) == {mentee: 1.0}
    engine.db.dispose()
