"""A test LTI 1.3 platform on loopback: real RS256 JWTs (PyJWT + cryptography, not the tool's joserfc),
its own JWKS, openid-configuration, dynamic registration, OIDC auth, token endpoint, NRPS and AGS.

Paths copy Moodle's ``mod/lti`` so the tool meets the addresses it will meet
in production. A test says who launches next with :meth:`TestPlatform.expect`
(keyed by ``login_hint``), and may tamper with that launch (other key,
other audience, expired) to check the tool's refusals.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READONLY_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCOPES = [LINEITEM_SCOPE, SCORE_SCOPE, RESULT_SCOPE]


class Key:
    """An RSA key pair with a kid, as a platform publishes it."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        return {**RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True), "kid": self.kid, "alg": "RS256",
                "use": "sig"}

    def sign(self, payload: dict[str, Any]) -> str:
        return jwt.encode(payload, self.private, algorithm="RS256", headers={"kid": self.kid})


@dataclass
class Person:
    sub: str
    name: str
    email: str
    roles: list[str]
    given_name: str = ""
    family_name: str = ""
    status: str = "Active"


@dataclass
class Course:
    """A course; ``dialect`` chooses whose gradebook rules its AGS follows.

    ``moodle`` (``mod/lti/service/gradebookservices``, ``scores.php``): ``scoreGiven`` is stored only when
    ``gradingProgress`` is ``FullyGraded`` (null otherwise), and a score whose timestamp is not later, to the
    second, than the stored one is refused with ``409 Refusing score with an earlier timestamp``.
    ``openedx`` (``lti_consumer/signals/signals.py``): every score is stored, but only a ``FullyGraded`` one on a
    line item whose ``resourceLinkId`` is the block's own (the launch's resource link) reaches the block's grade;
    others are logged "outside allowed scope" and dropped.
    """

    id: str
    title: str
    members: list[Person] = field(default_factory=list)
    lineitems: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    dialect: str = "moodle"
    ags_scopes: list[str] = field(default_factory=lambda: list(AGS_SCOPES))
    """The AGS scopes the launch offers (and the token endpoint grants)."""
    gradebook: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    """(line item, user) → the stored grade: ``score`` (None when not graded) and ``timemodified`` (seconds)."""
    block_grades: dict[str, float] = field(default_factory=dict)
    """Open edX: user → the grade the block passed to the course grade."""
    refused: list[dict[str, Any]] = field(default_factory=list)
    """Scores refused or kept out of the course grade, with the platform's reason."""
    drops_scores: bool = False
    """Answer 200 to scores and keep none (a platform losing grades silently)."""
    groups: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """User → the course groups they are in, ``(group id, name)``: NRPS ``group_enrollments`` (LTI Course Groups)."""

    @property
    def resource_link_id(self) -> str:
        return f"link-{self.id}"


class TestPlatform:
    """The platform; ``url`` is its issuer (like Moodle's wwwroot)."""

    __test__ = False  # not a test class for pytest

    def __init__(self, client_id: str = "tool-client-1", deployment_id: str = "1") -> None:
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.keys = [Key("platform-key-1")]
        self.pending: dict[str, dict[str, Any]] = {}
        self.courses: dict[str, Course] = {}
        self.tokens: dict[str, set[str]] = {}
        self.token_requests: list[dict[str, Any]] = []
        self.registrations: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.tool_jwks_url = ""
        self.page_size = 2
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()

    # -- what the tool is told --------------------------------------------------------------------------
    @property
    def auth_url(self) -> str:
        return self.url + "/mod/lti/auth.php"

    @property
    def token_url(self) -> str:
        return self.url + "/mod/lti/token.php"

    @property
    def jwks_url(self) -> str:
        return self.url + "/mod/lti/certs.php"

    def course(self, course_id: str, title: str) -> Course:
        return self.courses.setdefault(course_id, Course(course_id, title))

    def expect(self, login_hint: str, person: Person, course: Course, *, message_type: str = "LtiResourceLinkRequest",
               custom: dict[str, str] | None = None, locale: str = "en", claims: dict[str, Any] | None = None,
               remove: tuple[str, ...] = (), key: Key | None = None, iat_offset: int = 0,
               lineitem: str | None = None) -> None:
        """The launch the next authentication request with ``login_hint`` produces (with any tampering)."""
        self.pending[login_hint] = {"person": person, "course": course, "message_type": message_type,
                                    "custom": custom or {}, "locale": locale, "claims": claims or {},
                                    "remove": remove, "key": key, "iat_offset": iat_offset, "lineitem": lineitem}

    def id_token(self, spec: dict[str, Any], nonce: str) -> str:
        person: Person = spec["person"]
        course: Course = spec["course"]
        now = int(time.time()) + spec["iat_offset"]
        payload: dict[str, Any] = {
            "iss": self.url, "aud": self.client_id, "sub": person.sub, "iat": now, "exp": now + 60,  # as Moodle
            "nonce": nonce, "name": person.name, "given_name": person.given_name, "family_name": person.family_name,
            "email": person.email, LTI + "deployment_id": self.deployment_id,
            LTI + "message_type": spec["message_type"], LTI + "version": "1.3.0", LTI + "roles": person.roles,
            LTI + "context": {"id": course.id, "label": course.id, "title": course.title,
                              "type": ["CourseSection"]},
            LTI + "tool_platform": {"guid": "test-platform", "product_family_code": "moodle", "version": "4.4"},
            LTI + "launch_presentation": {"locale": spec["locale"], "document_target": "iframe",
                                          "return_url": self.url + "/course/view.php"},
            LTI + "custom": spec["custom"],
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.url}/mod/lti/services.php/CourseSection/{course.id}/bindings/1/"
                                           "memberships", "service_versions": ["1.0", "2.0"]},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": list(course.ags_scopes),
                "lineitems": f"{self.url}/mod/lti/services.php/{course.id}/lineitems?type_id=1",
                **({"lineitem": spec["lineitem"]} if spec["lineitem"] else {})},
        }
        if spec["message_type"] == "LtiResourceLinkRequest":
            payload[LTI + "resource_link"] = {"id": course.resource_link_id, "title": "Mentoring"}
            payload[LTI + "target_link_uri"] = "tool"
        else:
            payload["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": self.url + "/mod/lti/contentitem_return.php?course=" + course.id,
                "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False, "auto_create": True, "data": "opaque-platform-data"}
        payload.update(spec["claims"])
        for name in spec["remove"]:
            payload.pop(name, None)
        return (spec["key"] or self.keys[0]).sign(payload)

    # -- HTTP ------------------------------------------------------------------------------------------
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append((request.method, request.path))
        try:
            response = self.route(request)
        except AssertionError as error:
            response = Response(json.dumps({"error": "invalid_request", "error_description": str(error)}),
                                status=400, mimetype="application/json")
        return response(environ, start_response)

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/mod/lti/openid-configuration.php":
            return self._json(self.openid_configuration())
        if path == "/mod/lti/openid-registration.php" and request.method == "POST":
            return self.register(request)
        if path == "/mod/lti/certs.php":
            return self._json({"keys": [k.jwk() for k in self.keys]})
        if path == "/mod/lti/auth.php":
            return self.authenticate(request)
        if path == "/course/view.php":
            return self.course_page(request)
        if path == "/mod/lti/storage.php":
            return Response(STORAGE_FRAME, mimetype="text/html")
        if path == "/mod/lti/token.php" and request.method == "POST":
            return self.token(request)
        match = re.fullmatch(r"/mod/lti/services\.php/CourseSection/([^/]+)/bindings/1/memberships", path)
        if match:
            return self.memberships(request, self.courses[match.group(1)])
        match = re.fullmatch(r"/mod/lti/services\.php/([^/]+)/lineitems(?:/(\d+)/lineitem(/scores|/results)?)?", path)
        if match:
            return self.ags(request, self.courses[match.group(1)], match.group(2), match.group(3) or "")
        return Response("not found", status=404)

    @staticmethod
    def _json(body: Any, status: int = 200, mimetype: str = "application/json",
              headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps(body), status=status, mimetype=mimetype, headers=headers)

    def openid_configuration(self) -> dict[str, Any]:
        return {"issuer": self.url, "token_endpoint": self.token_url,
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256"], "jwks_uri": self.jwks_url,
                "authorization_endpoint": self.auth_url,
                "registration_endpoint": self.url + "/mod/lti/openid-registration.php",
                "scopes_supported": [NRPS_SCOPE, SCORE_SCOPE, LINEITEM_SCOPE, "openid"],
                "response_types_supported": ["id_token"], "subject_types_supported": ["public", "pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "moodle", "version": "4.4",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}]}}

    def register(self, request: Request) -> Response:
        assert request.headers.get("Authorization") == "Bearer reg-token-123", "bad registration token"
        body = request.get_json()
        self.registrations.append(body)
        tool = body["https://purl.imsglobal.org/spec/lti-tool-configuration"]
        return self._json({**body, "client_id": "dynamic-client-9", "https://purl.imsglobal.org/spec/"
                           "lti-tool-configuration": {**tool, "deployment_id": "9"}})

    def authenticate(self, request: Request) -> Response:
        q = request.args
        assert q.get("scope") == "openid" and q.get("response_type") == "id_token", "not an OIDC implicit request"
        assert q.get("response_mode") == "form_post" and q.get("prompt") == "none", "wrong response mode"
        assert q.get("client_id") == self.client_id, "unknown client"
        spec = self.pending.pop(q["login_hint"])
        token = self.id_token(spec, q["nonce"])
        fields = {"id_token": token, "state": q["state"]}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
        # A browser posts it at once, as Moodle's auth.php does (HTTP clients in the tests post it themselves).
        return Response(f'<form method="post" action="{html.escape(q["redirect_uri"])}">{inputs}</form>'
                        '<script>document.forms[0].submit();</script>', mimetype="text/html")

    def course_page(self, request: Request) -> Response:
        """A course page that shows the tool in a frame, with platform storage in a frame named
        ``post_message_forwarding`` (as Canvas does); ``?login=`` is the tool's login initiation address."""
        login = html.escape(request.args["login"])
        return Response('<!doctype html><title>Course</title>'
                        '<iframe name="post_message_forwarding" src="/mod/lti/storage.php"></iframe>'
                        f'<iframe id="tool" data-src="{login}" width="800" height="600"></iframe>'
                        '<script>var f = document.getElementsByName("post_message_forwarding")[0];'
                        'f.addEventListener("load", function () { var t = document.getElementById("tool");'
                        't.src = t.dataset.src; });</script>', mimetype="text/html")

    def token(self, request: Request) -> Response:
        form = request.form
        assert form.get("grant_type") == "client_credentials", "grant_type"
        assert form.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "type"
        assertion = form["client_assertion"]
        kid = jwt.get_unverified_header(assertion)["kid"]
        jwks = httpx.get(self.tool_jwks_url, timeout=10).json()  # the tool's published keys, over HTTP
        jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
        claims = jwt.decode(assertion, RSAAlgorithm.from_jwk(json.dumps(jwk)), algorithms=["RS256"],
                            audience=self.token_url, options={"require": ["exp", "iat", "jti"]})
        assert claims["iss"] == claims["sub"] == self.client_id, "assertion issuer"
        scopes = set(form.get("scope", "").split())
        self.token_requests.append({"kid": kid, "scopes": scopes})
        # Only what the tool is allowed (Moodle's token.php: the tool type's services; here: every course's offer).
        offered = {NRPS_SCOPE} | {s for c in self.courses.values() for s in c.ags_scopes}
        scopes &= offered
        access = secrets.token_urlsafe(16)
        self.tokens[access] = scopes
        return self._json({"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                           "scope": " ".join(sorted(scopes))})

    def _scopes(self, request: Request) -> set[str]:
        header = request.headers.get("Authorization", "")
        assert header.startswith("Bearer ") and header[7:] in self.tokens, "no valid access token"
        return self.tokens[header[7:]]

    def memberships(self, request: Request, course: Course) -> Response:
        if NRPS_SCOPE not in self._scopes(request):
            return Response("forbidden", status=403)
        assert request.headers.get("Accept") == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json", "accept"
        page = int(request.args.get("page", "0"))
        chunk = course.members[page * self.page_size:(page + 1) * self.page_size]
        headers = {}
        if (page + 1) * self.page_size < len(course.members):
            following = f"{request.base_url}?{urlencode({'page': page + 1})}"
            headers["Link"] = f'<{following}>; rel="next"'
        body = {"id": request.url, "context": {"id": course.id, "title": course.title},
                "members": [{"status": p.status, "roles": p.roles, "user_id": p.sub, "name": p.name,
                             "given_name": p.given_name, "family_name": p.family_name, "email": p.email,
                             **({"group_enrollments": [{"group_id": g, "group_name": n}
                                                       for g, n in course.groups[p.sub]]}
                                if p.sub in course.groups else {})}
                            for p in chunk]}
        return self._json(body, mimetype="application/vnd.ims.lti-nrps.v2.membershipcontainer+json", headers=headers)

    def ags(self, request: Request, course: Course, item: str | None, leaf: str) -> Response:
        granted = self._scopes(request)
        base = f"{self.url}/mod/lti/services.php/{course.id}/lineitems"
        if leaf == "/scores":
            assert SCORE_SCOPE in granted, "score scope"
            assert request.args.get("type_id") == "1", "query string kept after /scores"
            assert request.content_type == "application/vnd.ims.lis.v1.score+json", request.content_type
            score = {"lineitem": int(item or 0), **request.get_json(force=True)}
            return self.store_score(course, score)
        if leaf == "/results":
            assert RESULT_SCOPE in granted, "result scope"
            user = request.args.get("user_id")
            results = [{"id": f"{base}/{item}/lineitem/results/{u}", "userId": u, "resultMaximum": 100,
                        **({"resultScore": g["score"] * 100 / g["maximum"]} if g["score"] is not None else {})}
                       for (number, u), g in course.gradebook.items()
                       if number == int(item or 0) and (user is None or u == user)]
            return self._json(results, mimetype="application/vnd.ims.lis.v2.resultcontainer+json")
        if request.method == "GET":
            assert granted & {LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE}, "lineitem scope"
            wanted = request.args.get("resource_id")
            found = [i for i in course.lineitems if wanted is None or i["resourceId"] == wanted]
            return self._json(found, mimetype="application/vnd.ims.lis.v2.lineitemcontainer+json")
        assert LINEITEM_SCOPE in granted, "lineitem scope"
        assert request.content_type == "application/vnd.ims.lis.v2.lineitem+json", request.content_type
        number = len(course.lineitems) + 1
        created = {**request.get_json(force=True), "id": f"{base}/{number}/lineitem?type_id=1"}
        course.lineitems.append(created)
        return self._json(created, status=201, mimetype="application/vnd.ims.lis.v2.lineitem+json")

    def store_score(self, course: Course, score: dict[str, Any]) -> Response:
        """Keep a score as the course's platform would (see :class:`Course`)."""
        course.scores.append(score)
        if course.drops_scores:
            return Response("", status=200)
        key = (score["lineitem"], str(score["userId"]))
        seconds = int(datetime.fromisoformat(score["timestamp"]).timestamp())  # Moodle: strtotime(), whole seconds
        fully = score.get("gradingProgress") == "FullyGraded"
        stored = course.gradebook.get(key)
        if course.dialect == "moodle":
            if stored and stored["timemodified"] >= seconds:
                course.refused.append({**score, "reason": "409"})
                return Response("Refusing score with an earlier timestamp for item "
                                f"{score['lineitem']} and user {score['userId']}", status=409)
            course.gradebook[key] = {"score": score.get("scoreGiven") if fully else None,
                                     "maximum": score.get("scoreMaximum"), "timemodified": seconds}
            return Response("", status=200)
        course.gradebook[key] = {"score": score.get("scoreGiven"), "maximum": score.get("scoreMaximum"),
                                 "timemodified": seconds}
        [item] = [i for i in course.lineitems if i["id"].split("/lineitems/")[1].startswith(f"{score['lineitem']}/")]
        if item.get("resourceLinkId") != course.resource_link_id:
            course.refused.append({**score, "reason": f"LTI tool tried publishing score to block "
                                                      f"{item.get('resourceLinkId')} (outside allowed scope of: "
                                                      f"{course.resource_link_id})"})
        elif fully:
            course.block_grades[str(score["userId"])] = score["scoreGiven"] / score["scoreMaximum"]
        return Response("", status=200)


STORAGE_FRAME = """<!doctype html><title>Platform storage</title><script>
// LTI Client Side postMessages, platform storage: one store per tool origin, for as long as the course page lives.
var stores = {};
window.addEventListener("message", function (event) {
  var m = event.data;
  if (!m || typeof m !== "object" || typeof m.subject !== "string") { return; }
  var store = stores[event.origin] = stores[event.origin] || {};
  var answer = {subject: m.subject + ".response", message_id: m.message_id, key: m.key};
  if (m.subject === "lti.put_data") {
    store[m.key] = m.value;
    answer.value = m.value;
  } else if (m.subject === "lti.get_data") {
    if (Object.prototype.hasOwnProperty.call(store, m.key)) { answer.value = store[m.key]; }
    else { answer.error = {code: "bad_request", message: "no such key"}; }
  } else {
    return;
  }
  event.source.postMessage(answer, event.origin);
});
</script>"""


def form_fields(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the first form on an HTML page (what a browser would post)."""
    action = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', page).group(1))  # type: ignore[union-attr]
    fields = {html.unescape(n): html.unescape(v)
              for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page)}
    return action, fields


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
