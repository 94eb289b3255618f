"""A small Django site on loopback running Open edX's LTI consumer app (``lti_consumer`` from
``lti-consumer-xblock`` on PyPI): its models, its token and key-set endpoints, its AGS line-item and score views
and the post-save signal that passes scores to the block (``lti_consumer/signals/signals.py``).

Run with that package's own virtual environment: ``python -I openedx_site.py TOOL_URL DATABASE_FILE``; prints
``PORT`` when ready. edx-platform (the LMS, the modulestore, the grades app) is not on PyPI: the functions of
``lti_consumer.plugin.compat`` that call it are replaced by a block that records the grade it is given
(``GET /grades``), which is where edx-platform would write it to the gradebook. Everything between the tool's
HTTP request and that call is Open edX's code.

``GET /start?user=&role=&course=&programme=&ags=programmatic|declarative`` makes (once per course) the block's
``LtiConfiguration`` (its LTI 1.3 passport: keys, client id ``openedx-<course>``) and answers the login
initiation URL with the addresses the tool registers; ``GET /auth`` is the OIDC authentication answer.
"""

from __future__ import annotations

import html
import socket
import sys
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.conf import settings

TOOL, DATABASE = sys.argv[1].rstrip("/"), sys.argv[2]
_probe = socket.socket()
_probe.bind(("127.0.0.1", 0))
PORT = _probe.getsockname()[1]
_probe.close()
BASE = f"http://127.0.0.1:{PORT}"
COURSE = "course-v1:edX+Mentor+2026"
settings.configure(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "config_models",
                    "lti_consumer"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATABASE}},
    USE_TZ=True, PLATFORM_NAME="Open edX (mentorflow tests)", LMS_ROOT_URL=BASE, LTI_BASE=BASE,
    ROOT_URLCONF=__name__, SECRET_KEY="tests-only", ALLOWED_HOSTS=["127.0.0.1"], MIDDLEWARE=[],
    USAGE_ID_PATTERN=r"(?P<usage_id>(?:i4x://?[^/]+/[^/]+/[^/]+/[^@]+(?:@[^/]+)?)|(?:[^/]+))")
django.setup()

from django.core.management import call_command  # noqa: E402 (after Django is configured)
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from lti_consumer.data import Lti1p3LaunchData  # noqa: E402
from lti_consumer.models import LtiConfiguration  # noqa: E402
from lti_consumer.plugin import compat  # noqa: E402
from opaque_keys.edx.keys import UsageKey  # noqa: E402

call_command("migrate", verbosity=0)
GRADES: dict[str, dict[str, float]] = {}
"""Block → user → the normalised score the block was given (what edx-platform would put in the gradebook)."""


class Block:
    """The graded LTI Consumer block, as far as ``lti_consumer`` asks edx-platform about it."""

    has_score = True
    weight = 1.0
    display_name = "Mentoring"
    accept_grades_past_due = True
    lti_1p3_passport_id = None
    context_id = COURSE

    def __init__(self, location: Any) -> None:
        self.location = location
        self.scope_ids = type("ScopeIds", (), {"usage_id": location})()

    def is_past_due(self) -> bool:
        return False

    def max_score(self) -> float:
        return 1.0

    def set_user_module_score(self, user: Any, score: float, max_score: float, comment: str = "") -> None:
        GRADES.setdefault(str(self.location), {})[str(user)] = score


compat.load_block_as_user = Block
compat.load_enough_xblock = Block
compat.get_user_from_external_user_id = lambda external_user_id: external_user_id
_consumers: dict[str, Any] = {}


def start(request: HttpRequest) -> JsonResponse:
    q = request.GET
    location = UsageKey.from_string(f"block-v1:edX+Mentor+2026+type@lti_consumer+block@{q['course']}")
    config, _created = LtiConfiguration.objects.get_or_create(location=location, defaults={
        "version": LtiConfiguration.LTI_1P3, "config_store": LtiConfiguration.CONFIG_ON_DB,
        "lti_1p3_oidc_url": TOOL + "/lti/login", "lti_1p3_launch_url": TOOL + "/lti/launch",
        "lti_advantage_ags_mode": q.get("ags", LtiConfiguration.LTI_ADVANTAGE_AGS_PROGRAMMATIC)})
    passport = config.lti_1p3_passport
    passport.lti_1p3_tool_keyset_url = TOOL + "/lti/jwks"
    passport.lti_1p3_client_id = f"openedx-{q['course']}"
    passport.save()
    lti = config.get_lti_consumer()
    lti.set_user_data(q["user"], q["role"], full_name=q.get("name"), email_address=q.get("email"))
    lti.set_resource_link_claim(str(location))
    lti.set_context_claim(COURSE, context_types=["course_offering"], context_title=f"Mentoring {q['course']}")
    lti.set_custom_parameters({"programme": q["programme"]})
    data = Lti1p3LaunchData(user_id=q["user"], user_role=q["role"], config_id=config.config_id,
                            resource_link_id=str(location), custom_parameters={"programme": q["programme"]})
    _consumers[q["user"]] = lti
    api = f"{BASE}/api/lti_consumer/v1"
    return JsonResponse({"url": lti.prepare_preflight_url(data), "issuer": lti.iss, "client_id": lti.client_id,
                         "auth": BASE + "/auth", "token": f"{api}/token/{passport.passport_id}",
                         "jwks": f"{api}/public_keysets/{passport.passport_id}", "block": str(location)})


def auth(request: HttpRequest) -> HttpResponse:
    q = request.GET.dict()
    launch = _consumers[q["login_hint"]].generate_launch_request(q)
    inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in launch.items())
    return HttpResponse(f'<form method="post" action="{html.escape(q["redirect_uri"])}">{inputs}</form>')


def grades(request: HttpRequest) -> JsonResponse:
    return JsonResponse(GRADES)


urlpatterns = [path("api/", include("lti_consumer.plugin.urls")), path("start", start), path("auth", auth),
               path("grades", grades)]


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


if __name__ == "__main__":
    server = make_server("127.0.0.1", PORT, get_wsgi_application(), server_class=Server, handler_class=Quiet)
    print(PORT, flush=True)
    server.serve_forever()
