"""The wheel, installed as a user installs it: one namespace, its real dependencies, and no optional extra.

The suite itself runs with the ``dev`` extra, which holds every optional dependency, so it cannot see what
a plain ``pip install mentorflow`` gets. Here the wheel is built once and installed into a fresh venv with
its base dependencies only (resolved by pip from the configured indexes; a shared pip cache keeps repeated
runs fast), and the README's commands run there: the engine works, the demo serves every page a visitor can
click, and the parts that need an extra (Moodle, LTI, PostgreSQL, Redis) say which extra to install.
.ci/install_profiles.py does the same for every documented install line with its extra.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.test_readme import python_snippet
from tests.web.conftest import free_port, stop_server

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "schemas" / "programmes" / "default.json"
PIP_CACHE = Path(os.environ.get("MF_PIP_CACHE") or Path.home() / ".cache" / "mentorflow-profiles-pip")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Build from a clean copy: a stale build/ folder in the work tree would hide missing package data.
    source = tmp_path_factory.mktemp("source") / "mentorflow"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        "build", "dist", "*.egg-info", ".tox", ".venv", "venv", ".git", "__pycache__", "test-artifacts", "*.db"))
    # --no-deps builds only mentorflow's own wheel; the install below resolves its dependencies.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True, text=True)
    return next(out.glob("mentorflow-*.whl"))


def user_env(**extra: str) -> dict[str, str]:
    """A new user's environment: none of the suite's MENTORFLOW_* or Python variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MENTORFLOW_", "PYTEST_", "PYTHON", "VIRTUAL_ENV", "COV_"))}
    env.update(MENTORFLOW_LOCALE="en", PYTHONDONTWRITEBYTECODE="1", PIP_CACHE_DIR=str(PIP_CACHE), **extra)
    return env


@dataclass
class Install:
    """A venv holding the wheel and its base dependencies only."""

    root: Path
    work: Path

    def bin(self, name: str) -> str:
        return str(self.root / "bin" / name)

    def run(self, *args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.bin("mentorflow"), *args], cwd=cwd or self.work, env=user_env(**env),
                              capture_output=True, text=True, timeout=300)

    def python(self, code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.bin("python"), "-c", code, *args], cwd=cwd or self.work, env=user_env(),
                              capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def plain(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Install:
    root = tmp_path_factory.mktemp("plain") / "venv"
    venv.create(root, with_pip=True)
    done = subprocess.run([str(root / "bin" / "pip"), "install", "-q", str(wheel)], env=user_env(),
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return Install(root, tmp_path_factory.mktemp("plain-work"))


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def refused(done: subprocess.CompletedProcess[str], extra: str) -> str:
    """Exit code 2, a message naming ``extra``, and no traceback or 'Internal error'."""
    assert done.returncode == 2, f"exit {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert f'pip install "mentorflow[{extra}]"' in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "Internal error" not in done.stderr, done.stderr
    return done.stderr


def test_wheel_has_one_namespace_and_ships_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == {"mentorflow"}
    for needed in ("mentorflow/schemas/workflow.schema.json", "mentorflow/schemas/programme.schema.json",
                   "mentorflow/schemas/form.schema.json", "mentorflow/schemas/programmes/default.json",
                   "mentorflow/db/migrations/env.py", "mentorflow/db/migrations/versions/0001_core.py",
                   "mentorflow/plugins/guards.py", "mentorflow/integrations/__init__.py", "mentorflow/py.typed",
                   "mentorflow/integrations/web/templates/base.html",
                   "mentorflow/integrations/web/static/mentorflow.css",
                   "mentorflow/locale/da/LC_MESSAGES/mentorflow.mo",
                   "mentorflow/plugins/reminders/migrations/0001_reminders.py"):
        assert needed in names
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "[mentorflow]" in entry_points and "guards = mentorflow.plugins.guards" in entry_points
    assert "[pytest11]" in entry_points


def test_the_plain_install_has_no_optional_extra_and_no_bare_modules(plain: Install) -> None:
    check = """
import importlib.util, sys
import mentorflow, mentorflow.plugins, mentorflow.integrations, mentorflow.schemas
assert mentorflow.__file__.startswith(sys.prefix), mentorflow.__file__
for bare in ("core", "plugins", "integrations", "schemas"):
    assert importlib.util.find_spec(bare) is None, bare
for extra in ("httpx", "joserfc", "psycopg", "redis", "xblock"):
    assert importlib.util.find_spec(extra) is None, f"{extra} came with a plain install"
for base in ("numpy", "scipy", "icalendar", "xlsxwriter"):
    assert importlib.util.find_spec(base) is not None, f"{base} is a base dependency"
"""
    ok(plain.python(check))


def test_the_readme_commands_work_on_a_plain_install(plain: Install) -> None:
    commands = ok(plain.run("--help"))
    assert "serve" in commands and "validate" in commands and "match" in commands
    assert f"{TEMPLATE}: valid" in ok(plain.run("validate", str(TEMPLATE)))
    assert ok(plain.run("diagram", str(TEMPLATE))).startswith("stateDiagram-v2")
    assert "Closed" in ok(plain.run("demo"))
    assert "transitions:" in ok(plain.run("simulate", str(TEMPLATE), "--days", "60"))
    assert "default" in ok(plain.run("templates"))
    database = f"sqlite:///{plain.work / 'upgrade.db'}"
    # The newest revision changes with every migration; that one is reached is what counts here.
    assert re.search(r"revision\(s\): .*mf\d{4}_", ok(plain.run("db", "upgrade", "--database-url", database)))
    ok(plain.run("match", "--help"))


def test_plugins_say_which_extra_they_need(plain: Install) -> None:
    listing = ok(plain.run("plugins"))
    heads = {line.split()[0]: line for line in listing.splitlines() if line and not line.startswith(" ")}
    assert heads["moodle"].endswith("needs mentorflow[moodle]"), heads["moodle"]
    assert heads["lti"].endswith("needs mentorflow[moodle]"), heads["lti"]
    assert "needs" not in heads["matching"] and "needs" not in heads["calendar"]
    rows = {row["name"]: row for row in json.loads(ok(plain.run("plugins", "--format", "json")))}
    assert rows["moodle"]["needs"] == ["mentorflow[moodle]"] and rows["guards"]["needs"] == []


def test_using_a_missing_extra_on_the_command_line_names_it(plain: Install) -> None:
    message = refused(plain.run("lti", "platforms"), "moodle")
    assert "The LTI tool needs mentorflow[moodle]" in message
    ok(plain.run("lti", "platforms", "--help"))  # reading about the commands needs nothing
    refused(plain.run("db", "upgrade", "--database-url", "postgresql://nobody@127.0.0.1:1/none"), "postgres")
    refused(plain.run("worker", MENTORFLOW_BROKER_URL="redis://127.0.0.1:1/0"), "redis")


def test_the_moodle_channel_without_its_extra_says_what_to_install(plain: Install) -> None:
    code = """
import sys
from mentorflow import Engine
from mentorflow.extras import MissingExtra
from mentorflow.notifications import ChannelContext, Message
engine = Engine(sys.argv[1])
engine.upgrade_database()
channel = engine.channels["moodle"]   # still there: a programme naming it stays valid
try:
    channel.send(Message(recipient_id=1, recipient_email=None, locale="en", subject="Hello", body="Hi"),
                 ChannelContext(engine))
except MissingExtra as error:
    print(error.status, error.message)
else:
    raise SystemExit("sent without httpx?")
"""
    out = ok(plain.python(code, f"sqlite:///{plain.work / 'channel.db'}"))
    assert out.startswith("503 The Moodle notification channel needs mentorflow[moodle]"), out


def test_the_readme_python_snippet_runs_on_a_plain_install(plain: Install, tmp_path: Path) -> None:
    out = ok(plain.python(python_snippet(), cwd=tmp_path))
    assert "sign_agreement True ()" in out, out


@pytest.fixture(scope="module")
def demo(plain: Install, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The README's `mentorflow serve --demo` on the plain install (only the port is chosen, via the env)."""
    folder = tmp_path_factory.mktemp("demo")
    port = free_port()
    log = folder / "serve.log"
    with log.open("wb") as handle:
        process = subprocess.Popen([plain.bin("mentorflow"), "serve", "--demo"], cwd=folder, stdout=handle,
                                   stderr=subprocess.STDOUT, env=user_env(MENTORFLOW_PORT=str(port)),
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"serve --demo exited {process.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"serve --demo did not become healthy:\n{log.read_text()}"
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)  # polling interval until the server listens
        yield url
    finally:
        stop_server(process)


def enter(url: str, role: str) -> tuple[httpx.Client, httpx.Response]:
    visitor = httpx.Client(base_url=url, timeout=15, follow_redirects=True)
    start = visitor.get("/")
    form = re.search(r'action="(/demo/enter/\d+)">\s*<input type="hidden" name="csrf" value="([^"]+)">\s*'
                     rf'<button type="submit" data-role="{role}"', start.text)
    assert form, f"the start page offers no {role} to enter as"
    return visitor, visitor.post(form.group(1), data={"csrf": form.group(2)})


def crawl(visitor: httpx.Client, page: httpx.Response, limit: int = 40) -> set[str]:
    """Follow the site's own links breadth-first (bounded); every page must answer without a server error."""
    seen, queue = {page.url.path}, [page.text]
    while queue and len(seen) < limit:
        for link in re.findall(r'href="(/[^"#]*)"', queue.pop(0)):
            link = link.replace("&amp;", "&")
            if link in seen or link.startswith(("/static/", "/lang/")):
                continue
            seen.add(link)
            answer = visitor.get(link)
            assert answer.status_code < 500, f"GET {link} answered {answer.status_code}:\n{answer.text[:2000]}"
            if "text/html" in answer.headers.get("content-type", ""):
                queue.append(answer.text)
    return seen


FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', re.DOTALL)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def press_buttons(visitor: httpx.Client, page: httpx.Response) -> list[str]:
    """Submit each of the page's POST forms as they stand (hidden fields only): no button may cause a 5xx."""
    pressed = []
    for action, inner in FORM.findall(page.text):
        if action in ("/signout",) or action.startswith("/demo/enter/"):
            continue
        answer = visitor.post(action.replace("&amp;", "&"), data=dict(HIDDEN.findall(inner)))
        assert answer.status_code < 500, f"POST {action} answered {answer.status_code}:\n{answer.text[:2000]}"
        pressed.append(action)
    return pressed


def test_serve_demo_from_the_plain_install_serves_every_page_a_visitor_can_click(demo: str) -> None:
    assert httpx.get(demo + "/health").status_code == 200
    start = httpx.get(demo + "/")
    assert start.status_code == 200 and "Enter as" in start.text
    mentee, landed = enter(demo, "mentee")
    assert landed.status_code == 200 and landed.url.path == "/me"
    seen = crawl(mentee, landed)
    relationship = next(p for p in sorted(seen) if p.startswith("/relationships/"))
    assert press_buttons(mentee, mentee.get(relationship)), "the mentee's relationship page offers an action"
    coordinator, dashboard = enter(demo, "coordinator")
    assert dashboard.status_code == 200 and dashboard.url.path.startswith("/coordinator/")
    crawl(coordinator, dashboard)  # the tables' CSV and XLSX downloads too (XlsxWriter is a base dependency)
    for table in ("relationships", "overdue", "stages", "activity"):
        assert coordinator.get(f"{dashboard.url.path}/export/{table}.xlsx").content[:2] == b"PK", table
    # The demo programme does not use matching, so its dashboard offers no "Run matching" (issue #17); numpy and
    # scipy, which a run needs, are base dependencies (test_the_plain_install_has_no_optional_extra_...).
    assert not any(a.endswith("/matching/run") for a in press_buttons(coordinator, dashboard))
    mentor, home = enter(demo, "mentor")
    crawl(mentor, home)


def test_lti_endpoints_without_the_extra_answer_503_naming_it(demo: str) -> None:
    for path in ("/lti/jwks", "/lti/login", "/api/v1/lti/platforms"):
        answer = httpx.get(demo + path, headers={"Accept": "application/json"})
        assert answer.status_code == 503, (path, answer.status_code, answer.text[:500])
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert 'pip install \\"mentorflow[moodle]\\"' in answer.text, answer.text
    page = httpx.post(demo + "/lti/launch", data={"id_token": "x"})
    assert page.status_code == 503 and "mentorflow[moodle]" in page.text
