"""Registration: LTI Advantage Dynamic Registration by invitation, manual registration through the API and CLI,
and the tool's key rotation."""

from __future__ import annotations

import json
from typing import Any

import httpx

from mentorflow.integrations.lti.platforms import find_platform
from mentorflow.tokens import create_token

from .conftest import Tool, run_cli
from .platform import form_fields


def admin_token(tool: Tool, **kwargs: object) -> str:
    engine = tool.engine()
    secret = create_token(engine, "lti admin", admin=True, **kwargs)[0]  # type: ignore[arg-type]
    engine.db.dispose()
    return secret


def cli(tool: Tool, *args: str) -> Any:
    return run_cli("lti", *args, env={"MENTORFLOW_DATABASE_URL": tool.server.database_url})


def test_dynamic_registration_by_invitation(sqlite_tool: Tool) -> None:
    tool, platform = sqlite_tool, sqlite_tool.platform
    with tool.server.client(admin_token(tool)) as api:
        made = api.post("/api/v1/lti/registrations", json={"name": "Moodle 4.4", "days": 2})
    assert made.status_code == 201, made.text
    invitation = made.json()["url"]
    assert invitation.startswith(tool.url + "/lti/register/")
    query = {"openid_configuration": platform.url + "/mod/lti/openid-configuration.php",
             "registration_token": "reg-token-123"}
    with httpx.Client(timeout=15) as browser:  # what the platform's "Register tool" iframe does
        page = browser.get(invitation, params=query)
        assert page.status_code == 200
        action, fields = form_fields(page.text)
        done = browser.post(tool.url + action if action.startswith("/") else action, data=fields)
        assert done.status_code == 200, done.text
        assert 'data-client-id="dynamic-client-9"' in done.text and "close.js" in done.text
        assert browser.get(invitation, params=query).status_code == 403  # single use
    [sent] = platform.registrations[-1:]
    assert sent["initiate_login_uri"] == tool.url + "/lti/login"
    assert sent["redirect_uris"] == [tool.url + "/lti/launch"] and sent["jwks_uri"] == tool.url + "/lti/jwks"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" in sent["scope"].split()
    configuration = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert {m["type"] for m in configuration["messages"]} == {"LtiDeepLinkingRequest", "LtiResourceLinkRequest"}
    engine = tool.engine()
    registered = find_platform(engine, platform.url, "dynamic-client-9")
    engine.db.dispose()
    assert registered is not None and registered.name == "Moodle 4.4"
    assert [d.deployment_id for d in registered.deployments] == ["9"]
    assert registered.auth_login_url == platform.auth_url and registered.jwks_url == platform.jwks_url


def test_the_registering_platform_may_frame_the_registration_page(sqlite_tool: Tool) -> None:
    """Dynamic registration runs in the platform's frame before the platform is registered."""
    tool = sqlite_tool
    with tool.server.client(admin_token(tool)) as api:
        invitation = api.post("/api/v1/lti/registrations", json={"name": "New Moodle", "days": 1}).json()["url"]
    page = httpx.get(invitation, params={"openid_configuration": "https://new-moodle.example.edu:8443/mod/lti/"
                                                                 "openid-configuration.php"}, timeout=10)
    assert page.status_code == 200
    ancestors = next(p.strip() for p in page.headers["content-security-policy"].split(";") if "frame-ancestors" in p)
    assert "https://new-moodle.example.edu:8443" in ancestors.split() and "*" not in ancestors
    # Other pages stay closed to it: it is not registered.
    assert "new-moodle" not in httpx.get(tool.url + "/", timeout=10).headers["content-security-policy"]


def test_registration_page_refuses_a_made_up_invitation(sqlite_tool: Tool) -> None:
    answer = httpx.get(sqlite_tool.url + "/lti/register/nonsense", params={"openid_configuration": "x"})
    assert answer.status_code == 403 and 'data-lti-error="bad-invitation"' in answer.text


def test_manual_registration_through_the_api_is_for_unrestricted_admin_tokens(sqlite_tool: Tool) -> None:
    tool = sqlite_tool
    body = {"issuer": "https://canvas.example.edu", "client_id": "10000000000001",
            "auth_login_url": "https://sso.canvas.example.edu/api/lti/authorize_redirect",
            "auth_token_url": "https://sso.canvas.example.edu/login/oauth2/token",
            "jwks_url": "https://sso.canvas.example.edu/api/lti/security/jwks", "deployment_ids": ["1:abc"],
            "role_map": {"Learner": "mentee"}, "programmes": ["alpha"]}
    with tool.server.client(admin_token(tool)) as api:
        created = api.post("/api/v1/lti/platforms", json=body)
        assert created.status_code == 201, created.text
        platform_id = created.json()["id"]
        assert created.json()["deployments"][0]["programmes"] == ["alpha"]
        added = api.post(f"/api/v1/lti/platforms/{platform_id}/deployments", json={"deployment_id": "2:def"})
        assert {d["deployment_id"] for d in added.json()["deployments"]} == {"1:abc", "2:def"}
        listed = api.get("/api/v1/lti/platforms").json()["items"]
        assert any(p["issuer"] == body["issuer"] for p in listed)
        bad = api.post("/api/v1/lti/platforms", json={**body, "jwks_url": "not a url"})
        assert bad.status_code == 400 and "jwks_url" in bad.json()["detail"]
        wrong_role = api.post("/api/v1/lti/platforms", json={**body, "role_map": {"Learner": "boss"}})
        assert wrong_role.status_code == 400
        assert api.delete(f"/api/v1/lti/platforms/{platform_id}").status_code == 200
        assert api.get(f"/api/v1/lti/platforms/{platform_id}").status_code == 404
        spec = api.get("/api/v1/openapi.json").json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/lti/platforms"])
    assert "post" in spec["paths"]["/api/v1/lti/registrations"]
    with tool.server.client(admin_token(tool, programmes=["alpha"])) as scoped:
        assert scoped.get("/api/v1/lti/platforms").status_code == 403
    engine = tool.engine()
    pid = engine.add_person("Not an admin")
    secret = create_token(engine, "person", person_id=pid)[0]
    engine.db.dispose()
    with tool.server.client(secret) as person_api:
        assert person_api.post("/api/v1/lti/platforms", json=body).status_code == 403
    with tool.server.client() as anonymous:
        assert anonymous.get("/api/v1/lti/platforms").status_code == 401


def test_cli_registers_lists_and_rotates_keys(sqlite_tool: Tool) -> None:
    tool = sqlite_tool
    registered = cli(tool, "register", "--issuer", "https://lms.example.edu", "--client-id", "abc",
                     "--deployment-id", "3", "--deployment-id", "4", "--auth-login-url",
                     "https://lms.example.edu/mod/lti/auth.php", "--token-url", "https://lms.example.edu/mod/lti/token.php",
                     "--jwks-url", "https://lms.example.edu/mod/lti/certs.php", "--role-map", "Learner=mentor")
    assert registered.exit_code == 0, registered.stderr
    listed = cli(tool, "platforms", "--format", "json")
    mine = next(p for p in json.loads(listed.stdout) if p["issuer"] == "https://lms.example.edu")
    assert [d["deployment_id"] for d in mine["deployments"]] == ["3", "4"]
    assert mine["deployments"][0]["role_map"]["Learner"] == "mentor"
    bad = cli(tool, "register", "--issuer", "x", "--client-id", "y", "--auth-login-url", "ftp://x",
              "--token-url", "https://x", "--jwks-url", "https://x")
    assert bad.exit_code == 2 and "auth_login_url" in bad.stderr and "Traceback" not in bad.stderr
    before = httpx.get(tool.url + "/lti/jwks").json()["keys"]
    rotated = cli(tool, "keys", "rotate", "--grace-days", "3")
    assert rotated.exit_code == 0, rotated.stderr
    after = httpx.get(tool.url + "/lti/jwks").json()["keys"]
    assert len(after) == len(before) + 1 and after[1]["kid"] == before[0]["kid"]  # the old key stays published
    assert all("d" not in k and "p" not in k for k in after)  # never the private parts
    listing = cli(tool, "keys", "list").stdout
    assert "active" in listing and "retired, published until" in listing
    link = cli(tool, "registration-link", "--base-url", "https://mentoring.example.edu")
    assert link.stdout.startswith("https://mentoring.example.edu/lti/register/")
    missing = cli(tool, "registration-link")
    assert missing.exit_code == 2 and "--base-url" in missing.stderr
