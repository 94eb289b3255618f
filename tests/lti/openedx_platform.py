"""Open edX's own LTI 1.3 platform code (``lti_consumer.lti_1p3.consumer.LtiAdvantageConsumer`` from
``lti-consumer-xblock`` on PyPI) behind a small HTTP server on loopback, run with its own virtual environment's
Python (its pins clash with ours): ``python openedx_platform.py TOOL_URL``; prints ``PORT`` when ready.

This is the consumer class the LTI Consumer block uses for its launch gate, token endpoint and deep-linking
return; the Django views around it (AGS, NRPS, the launch gate) call edx-platform (``lms``, ``xmodule``,
``openedx.core``), which is not on PyPI, so they do not run here (see docs/openedx.md).

``GET /start?user=&role=&course=&programme=[&deep_linking=1]`` answers the login initiation URL the block would
send the browser to; ``GET /auth`` answers the OIDC authentication request with the auto-posting launch form;
``GET /jwks``; ``POST /token`` (client credentials, the tool's assertion checked against its key set);
``POST /deep-link-return`` checks the tool's deep-linking response with ``check_and_decode_deep_linking_token``.
"""

from __future__ import annotations

import html
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import django
from Cryptodome.PublicKey import RSA  # pycryptodomex, a dependency of lti-consumer-xblock
from django.conf import settings

settings.configure(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
                   INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"], USE_TZ=True,
                   PLATFORM_NAME="Open edX (mentorflow tests)", LMS_ROOT_URL="http://127.0.0.1")
django.setup()

from lti_consumer.data import Lti1p3LaunchData  # noqa: E402 (after Django is configured)
from lti_consumer.lti_1p3.consumer import LtiAdvantageConsumer  # noqa: E402

CLIENT_ID = "openedx-client-1"
DEPLOYMENT_ID = "1"
KEY = RSA.generate(2048).export_key().decode()
_consumers: dict[str, LtiAdvantageConsumer] = {}
_lock = threading.Lock()


def consumer(base: str, tool: str) -> LtiAdvantageConsumer:
    return LtiAdvantageConsumer(iss=base, lti_oidc_url=tool + "/lti/login", lti_launch_url=tool + "/lti/launch",
                                client_id=CLIENT_ID, deployment_id=DEPLOYMENT_ID, rsa_key=KEY,
                                rsa_key_id="openedx-key-1", redirect_uris=[tool + "/lti/launch"],
                                tool_keyset_url=tool + "/lti/jwks")


class Handler(BaseHTTPRequestHandler):
    tool = ""
    base = ""

    def log_message(self, *args: Any) -> None:
        pass

    def answer(self, status: int, body: Any, kind: str = "application/json") -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/jwks":
            return self.answer(200, consumer(self.base, self.tool).get_public_keyset())
        if parts.path == "/start":
            lti = consumer(self.base, self.tool)
            block = f"block-v1:edX+Mentor+2026+type@lti_consumer+block@{q['course']}"
            lti.set_user_data(q["user"], q["role"], full_name=q.get("name"), email_address=q.get("email"))
            lti.set_resource_link_claim(block)
            lti.set_context_claim(f"course-v1:edX+Mentor+{q['course']}", context_types=["course_offering"],
                                  context_title=f"Course {q['course']}", context_label=q["course"])
            lti.set_custom_parameters({"programme": q["programme"]})
            dl = bool(q.get("deep_linking"))
            if dl:
                lti.enable_deep_linking(self.tool + "/lti/launch", self.base + "/deep-link-return")
            data = Lti1p3LaunchData(user_id=q["user"], user_role=q["role"], config_id="config-1",
                                    resource_link_id=block, name=q.get("name"), email=q.get("email"),
                                    message_type="LtiDeepLinkingRequest" if dl else "LtiResourceLinkRequest",
                                    custom_parameters={"programme": q["programme"]})
            with _lock:
                _consumers[q["user"]] = lti
            return self.answer(200, {"url": lti.prepare_preflight_url(data)})
        if parts.path == "/auth":
            with _lock:
                lti = _consumers[q["login_hint"]]
            launch = lti.generate_launch_request(q)
            inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in launch.items())
            return self.answer(200, f'<form method="post" action="{html.escape(q["redirect_uri"])}">{inputs}</form>',
                               "text/html")
        return self.answer(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        path = urlsplit(self.path).path
        try:
            if path == "/token":
                return self.answer(200, consumer(self.base, self.tool).access_token(form))
            if path == "/deep-link-return":
                lti = consumer(self.base, self.tool)
                lti.enable_deep_linking(self.tool + "/lti/launch", self.base + "/deep-link-return")
                return self.answer(200, lti.check_and_decode_deep_linking_token(form["JWT"]))
        except Exception as error:  # the platform's refusal, as Open edX's views answer it
            return self.answer(400, {"error": type(error).__name__, "detail": str(error)})
        return self.answer(404, {"error": "not found"})


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Handler.tool = sys.argv[1].rstrip("/")
    Handler.base = f"http://127.0.0.1:{server.server_port}"
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
