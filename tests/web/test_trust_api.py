"""API security against a running ``mentorflow serve`` on PostgreSQL: tokens, scopes, hostile input, fuzzing.

- A token's secret is never written to the server's log or the database
  (only its SHA-256), and a revoked token opens nothing.
- A token limited to one programme reaches nothing of another, in every
  endpoint family (programmes, workflows, relationships, transitions,
  timelines, lifecycle reads, programme health, matching, people, export).
- A coordinator's workflow document cannot run code or reach files (guards and
  effects are names; no remote ``$ref``), and oversized, deeply nested or
  malformed bodies get a clear 4xx problem (413 above the body limit).
- Schemathesis sends generated and mutated requests to every operation of the
  served OpenAPI document: no input may produce a 5xx or a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mentorflow import Engine, ManualClock
from mentorflow.tokens import create_token, revoke_token
from tests.conftest import require_service
from tests.trust_world import (
    Cast,
    drive_everything,
    find_in_database,
    fresh_postgres_database,
    full_workflow,
    make_cast,
)

from .conftest import Server, start_server, stop_server

pytestmark = [pytest.mark.postgres]
TALLY: dict[str, int] = {}
"""Requests sent and bad inputs tried, for docs/trust-figures.md (printed at the end of the module)."""


@dataclass
class World:
    engine: Engine
    server: Server
    casts: dict[str, Cast]
    tokens: dict[str, str]
    log: Path

    def get(self, path: str, token: str, **kwargs: Any) -> httpx.Response:
        TALLY["requests"] = TALLY.get("requests", 0) + 1
        return httpx.get(self.server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=15, **kwargs)

    def send(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        TALLY["requests"] = TALLY.get("requests", 0) + 1
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.server.url + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = fresh_postgres_database("api")
    clock = ManualClock()
    engine = Engine(url, clock=clock)
    casts = {}
    for key in ("alpha", "beta"):
        engine.publish_workflow(key, full_workflow())
        people = {who: (f"{key} {who}", f"{key}.{who}@example.org")
                  for who in ("coordinator", "mentor", "mentee", "other_mentor", "other_mentee")}
        casts[key] = drive_everything(engine, clock, key, make_cast(engine, key, people),
                                      lambda who, field: f"{who}-{field}")
    # The alpha mentor also mentors in beta: a token limited to alpha must not reach that relationship.
    engine.grant_role("beta", casts["alpha"].mentor, "mentor")
    shared = engine.start_relationship("beta", mentee=casts["beta"].other_mentee, mentor=casts["alpha"].mentor,
                                       actor=casts["beta"].coordinator)
    casts["beta"].early = shared
    alpha = casts["alpha"]
    tokens = {
        "admin": create_token(engine, "admin", admin=True)[0],
        "admin_alpha": create_token(engine, "admin alpha", admin=True, programmes=["alpha"])[0],
        "mentor_alpha": create_token(engine, "mentor alpha", person_id=alpha.mentor, programmes=["alpha"])[0],
        "mentor": create_token(engine, "mentor", person_id=alpha.mentor)[0],
        "coordinator": create_token(engine, "coordinator", person_id=alpha.coordinator)[0],
        "coordinator_alpha": create_token(engine, "coordinator alpha", person_id=alpha.coordinator,
                                          programmes=["alpha"])[0],
    }
    folder = tmp_path_factory.mktemp("api")
    server = start_server(url, folder / "server.log", env={"MENTORFLOW_LOG_LEVEL": "debug"})
    yield World(engine, server, casts, tokens, folder / "server.log")
    stop_server(server.process)
    engine.db.dispose()
    print(f"\ntrust-figures api: {json.dumps(TALLY)}")


# -- tokens ---------------------------------------------------------------------------------------------

def test_a_token_secret_is_never_logged_or_stored(world: World) -> None:
    url = world.engine.db.url.render_as_string(hide_password=False)
    made = subprocess.run([sys.executable, "-m", "mentorflow", "token", "create", "--name", "laptop", "--person",
                           str(world.casts["alpha"].mentee), "--database-url", url],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.split()[0]
    assert secret.startswith("mf_")
    random_part = secret.split("_", 2)[2]
    assert world.get("/api/v1/me", secret).status_code == 200
    assert world.get("/api/v1/relationships", secret).status_code == 200
    wrong = secret[:-4] + "AAAA"
    assert world.get("/api/v1/me", wrong).status_code == 401
    assert world.send("POST", "/api/v1/relationships", wrong, json={}).status_code == 401
    # Only the hash is stored; neither the secret nor its random part is anywhere in the database or the log.
    assert not find_in_database(world.engine, [secret, random_part, wrong])
    import hashlib

    assert find_in_database(world.engine, [hashlib.sha256(secret.encode()).hexdigest()])
    log = world.log.read_text(errors="replace")
    assert "/api/v1/me" in log, "the request log is on"
    assert random_part not in log and wrong.split("_", 2)[2] not in log


def test_a_revoked_token_opens_nothing(world: World) -> None:
    secret, info = create_token(world.engine, "soon revoked", person_id=world.casts["alpha"].mentor)
    rel = world.casts["alpha"].main
    assert rel is not None
    assert world.get(f"/api/v1/relationships/{rel.id}", secret).status_code == 200
    revoke_token(world.engine, info.id)
    for method, path in (("GET", "/api/v1/me"), ("GET", f"/api/v1/relationships/{rel.id}/timeline"),
                         ("POST", f"/api/v1/relationships/{rel.id}/transitions/request_rematch"),
                         ("GET", "/api/v1/programmes/alpha/workflow")):
        response = world.send(method, path, secret, json={})
        assert response.status_code == 401 and response.headers["content-type"].startswith("application/problem+json")


def scope_cases(world: World) -> list[tuple[str, str, Any]]:
    """One request per endpoint family, aimed at programme beta (out of an alpha-only token's scope)."""
    beta = world.casts["beta"]
    rel = beta.early.id  # type: ignore[union-attr]  # the alpha mentor's relationship in beta
    cases: list[tuple[str, str, Any]] = [
        ("GET", "/api/v1/programmes/beta", None), ("GET", "/api/v1/programmes/beta/workflow", None),
        ("PUT", "/api/v1/programmes/beta/workflow", full_workflow()), ("GET", "/api/v1/programmes/beta/diagram", None),
        ("POST", "/api/v1/programmes/beta/roles", {"person_id": beta.mentee, "role": "mentee"}),
        ("GET", "/api/v1/programmes/beta/health", None), ("GET", "/api/v1/programmes/beta/matching/runs", None),
        ("POST", "/api/v1/relationships", {"programme": "beta", "mentee_id": beta.other_mentee}),
        ("GET", f"/api/v1/relationships/{rel}", None), ("GET", f"/api/v1/relationships/{rel}/transitions", None),
        ("POST", f"/api/v1/relationships/{rel}/transitions/propose_agreement", {"data": {}}),
        ("GET", f"/api/v1/relationships/{rel}/timeline", None),
        ("GET", "/api/v1/relationships", None),
        ("GET", f"/api/v1/people/{beta.mentee}/export", None),
    ]
    cases += [("GET", f"/api/v1/relationships/{rel}/{part}", None)
              for part in ("agreement", "goals", "reflections", "meetings", "adjustments", "closure")]
    return cases


@pytest.mark.parametrize("token", ["mentor_alpha", "admin_alpha", "coordinator_alpha"])
def test_a_token_limited_to_one_programme_reaches_nothing_of_another(world: World, token: str) -> None:
    leaks = []
    for method, path, body in scope_cases(world):
        response = world.send(method, path, world.tokens[token], json=body)
        if response.status_code not in (400, 403, 404):
            leaks.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
        elif "beta" in path or path.endswith("/relationships"):
            assert response.headers["content-type"].startswith("application/problem+json")
    assert not leaks, f"the {token} token reached programme beta:\n" + "\n".join(leaks)
    # In scope, the same token works (the positive control), and /me lists only its programmes.
    alpha = world.casts["alpha"].main
    assert alpha is not None
    assert world.get(f"/api/v1/relationships/{alpha.id}/timeline", world.tokens[token]).status_code == 200
    assert world.get("/api/v1/relationships?programme=alpha", world.tokens[token]).status_code == 200
    me = world.get("/api/v1/me", world.tokens[token]).json()
    assert [p["key"] for p in me.get("programmes", [])] in ([], ["alpha"])


def test_unlimited_tokens_do_reach_beta(world: World) -> None:
    """The control for the scope test: the same requests with an unlimited token of the same person succeed."""
    rel = world.casts["beta"].early.id  # type: ignore[union-attr]
    assert world.get(f"/api/v1/relationships/{rel}/timeline", world.tokens["mentor"]).status_code == 200
    assert world.get("/api/v1/programmes/beta/workflow", world.tokens["admin"]).status_code == 200


# -- hostile workflow documents and bodies ------------------------------------------------------------------------

def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body


def _pointers(body: dict[str, Any]) -> set[str]:
    return {e["pointer"] for e in body.get("errors", [])}


def test_a_workflow_cannot_run_code_or_reach_files(world: World, tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    evil_name = f"__import__('os').system('touch {canary}')"
    attempts: list[tuple[str, Any, str]] = []
    document = full_workflow()
    document["transitions"][0]["guards"] = [{"name": evil_name}]
    attempts.append(("a guard named by code", document, "/transitions/0/guards/0/name"))
    document = full_workflow()
    document["transitions"][0]["effects"] = [{"name": "os.system", "params": {"command": f"touch {canary}"}}]
    attempts.append(("an effect that is not registered", document, "/transitions/0/effects/0/name"))
    for ref in ("file:///etc/passwd", "https://example.org/evil.json", "../../etc/passwd"):
        document = full_workflow()
        document["forms"]["pause"]["schema"]["properties"]["note"] = {"$ref": ref}
        attempts.append((f"a form schema with $ref {ref}", document, "/forms/pause/schema/properties/note/$ref"))
    document = full_workflow()
    document["forms"]["pause"]["schema"]["$id"] = "https://example.org/x"
    attempts.append(("a form schema with its own $id", document, "/forms/pause/schema/$id"))
    for what, document, pointer in attempts:
        body = _problem(world.send("PUT", "/api/v1/programmes/alpha/workflow", world.tokens["coordinator"],
                                   json=document), 422)
        assert pointer in _pointers(body), f"{what}: {_pointers(body)}"
        TALLY["bad_inputs"] = TALLY.get("bad_inputs", 0) + 1
    assert not canary.exists()
    # Template-like and script-like text in labels is only ever text: it is published and read back verbatim.
    document = full_workflow()
    document["programme"]["name"]["en"] = "{{ config }} ${7*7} <script>alert(1)</script>"
    published = world.send("PUT", "/api/v1/programmes/alpha/workflow", world.tokens["coordinator"], json=document)
    assert published.status_code == 201, published.text
    got = world.get("/api/v1/programmes/alpha/workflow", world.tokens["coordinator"]).json()
    assert got["document"]["programme"]["name"]["en"] == document["programme"]["name"]["en"]


def test_oversized_deep_and_malformed_bodies_get_a_clear_4xx(world: World) -> None:
    token, path = world.tokens["coordinator"], "/api/v1/programmes/alpha/workflow"
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    document = full_workflow()
    document["programme"]["settings"]["deep"] = deep
    assert "nested more than 32 levels" in json.dumps(_problem(world.send("PUT", path, token, json=document), 422))
    document = full_workflow()
    document["programme"]["description"] = {"en": "x" * 2000, "da": "y"}
    document["programme"]["settings"]["padding"] = ["z" * 1000] * 1_200  # 1.2 MB: under the body limit
    assert "larger than 1000000 bytes" in json.dumps(_problem(world.send("PUT", path, token, json=document), 422))
    too_big = b'{"padding": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    _problem(world.send("PUT", path, token, content=too_big, headers={"Content-Type": "application/json"}), 413)
    brackets = b"[" * 200_000 + b"]" * 200_000
    for target in (path, f"/api/v1/relationships/{world.casts['alpha'].main.id}/transitions/pause"):  # type: ignore
        body = _problem(world.send("POST" if "transitions" in target else "PUT", target, token, content=brackets,
                                   headers={"Content-Type": "application/json"}), 422)
        assert "nested" in body["errors"][0]["message"]
    rel = world.casts["alpha"].main.id  # type: ignore[union-attr]
    fire = f"/api/v1/relationships/{rel}/transitions/pause"
    nested_data: Any = "leaf"
    for _ in range(100):
        nested_data = {"note": nested_data}
    _problem(world.send("POST", fire, token, json={"data": nested_data}), 422)
    _problem(world.send("PUT", path, token, content=b"{not json", headers={"Content-Type": "application/json"}), 400)
    _problem(world.send("PUT", path, token, content=b"name=x", headers={"Content-Type": "text/plain"}), 400)
    _problem(world.send("PUT", path, token, json=["a", "list"]), 422)
    TALLY["bad_inputs"] = TALLY.get("bad_inputs", 0) + 9


# -- fuzzing the whole API with Schemathesis ----------------------------------------------------------------------

EXAMPLES_PER_OPERATION = 6


def _probe(strategy: Any, url: str, headers: dict[str, str], sent: dict[str, int], failures: list[str]) -> Any:
    """A Hypothesis test sending bounded examples of one operation; any 5xx or traceback is a failure."""
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def probe(case: Any) -> None:
        response = case.call(base_url=url, headers=headers, timeout=30)
        sent["n"] += 1
        if response.status_code >= 500 or "Traceback" in response.text:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                            f"{response.text[:200]} (body {str(case.body)[:200]})")

    return probe


@pytest.mark.slow
def test_no_generated_request_makes_a_server_error(world: World) -> None:
    try:
        import schemathesis
    except ImportError:
        require_service("Schemathesis", "pip install schemathesis (the dev extra has it)")
    schema = schemathesis.openapi.from_url(world.server.url + "/api/v1/openapi.json", timeout=15)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    alpha = world.casts["alpha"]
    known = {"relationship_id": alpha.main.id, "person_id": alpha.mentee, "key": "alpha"}  # type: ignore[union-attr]
    failures: list[str] = []
    sent = {"n": 0}
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        for mode, token in ((schemathesis.GenerationMode.POSITIVE, world.tokens["coordinator"]),
                            (schemathesis.GenerationMode.NEGATIVE, world.tokens["admin"])):
            fixed = {k: v for k, v in known.items() if k in names} if mode is schemathesis.GenerationMode.POSITIVE \
                else {}
            strategy = operation.as_strategy(mode, path_parameters=fixed or None)

            _probe(strategy, world.server.url, {"Authorization": f"Bearer {token}"}, sent, failures)()
    TALLY["schemathesis_requests"] = sent["n"]
    TALLY["requests"] = TALLY.get("requests", 0) + sent["n"]
    assert sent["n"] >= len(operations) * 2
    assert not failures, f"{len(failures)} requests made a server error:\n" + "\n".join(failures[:20])
    log = world.log.read_text(errors="replace")
    assert "Traceback" not in log, log[log.index("Traceback") - 500:][:3000]
