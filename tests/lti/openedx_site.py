"""A small Django site on loopback running Open edX's LTI consumer app (``lti_consumer`` from
``lti-consumer-xblock`` on PyPI): its models, its launch gate (``launch_gate_endpoint``: the OIDC authentication
request answered with the id_token form), its token and key-set endpoints, its AGS line-item and score views, the
post-save signal that passes scores to the block (``lti_consumer/signals/signals.py``) and its NRPS view
(``LtiNrpsContextMembershipViewSet``, with its authentication, permission and serializers).

Run with that package's own virtual environment: ``python -I openedx_site.py TOOL_URL DATABASE_FILE``; prints
``PORT`` when ready. edx-platform (the LMS, the modulestore, the grades app, enrolments, external user ids) is not
on PyPI: only the functions of ``lti_consumer.plugin.compat`` that call it are replaced, by a block that records the
grade it is given (``GET /grades``, where edx-platform would write the gradebook), a course roster
(``get_course_members``: who ``/start`` or ``/enrol`` enrolled, with their edx-platform course role) and an
external-id table (``batch_get_or_create_externalids``, ``get_user_from_external_user_id``). Everything between the
tool's HTTP request and those calls is Open edX's code.

``GET /start?user=&role=&course=[&programme=]&ags=programmatic|declarative[&deep_linking=1][&content_item=ID]
[&pii=0]``
makes (once per course) the block's ``LtiConfiguration`` (its LTI 1.3 passport: keys, client id
``openedx-<course>``, NRPS and deep linking on), enrols the user, signs them in to the LMS (a session cookie) and
answers the login initiation URL from ``lti_consumer.api.get_lti_1p3_launch_start_url`` (what the block's views
render: a launch, a staff deep-linking launch, or a launch of a deep-linked content item) with the addresses the
tool registers; the tool's authentication request goes to the launch gate (``/api/lti_consumer/v1/launch/``).
``GET /enrol?user=&role=&course=&name=&email=`` enrols someone who never launched; ``GET /content-items?course=``
lists the block's stored deep-linking selection. ``user_has_studio_write_access`` (edx-platform's) is stood in
for by the roster: course staff and instructors may save a deep-linking selection.
"""

from __future__ import annotations

import socket
import sys
import threading
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
settings.configure(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                    "rest_framework", "config_models", "lti_consumer"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATABASE}},
    # The launch gate renders lti_consumer's own templates (the auto-posting id_token form, its error page).
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
    USE_TZ=True, PLATFORM_NAME="Open edX (mentorflow tests)", LMS_ROOT_URL=BASE, LTI_BASE=BASE,
    ROOT_URLCONF=__name__, SECRET_KEY="tests-only", ALLOWED_HOSTS=["127.0.0.1"],
    # The deep-linking return checks the LMS user's session (who may change the course's content).
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware"],
    USAGE_ID_PATTERN=r"(?P<usage_id>(?:i4x://?[^/]+/[^/]+/[^/]+/[^@]+(?:@[^/]+)?)|(?:[^/]+))")
django.setup()

from django.contrib.auth import get_user_model, login  # noqa: E402 (after Django is configured)
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from lti_consumer.api import get_lti_1p3_launch_start_url, get_lti_pii_sharing_state_for_course  # noqa: E402
from lti_consumer.data import Lti1p3LaunchData  # noqa: E402
from lti_consumer.models import CourseAllowPIISharingInLTIFlag, LtiConfiguration, LtiDlContentItem  # noqa: E402
from lti_consumer.plugin import compat  # noqa: E402
from lti_consumer.utils import get_lms_lti_launch_link  # noqa: E402
from opaque_keys.edx.keys import UsageKey  # noqa: E402

call_command("migrate", verbosity=0)
GRADES: dict[str, dict[str, float]] = {}
"""Block → user → the normalised score the block was given (what edx-platform would put in the gradebook)."""
ROSTERS: dict[str, dict[int, dict[str, Any]]] = {}
"""Course key → Django user id → the member as edx-platform's ``course_api.get_course_members`` returns it."""
EXTERNAL_IDS: dict[int, str] = {}
"""Django user id → the LTI external user id (edx-platform's ``external_user_ids`` table): the launch's ``sub``."""
_lock = threading.Lock()


class Block:
    """The graded LTI Consumer block, as far as ``lti_consumer`` asks edx-platform about it."""

    has_score = True
    weight = 1.0
    display_name = "Mentoring"
    accept_grades_past_due = True
    lti_1p3_passport_id = None

    def __init__(self, location: Any) -> None:
        self.location = location
        self.context_id = str(location.course_key)
        self.scope_ids = type("ScopeIds", (), {"usage_id": location})()

    def is_past_due(self) -> bool:
        return False

    def max_score(self) -> float:
        return 1.0

    def set_user_module_score(self, user: Any, score: float, max_score: float, comment: str = "") -> None:
        GRADES.setdefault(str(self.location), {})[str(user)] = score


class ExternalId:
    """One row of edx-platform's ``ExternalId`` as ``batch_get_or_create_user_ids`` returns it."""

    def __init__(self, external_user_id: str) -> None:
        self.external_user_id = external_user_id


def get_course_members(course_key: Any) -> dict[int, dict[str, Any]]:
    with _lock:  # a copy: the NRPS view adds external ids to what it is given
        return {uid: {**member, "roles": list(member["roles"])} for uid, member in
                ROSTERS.get(str(course_key), {}).items()}


def batch_get_or_create_externalids(users: Any) -> dict[int, ExternalId]:
    # The view prefetches edx-platform's UserProfile ("profile"), a model this site does not have; the ids suffice.
    ids = users.prefetch_related(None).values_list("id", flat=True)
    return {uid: ExternalId(EXTERNAL_IDS[uid]) for uid in ids}


def get_user_from_external_user_id(external_user_id: str) -> Any:
    return external_user_id  # the block records grades by the tool's user id


compat.load_block_as_user = Block
compat.load_enough_xblock = Block
compat.get_user_from_external_user_id = get_user_from_external_user_id
compat.get_course_members = get_course_members
compat.batch_get_or_create_externalids = batch_get_or_create_externalids
compat.merge_course_forum_roles = lambda course_key, members: members  # no discussion forum roles here


def user_has_studio_write_access(user: Any, course_key: Any) -> bool:
    """edx-platform's ``has_studio_write_access``: course staff and instructors may change the course."""
    with _lock:
        member = ROSTERS.get(str(course_key), {}).get(user.id) if user.is_authenticated else None
    return bool(member and {"staff", "instructor"} & set(member["roles"]))


compat.user_has_studio_write_access = user_has_studio_write_access


def block_location(course: str) -> Any:
    """One course per test (``course-v1:edX+<course>+2026``), its LTI block ``mentoring``."""
    return UsageKey.from_string(f"block-v1:edX+{course}+2026+type@lti_consumer+block@mentoring")


def enrol(course_key: str, user: str, role: str, name: str | None, email: str | None) -> Any:
    """Make the Django user and put them on the course roster with their edx-platform course role."""
    account, _created = get_user_model().objects.get_or_create(username=user[:150],
                                                              defaults={"email": email or ""})
    with _lock:
        EXTERNAL_IDS[account.id] = user
        ROSTERS.setdefault(course_key, {})[account.id] = {
            "id": account.id, "username": account.username, "email": email or "", "name": name or "",
            "roles": [role]}
    return account


def enrol_view(request: HttpRequest) -> JsonResponse:
    q = request.GET
    enrol(str(block_location(q["course"]).course_key), q["user"], q["role"], q.get("name"), q.get("email"))
    return JsonResponse({"enrolled": q["user"]})


def start(request: HttpRequest) -> JsonResponse:
    q = request.GET
    location = block_location(q["course"])
    course_key = str(location.course_key)
    config, created = LtiConfiguration.objects.get_or_create(location=location, defaults={
        "version": LtiConfiguration.LTI_1P3, "config_store": LtiConfiguration.CONFIG_ON_DB,
        "lti_1p3_oidc_url": TOOL + "/lti/login", "lti_1p3_launch_url": TOOL + "/lti/launch",
        "lti_advantage_enable_nrps": True, "lti_advantage_deep_linking_enabled": True,
        "lti_advantage_deep_linking_launch_url": TOOL + "/lti/launch",
        "lti_advantage_ags_mode": q.get("ags", LtiConfiguration.LTI_ADVANTAGE_AGS_PROGRAMMATIC)})
    passport = config.lti_1p3_passport
    if created:
        passport.lti_1p3_tool_keyset_url = TOOL + "/lti/jwks"
        passport.lti_1p3_client_id = f"openedx-{q['course']}"
        passport.save()
        # The course's "allow PII sharing in LTI" flag (``pii=0``: off, Open edX's default): on, NRPS sends
        # names and e-mail addresses, and the block puts them in the launch.
        CourseAllowPIISharingInLTIFlag.objects.create(course_id=location.course_key, enabled=q.get("pii") != "0")
    login(request, enrol(course_key, q["user"], q["role"], q.get("name"), q.get("email")))  # the LMS session
    pii = get_lti_pii_sharing_state_for_course(location.course_key)
    data = Lti1p3LaunchData(
        user_id=q["user"], user_role=q["role"], config_id=config.config_id, resource_link_id=str(location),
        external_user_id=q["user"], name=q.get("name") if pii else None, email=q.get("email") if pii else None,
        context_id=course_key,
        context_type=["course_offering"], context_title=f"Mentoring {q['course']}", context_label=q["course"],
        custom_parameters={"programme": q["programme"]} if q.get("programme") else None)
    url = get_lti_1p3_launch_start_url(data, deep_link_launch=bool(q.get("deep_linking")),
                                       dl_content_id=q.get("content_item"))
    lti = config.get_lti_consumer()
    api = f"{BASE}/api/lti_consumer/v1"
    return JsonResponse({"url": url, "issuer": lti.iss, "client_id": lti.client_id,
                         "auth": get_lms_lti_launch_link(), "token": f"{api}/token/{passport.passport_id}",
                         "jwks": f"{api}/public_keysets/{passport.passport_id}", "block": str(location),
                         "course": course_key})


def grades(request: HttpRequest) -> JsonResponse:
    return JsonResponse(GRADES)


def content_items(request: HttpRequest) -> JsonResponse:
    """The block's deep-linking selection as lti_consumer stored it (what the block's student view launches)."""
    items = LtiDlContentItem.objects.filter(lti_configuration__location=block_location(request.GET["course"]))
    return JsonResponse([{"id": i.id, "type": i.content_type, "attributes": i.attributes} for i in items], safe=False)


urlpatterns = [path("api/", include("lti_consumer.plugin.urls")), path("start", start), path("enrol", enrol_view),
               path("grades", grades), path("content-items", content_items)]


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


if __name__ == "__main__":
    server = make_server("127.0.0.1", PORT, get_wsgi_application(), server_class=Server, handler_class=Quiet)
    print(PORT, flush=True)
    server.serve_forever()
