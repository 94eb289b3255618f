"""Install profiles: every documented ``pip install`` line in a fresh virtual environment, then that page's commands.

The test suite runs in tox's environment with the ``dev`` extra, which holds every optional dependency; it cannot
see what a user of one install line gets. Each profile here builds its own venv from the one wheel (its real
dependencies resolved by pip from the configured indexes, never ``--no-deps``, never the dev extra), then runs what
the page that documents the line tells a reader to run. A failing command fails loudly with its output.

    python3 .ci/install_profiles.py            # every profile, two at a time
    python3 .ci/install_profiles.py moodle     # some of them

:data:`COVERS` says which install line each profile exercises; tests/test_readme.py checks that every
``pip install`` line in README.md and docs/ is covered, so a new line without a profile fails the suite.
Needs: python3, Debian's redis-server, and ``MENTORFLOW_TEST_POSTGRES_URL`` (a server whose user may create
databases; ``. .ci/services.sh`` starts one) for the PostgreSQL profiles.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("MF_PROFILES_DIR") or tempfile.mkdtemp(prefix="mentorflow-profiles."))
PIP_CACHE = Path(os.environ.get("MF_PIP_CACHE") or Path.home() / ".cache" / "mentorflow-profiles-pip")
TEMPLATE = ROOT / "schemas" / "programmes" / "default.json"

COVERS: dict[str, list[str]] = {
    # profile -> the install lines it exercises, as written in the docs (quotes and -q dropped)
    "readme": ["."],  # README's first command, verbatim
    "moodle": ["mentorflow[moodle]"],
    "openedx": ["mentorflow[openedx]", "mentorflow[openedx] xblock-sdk"],
    "deployment": ["mentorflow[postgres,redis]"],
    "postgres": ["mentorflow[postgres]"],
    "redis": ["mentorflow[redis]"],
    "matching": ["mentorflow[matching]"],
    "calendar": ["mentorflow[calendar]"],
    "tutorial": ["mentorflow", "-e mentorflow-weekdays"],
}

RUN_BY_CI = ["tox"]
"""Install lines .ci/run runs itself (README's test command, verbatim)."""


class Failed(Exception):
    """A profile's command failed; the message holds the command and its output."""


def log(profile: str, text: str) -> None:
    print(f"[{profile}] {text}", flush=True)


def run(profile: str, command: list[str] | str, *, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = 600, expect: int = 0) -> str:
    """Run ``command``, print it, and return its output; any other exit code than ``expect`` fails the profile."""
    shown = command if isinstance(command, str) else " ".join(command)
    log(profile, f"$ {shown}")
    done = subprocess.run(command, cwd=cwd, env={**clean_env(), **(env or {})}, shell=isinstance(command, str),
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != expect:
        raise Failed(f"[{profile}] `{shown}` exited {done.returncode} (expected {expect}):\n"
                     f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done.stdout + done.stderr


def clean_env() -> dict[str, str]:
    """The environment a new user has: none of the suite's variables, and the profiles' shared pip cache."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MENTORFLOW_", "PYTHON", "VIRTUAL_ENV", "PIP_CACHE", "TOX_"))}
    env.update(PIP_CACHE_DIR=str(PIP_CACHE), MENTORFLOW_LOCALE="en", PYTHONDONTWRITEBYTECODE="1")
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_wheel() -> Path:
    """Build mentorflow's wheel once, from a clean copy of the source (a stale build/ cannot hide a missing file)."""
    out = WORK / "wheel"
    if existing := sorted(out.glob("mentorflow-*.whl")):
        return existing[-1]
    source = copy_source(WORK / "wheel-source")
    builder = WORK / "builder"
    run("wheel", [sys.executable, "-m", "venv", str(builder)])
    run("wheel", [str(builder / "bin" / "pip"), "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        timeout=900)
    return next(out.glob("mentorflow-*.whl"))


def copy_source(target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(
        "build", "dist", "*.egg-info", ".tox", ".venv", "venv", ".git", "__pycache__", "test-artifacts", "*.db",
        "site", ".pytest_cache"))
    return target


def make_venv(profile: str, *install: str) -> Path:
    """A fresh venv with ``pip install <install...>`` (the wheel's real dependencies, from the indexes)."""
    env_dir = WORK / profile / "venv"
    run(profile, [sys.executable, "-m", "venv", str(env_dir)])
    run(profile, [str(env_dir / "bin" / "pip"), "install", "-q", *install], timeout=1200)
    return env_dir


def extra(wheel: Path, extras: str) -> str:
    """The wheel with extras, as pip takes it (``/path/mentorflow-0.1.0-py3-none-any.whl[moodle]``)."""
    return f"{wheel}[{extras}]" if extras else str(wheel)


# --- HTTP, with the standard library only (a profile must not borrow the suite's httpx) -------------------------

class Browser:
    """A cookie-keeping HTTP client for one visitor."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(self, method: str, path: str, *, data: dict[str, str] | None = None, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Returns (status, final path, body text); a 4xx/5xx is an answer, not an exception."""
        payload, sent = None, dict(headers or {})
        if data is not None:
            payload = urllib.parse.urlencode(data).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=payload, method=method, headers=sent)
        try:
            with self.opener.open(req, timeout=30) as answer:
                return answer.status, urllib.parse.urlsplit(answer.url).path, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, path, error.read().decode("utf-8", "replace")


def wait_healthy(profile: str, process: subprocess.Popen[bytes], url: str, logfile: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failed(f"[{profile}] the server exited with {process.returncode}:\n{logfile.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling interval while the condition (a healthy server) is not met yet
    raise Failed(f"[{profile}] the server did not become healthy in {timeout:.0f} s:\n{logfile.read_text()[-4000:]}")


@contextmanager
def background(profile: str, command: list[str] | str, name: str, *, cwd: Path | None = None,
               env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """Start a long-running process (in its own process group) and stop it, and its children, afterwards."""
    logfile = WORK / profile / f"{name}.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    shown = command if isinstance(command, str) else " ".join(command)
    log(profile, f"$ {shown} &")
    with logfile.open("wb") as handle:
        process = subprocess.Popen(command, cwd=cwd, env={**clean_env(), **(env or {})}, stdout=handle,
                                   stderr=subprocess.STDOUT, shell=isinstance(command, str), start_new_session=True)
    try:
        yield process, logfile
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def serve(profile: str, venv: Path, database_url: str, *args: str, env: dict[str, str] | None = None
          ) -> Iterator[str]:
    port = free_port()
    command = [str(venv / "bin" / "mentorflow"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--database-url", database_url, *args]
    with background(profile, command, "serve", cwd=WORK / profile,
                    env={"MENTORFLOW_SECRET_KEY": "ci-" + secrets.token_hex(8), **(env or {})}) as (process, logf):
        url = f"http://127.0.0.1:{port}"
        wait_healthy(profile, process, url, logf, 60)
        yield url


def click_through_demo(profile: str, url: str) -> None:
    """Enter the demo as a mentee, a mentor and the coordinator, and follow every link each one sees."""
    people = Browser(url).request("GET", "/")
    if people[0] != 200 or "/demo/enter/" not in people[2]:
        raise Failed(f"[{profile}] / answered {people[0]} without the demo's people:\n{people[2][:2000]}")
    for role in ("mentee", "mentor", "coordinator"):
        visitor = Browser(url)
        _status, _path, page = visitor.request("GET", "/")
        form = re.search(r'action="(/demo/enter/\d+)">\s*<input type="hidden" name="csrf" value="([^"]+)">\s*'
                         rf'<button type="submit" data-role="{role}"', page)
        if form is None:
            raise Failed(f"[{profile}] the start page offers no {role} to enter as")
        status, landed, page = visitor.request("POST", form.group(1), data={"csrf": form.group(2)})
        expected = "/coordinator/" if role == "coordinator" else "/me"
        if status != 200 or expected not in landed:
            raise Failed(f"[{profile}] entering as a {role} answered {status} at {landed}:\n{page[:2000]}")
        seen = crawl(profile, visitor, landed, page)
        if role != "coordinator" and not any(p.startswith("/relationships/") for p in seen):
            raise Failed(f"[{profile}] a {role} sees no relationship page (visited {sorted(seen)})")
        log(profile, f"{role}: {len(seen)} pages answered, none with a server error")


def crawl(profile: str, visitor: Browser, start: str, page: str, limit: int = 40) -> set[str]:
    """Follow the site's own GET links breadth-first (bounded); any 5xx fails the profile."""
    seen, queue = {start}, [page]
    while queue and len(seen) < limit:
        for link in re.findall(r'href="(/[^"#]*)"', queue.pop(0)):
            link = link.replace("&amp;", "&")
            if link in seen or link.startswith(("/static/", "/lang/")) or link.endswith((".csv", ".ics")):
                continue
            seen.add(link)
            status, _path, body = visitor.request("GET", link)
            if status >= 500 or "Internal Server Error" in body:
                raise Failed(f"[{profile}] GET {link} answered {status}:\n{body[:2000]}")
            if len(seen) < limit:
                queue.append(body)
    return seen


def create_programme(profile: str, venv: Path, database_url: str, url: str) -> None:
    """An administrator token from the CLI, then ``PUT /api/v1/programmes/<key>/workflow`` (must be 2xx)."""
    out = run(profile, [str(venv / "bin" / "mentorflow"), "token", "create", "--admin", "--name", "ci",
                        "--database-url", database_url])
    token = re.search(r"\bmf_[A-Za-z0-9_\-]+|\b[A-Za-z0-9_\-]{32,}\b", out)
    if token is None:
        raise Failed(f"[{profile}] no token in the output of token create:\n{out}")
    status, _path, body = Browser(url).request("PUT", "/api/v1/programmes/ci/workflow",
                                               body=json.loads(TEMPLATE.read_text("utf-8")),
                                               headers={"Authorization": f"Bearer {token.group(0)}"})
    if not 200 <= status < 300:
        raise Failed(f"[{profile}] PUT /api/v1/programmes/ci/workflow answered {status}:\n{body[:2000]}")
    log(profile, f"PUT /api/v1/programmes/ci/workflow answered {status}")


@contextmanager
def postgres_database(profile: str) -> Iterator[str]:
    """A fresh database on MENTORFLOW_TEST_POSTGRES_URL's server (created and dropped with psql)."""
    server = os.environ.get("MENTORFLOW_TEST_POSTGRES_URL")
    if not server:
        raise Failed(f"[{profile}] MENTORFLOW_TEST_POSTGRES_URL is not set (. .ci/services.sh starts a server)")
    name = f"mf_profile_{profile}_{secrets.token_hex(4)}"
    run(profile, ["psql", server, "-q", "-c", f"CREATE DATABASE {name}"])
    try:
        yield urllib.parse.urlunsplit(urllib.parse.urlsplit(server)._replace(path=f"/{name}"))
    finally:
        run(profile, ["psql", server, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])


# --- the profiles -------------------------------------------------------------------------------------------------

def profile_readme(wheel: Path) -> None:
    """README's first command, verbatim, in a clean copy of the source: the demo starts and every page works."""
    line = next(cmd for cmd in readme_commands() if "serve --demo" in cmd)
    folder = copy_source(WORK / "readme" / "mentorflow")
    port = free_port()
    with background("readme", line, "serve", cwd=folder, env={"MENTORFLOW_PORT": str(port)}) as (process, logf):
        url = f"http://127.0.0.1:{port}"
        wait_healthy("readme", process, url, logf, 900)  # includes pip's install
        click_through_demo("readme", url)


def profile_moodle(wheel: Path) -> None:
    """docs/moodle.md and docs/lti.md: the server with the LTI tool, a programme created through the API."""
    venv = make_venv("moodle", extra(wheel, "moodle"))
    mf = str(venv / "bin" / "mentorflow")
    plugins = run("moodle", [mf, "plugins"])
    if "needs" in plugins:
        raise Failed(f"[moodle] with the moodle extra a plugin still needs something:\n{plugins}")
    database = f"sqlite:///{WORK / 'moodle' / 'mentorflow.db'}"
    run("moodle", [mf, "db", "upgrade", "--database-url", database])
    run("moodle", [mf, "validate", str(TEMPLATE)])
    run("moodle", [mf, "lti", "urls", "--base-url", "https://mentoring.example.edu"])
    with serve("moodle", venv, database, "--no-worker") as url:
        create_programme("moodle", venv, database, url)
        status, _path, body = Browser(url).request("GET", "/lti/jwks")
        if status != 200 or '"keys"' not in body:
            raise Failed(f"[moodle] GET /lti/jwks answered {status}:\n{body[:1000]}")


XBLOCK_SNIPPET = """
import sys
from xblock.fields import ScopeIds
from xblock.runtime import DictKeyValueStore, KvsFieldData
from xblock.test.tools import TestRuntime
from mentorflow.integrations.openedx.block import MentorflowXBlock

class Settings:
    def get_settings_bucket(self, block, default=None):
        return {"DATABASE_URL": sys.argv[1], "AUTO_MIGRATE": True}

runtime = TestRuntime(services={"settings": Settings(), "field-data": KvsFieldData(DictKeyValueStore())})
usage = "block-v1:Uni+Mentoring+2026+type@mentorflow+block@b0"
block = runtime.construct_xblock_from_class(MentorflowXBlock, ScopeIds("user", "mentorflow", usage, usage))
html = runtime.render(block, "student_view").content
assert "mentorflow" in html, html[:500]
print("rendered", len(html), "characters")
"""


def profile_openedx(wheel: Path) -> None:
    """README and docs/openedx.md: the XBlock renders under xblock's runtime; the workbench's set-up runs."""
    venv = make_venv("openedx", extra(wheel, "openedx"))
    python = str(venv / "bin" / "python")
    run("openedx", [python, "-c", XBLOCK_SNIPPET, f"sqlite:///{WORK / 'openedx' / 'block.db'}"])
    # docs/openedx.md's workbench line adds xblock-sdk to the same install.
    run("openedx", [str(venv / "bin" / "pip"), "install", "-q", extra(wheel, "openedx"), "xblock-sdk"], timeout=1200)
    workbench = WORK / "openedx" / "workbench"
    (workbench / "var").mkdir(parents=True, exist_ok=True)
    run("openedx", [python, "-m", "django", "migrate", "--run-syncdb", "--settings=workbench.settings"],
        cwd=workbench, timeout=600)
    run("openedx", [python, "-c", "import workbench, mentorflow.integrations.openedx.block"], cwd=workbench)


def profile_deployment(wheel: Path) -> None:
    """docs/deployment.md: PostgreSQL migrations, a Celery worker on Redis, web processes, a programme via the API."""
    venv = make_venv("deployment", extra(wheel, "postgres,redis"))
    mf = str(venv / "bin" / "mentorflow")
    redis_port = free_port()
    broker = f"redis://127.0.0.1:{redis_port}/0"
    with postgres_database("deployment") as database, \
            background("deployment", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no"], "redis"):
        env = {"MENTORFLOW_DATABASE_URL": database, "MENTORFLOW_BROKER_URL": broker}
        run("deployment", [mf, "db", "upgrade"], env=env)  # mentorflow-migrate.service
        with background("deployment", [mf, "worker", "--no-beat", "--concurrency", "1"], "worker",
                        cwd=WORK / "deployment", env=env) as (worker, worker_log):
            wait_for_line("deployment", worker, worker_log, "ready", 120)
            with serve("deployment", venv, database, "--no-worker", env=env) as url:
                create_programme("deployment", venv, database, url)


def wait_for_line(profile: str, process: subprocess.Popen[bytes], logfile: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in logfile.read_text(errors="replace"):
            log(profile, f"{logfile.stem} is {text}")
            return
        if process.poll() is not None:
            raise Failed(f"[{profile}] {logfile.stem} exited with {process.returncode}:\n{logfile.read_text()[-4000:]}")
        time.sleep(0.2)  # polling interval while the line has not appeared yet
    raise Failed(f"[{profile}] {logfile.stem} did not say '{text}' in {timeout:.0f} s:\n{logfile.read_text()[-4000:]}")


def profile_postgres(wheel: Path) -> None:
    """README's configuration table and docs/architecture.md: a postgresql:// URL migrates with psycopg 3."""
    venv = make_venv("postgres", extra(wheel, "postgres"))
    with postgres_database("postgres") as database:
        run("postgres", [str(venv / "bin" / "mentorflow"), "db", "upgrade", "--database-url", database])


MATCHING_SNIPPET = """
import json, re, sys
from pathlib import Path
from mentorflow import Engine
doc = json.loads(Path(sys.argv[1]).read_text())
block = next(b for b in re.findall(r"```json\\n(.*?)```", Path(sys.argv[2]).read_text(), re.S) if '"matching"' in b)
doc["programme"].setdefault("settings", {}).update(json.loads(block)["settings"])
Path(sys.argv[3]).write_text(json.dumps(doc))
engine = Engine(sys.argv[4])
engine.upgrade_database()
engine.publish_workflow("matched", doc)
"""


def profile_redis(wheel: Path) -> None:
    """README's configuration table: MENTORFLOW_BROKER_URL=redis://... with the redis extra; a worker starts on it."""
    venv = make_venv("redis", extra(wheel, "redis"))
    mf = str(venv / "bin" / "mentorflow")
    port = free_port()
    env = {"MENTORFLOW_DATABASE_URL": f"sqlite:///{WORK / 'redis' / 'mentorflow.db'}",
           "MENTORFLOW_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    with background("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], "redis-server"):
        run("redis", [mf, "db", "upgrade"], env=env)
        with background("redis", [mf, "worker", "--concurrency", "1"], "worker", cwd=WORK / "redis",
                        env=env) as (worker, worker_log):
            wait_for_line("redis", worker, worker_log, "ready", 120)


def profile_matching(wheel: Path) -> None:
    """docs/matching.md: the alias extra installs; its settings example validates and publishes; match runs."""
    venv = make_venv("matching", extra(wheel, "matching"))
    mf = str(venv / "bin" / "mentorflow")
    workflow, database = WORK / "matching" / "matched.json", f"sqlite:///{WORK / 'matching' / 'matching.db'}"
    run("matching", [str(venv / "bin" / "python"), "-c", MATCHING_SNIPPET, str(TEMPLATE),
                     str(ROOT / "docs" / "matching.md"), str(workflow), database])
    run("matching", [mf, "validate", str(workflow)])
    run("matching", [mf, "match", "matched", "--dry-run", "--database-url", database])


def profile_calendar(wheel: Path) -> None:
    """docs/calendar.md: the alias extra installs; db upgrade; a person's calendar exports as iCalendar."""
    venv = make_venv("calendar", extra(wheel, "calendar"))
    mf = str(venv / "bin" / "mentorflow")
    database = WORK / "calendar" / "demo.db"
    run("calendar", [mf, "demo", "--database", str(database)])
    run("calendar", [mf, "db", "upgrade", "--database-url", f"sqlite:///{database}"])
    out = WORK / "calendar" / "mia.ics"
    run("calendar", [mf, "calendar", "export", "1", "--output", str(out), "--database-url", f"sqlite:///{database}"])
    if not out.read_text("utf-8").startswith("BEGIN:VCALENDAR"):
        raise Failed(f"[calendar] {out} is not an iCalendar file")


def profile_tutorial(wheel: Path) -> None:
    """docs/tutorial-plugin.md: `pip install mentorflow`, then the example plugin editable, its tests pass."""
    venv = make_venv("tutorial", str(wheel), "pytest")
    project = WORK / "tutorial" / "mentorflow-weekdays"
    shutil.copytree(ROOT / "examples" / "tutorial-plugin", project, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", ".pytest_cache", "build"))
    run("tutorial", [str(venv / "bin" / "pip"), "install", "-q", "-e", "mentorflow-weekdays"], cwd=project.parent)
    plugins = run("tutorial", [str(venv / "bin" / "mentorflow"), "plugins"], cwd=project.parent)
    if "weekdays  (mentorflow-weekdays 1.0.0)" not in plugins:
        raise Failed(f"[tutorial] mentorflow plugins does not list the tutorial's plugin:\n{plugins}")
    run("tutorial", [str(venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"], cwd=project)


PROFILES: dict[str, Callable[[Path], None]] = {
    "readme": profile_readme, "moodle": profile_moodle, "openedx": profile_openedx,
    "deployment": profile_deployment, "postgres": profile_postgres, "redis": profile_redis,
    "matching": profile_matching,
    "calendar": profile_calendar, "tutorial": profile_tutorial,
}


def readme_commands() -> list[str]:
    """The README's shell lines (``sh`` code blocks)."""
    text = (ROOT / "README.md").read_text("utf-8")
    return [line.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
            for line in block.splitlines() if line.strip()]


def timed(name: str, wheel: Path) -> tuple[str, float, str | None]:
    started = time.monotonic()
    try:
        PROFILES[name](wheel)
        error = None
    except Failed as failure:
        error = str(failure)
    except Exception as failure:  # a bug in the driver itself still names its profile
        error = f"[{name}] {type(failure).__name__}: {failure}"
    seconds = time.monotonic() - started
    log(name, f"{'FAILED' if error else 'passed'} in {seconds:.0f} s")
    return name, seconds, error


def main(argv: list[str]) -> int:
    names = argv or list(PROFILES)
    unknown = [n for n in names if n not in PROFILES]
    if unknown:
        print(f"unknown profile(s): {', '.join(unknown)}; known: {', '.join(PROFILES)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    PIP_CACHE.mkdir(parents=True, exist_ok=True)
    print(f"== install profiles in {WORK} (pip cache {PIP_CACHE})", flush=True)
    try:
        wheel = build_wheel()
    except Failed as failure:
        print(failure, file=sys.stderr)
        return 1
    print(f"== wheel {wheel.name} built in {time.monotonic() - started:.0f} s", flush=True)
    workers = int(os.environ.get("MF_PROFILES_PARALLEL", "2"))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda n: timed(n, wheel), names))
    failed = [r for r in results if r[2]]
    for name, seconds, error in results:
        print(f"{name:<12} {'FAILED' if error else 'passed'} {seconds:6.0f} s")
    for _name, _seconds, error in failed:
        print(f"\n{error}", file=sys.stderr)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed in {time.monotonic() - started:.0f} s")
    if not failed and not os.environ.get("MF_PROFILES_DIR"):
        shutil.rmtree(WORK, ignore_errors=True)  # some GB of venvs; a failed run keeps them to look at
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
