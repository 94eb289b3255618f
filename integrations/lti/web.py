"""The tool's HTTP endpoints on the web service: ``/lti/login``, ``/lti/launch``, ``/lti/jwks``,
``/lti/register/<invitation>``, ``/lti/deep-link/<state>`` and ``/lti/signup/<programme>``.

Every refusal is a :class:`LaunchError`: logged as one JSON line with its
code and shown as a page (English or Danish, no traceback) that says what
to do; nothing is created by a refused request.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from mentorflow.engine import Engine
from mentorflow.errors import NotFound
from mentorflow.i18n import _, localized, normalise_locale, set_locale

from . import claims as C
from . import deep_linking, states
from .contexts import is_member_of_programme, link_context, record_member
from .errors import LaunchError, PlatformStorageCheck
from .keys import public_jwks
from .launch import deployment_may_use, handle_resource_link
from .people import upsert_person
from .platforms import find_deployment, find_platform, get_platform
from .registration import check_invitation, register
from .settings import programme_lti_settings
from .validation import unverified_claims, validate_launch

log = logging.getLogger("mentorflow.lti")
STATE_COOKIE = "mf_lti_state_"
STORAGE_TARGET = re.compile(r"_parent|[A-Za-z0-9_-]{1,64}")
"""``lti_storage_target``: the platform's window or the name of its frame that keeps the storage."""
LOGIN_PARAMETERS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id")
"""The login initiation's parameters, kept with the state so a refused launch can restart the sign-in."""


def base_url() -> str:
    """The tool's public address: the configured ``base_url``, else the address this request came to."""
    configured = current_app.extensions["mentorflow"].settings.base_url
    return (configured or request.host_url).rstrip("/")


def _secure() -> bool:
    return bool(current_app.extensions["mentorflow"].settings.secure_cookies)


def _speak_token_language(token: str | None) -> None:
    """Speak the launch's language; nothing else is taken from a token that has not been checked."""
    if token:
        locale = (unverified_claims(token).get(C.LAUNCH_PRESENTATION) or {}).get("locale")
        if isinstance(locale, str):
            set_locale(normalise_locale(locale))


def _origin(url: str) -> str:
    from mentorflow.integrations.web.plugin_api import origin_of

    return origin_of(url) or ""


def _storage_key(state: str) -> str:
    return "mf_state_" + state


def _framed_by_registering_platform(response: Response, configuration: str) -> Response:
    """Dynamic registration runs in the platform's frame before the platform is registered (and so before
    ``frame-ancestors`` names it): these two pages, reached only with a valid invitation, also allow the
    origin of the platform's openid configuration."""
    from mentorflow.integrations.web.plugin_api import frame_origins, frame_policy, parse_origins

    state = current_app.extensions["mentorflow"]
    known = frame_origins(state.engine, parse_origins(state.settings.frame_ancestors))
    response.headers["Content-Security-Policy"] = frame_policy([*known, configuration])
    return response


def _posted_from_here() -> bool:
    """Whether this POST came from one of our own pages (its ``Origin`` is this tool's)."""
    sent = request.headers.get("Origin", "")
    return bool(sent) and _origin(sent) == _origin(base_url())


def tool_blueprint(engine: Engine) -> Blueprint:
    """The LTI endpoints, closing over ``engine``."""
    bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates", static_folder="static",
                   static_url_path="/static")

    @bp.errorhandler(LaunchError)
    def refused(error: LaunchError) -> Any:
        _speak_token_language(request.form.get("id_token") if request.method == "POST" else None)
        log.warning(json.dumps({"event": "lti_refused", "code": error.code, "path": request.path,
                                "status": error.status, "detail": error.message}))
        if error.code == "state-not-bound" and error.restart:
            # The cookie was blocked in the frame and the platform offers no storage: not an error the person
            # can fix here, so a plain page with the one way on, a new window (first-party cookies there).
            return render_template("lti_new_window.html", error=error), error.status
        return render_template("lti_error.html", error=error), error.status

    @bp.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        params = request.values
        issuer, hint = params.get("iss", ""), params.get("login_hint", "")
        target = params.get("target_link_uri", "")
        if not issuer or not hint or not target:
            raise LaunchError("bad-login", _("The sign-in request lacks iss, login_hint or target_link_uri."))
        platform = find_platform(engine, issuer, params.get("client_id"))
        if platform is None:
            raise LaunchError("unknown-platform", _("The learning platform {issuer} is not registered with "
                                                    "mentorflow; ask the administrator to register it.").format(
                issuer=issuer), 403)
        if urlsplit(target).netloc != urlsplit(base_url()).netloc:
            raise LaunchError("bad-target", _("The launch asks for {target}, which is not this tool.").format(
                target=target))
        deployment_hint = params.get("lti_deployment_id")
        if deployment_hint and find_deployment(platform, deployment_hint) is None:
            raise LaunchError("unknown-deployment", _("Deployment '{id}' of {issuer} is not registered with "
                                                      "mentorflow; ask the administrator to add it.").format(
                id=deployment_hint, issuer=issuer), 403)
        nonce = secrets.token_urlsafe(32)
        browser = secrets.token_urlsafe(32)  # the state cookie's value: binds the state to this browser
        restart = {name: str(params[name]) for name in LOGIN_PARAMETERS if params.get(name)}
        storage = params.get("lti_storage_target", "")
        if storage and STORAGE_TARGET.fullmatch(storage) is None:
            raise LaunchError("bad-login", _("The sign-in request names an unusable lti_storage_target."))
        data = {"target_link_uri": target, "browser": browser, "login": restart}
        if storage:
            data["storage_target"] = storage
        state = states.create(engine, "login", states.LOGIN_LIFETIME, platform_id=platform.id, nonce=nonce,
                              data=data)
        query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
                 "client_id": platform.client_id, "redirect_uri": base_url() + "/lti/launch",
                 "login_hint": hint, "state": state, "nonce": nonce}
        if params.get("lti_message_hint"):
            query["lti_message_hint"] = params["lti_message_hint"]
        separator = "&" if "?" in platform.auth_login_url else "?"
        authenticate = platform.auth_login_url + separator + urlencode(query)
        if storage:
            # The platform offers its storage: keep the state there too (the frame may lose the cookie).
            response = Response(render_template("lti_storage.html", mode="put", target=storage,
                                                origin=_origin(platform.auth_login_url), key=_storage_key(state),
                                                value=state, next=authenticate))
        else:
            response = redirect(authenticate, code=302)
        # Partitioned (CHIPS): a browser that blocks third-party cookies still keeps this one inside the
        # platform's frame, in a jar of its own for that platform's site.
        response.set_cookie(STATE_COOKIE + state, browser, max_age=int(states.LOGIN_LIFETIME.total_seconds()),
                            secure=_secure(), httponly=True, samesite="None" if _secure() else "Lax", path="/lti/",
                            partitioned=_secure())
        return response

    @bp.post("/launch")
    def launch() -> Any:
        if request.form.get("error"):
            raise LaunchError("platform-error", _("The learning platform reported: {error}").format(
                error=request.form.get("error_description") or request.form["error"]))
        state = request.form.get("state")
        cookie = request.cookies.get(STATE_COOKIE + state) if state else None
        storage_checked = request.form.get("lti_storage") == "checked"
        if storage_checked and not _posted_from_here():
            # Only our launch page posts this, after reading the state back from the platform's frame; from any
            # other page it is a forgery (the browser always names the posting page's origin).
            raise LaunchError("state-not-bound", _("This sign-in was not confirmed by your learning platform; "
                                                   "start it again from your course."), 403)
        try:
            checked = validate_launch(engine, request.form.get("id_token"), state, cookie,
                                      storage_checked=storage_checked)
        except PlatformStorageCheck as check:
            login = states.find(engine, check.state, "login")
            platform = get_platform(engine, login.platform_id)  # type: ignore[union-attr, arg-type]
            _speak_token_language(request.form.get("id_token"))
            return render_template("lti_storage.html", mode="get", target=check.storage_target,
                                   origin=_origin(platform.auth_login_url), key=_storage_key(check.state),
                                   value=check.state, id_token=request.form.get("id_token", ""), error=check,
                                   next=None)
        locale = (checked.claim(C.LAUNCH_PRESENTATION).get("locale") or None)
        if locale:
            set_locale(normalise_locale(str(locale)))
        if checked.message_type == C.DEEP_LINKING_REQUEST:
            chooser = deep_linking.start(engine, checked)
            response = Response(_chooser(engine, checked.deployment, chooser))
        else:
            outcome = handle_resource_link(engine, checked)
            from mentorflow.integrations.web.plugin_api import sign_in

            sign_in(outcome.person_id)
            if outcome.locale:
                session["locale"] = normalise_locale(outcome.locale)
            target = {"coordinator": url_for("dashboard", key=outcome.programme),
                      "signup": url_for("lti.signup", key=outcome.programme)}.get(outcome.page,
                                                                                  url_for("my_relationships"))
            response = redirect(target, code=303)
        if state:
            response.delete_cookie(STATE_COOKIE + state, path="/lti/", secure=_secure(), httponly=True,
                                   samesite="None" if _secure() else "Lax", partitioned=_secure())
        return response

    def _chooser(engine: Engine, deployment: Any, chooser: str) -> str:
        programmes = [p for p in engine.programmes() if deployment_may_use(engine, deployment, p["key"])]
        return render_template("lti_deep_link.html", programmes=programmes, state=chooser, localized=localized)

    @bp.post("/deep-link/<state>")
    def deep_link(state: str) -> Any:
        stored = states.find(engine, state, "deep_link")
        if stored is None or stored.used_at is not None or stored.expires_at < engine.clock.now():
            raise LaunchError("unknown-state", _("This choice has expired or was made already; add the activity "
                                                 "again from your course."))
        data = stored.data
        if data.get("locale"):
            set_locale(normalise_locale(str(data["locale"])))
        platform = get_platform(engine, int(data["platform_id"]))
        deployment = find_deployment(platform, data["deployment_id"])
        key = request.form.get("programme", "")
        try:
            programme_id = engine.programme_id(key)
        except NotFound:
            raise LaunchError("unknown-programme", _("Programme '{key}' does not exist.").format(key=key),
                              404) from None
        if deployment is None or not deployment_may_use(engine, deployment, key):
            raise LaunchError("programme-not-allowed", _("This course's tool deployment may not use programme "
                                                         "'{key}'.").format(key=key), 403)
        with engine.write() as conn:
            if not states.consume(conn, stored, engine.clock.now()):
                raise LaunchError("replayed-state", _("This choice was made already."))
        token = deep_linking.response_jwt(engine, client_id=platform.client_id, issuer=platform.issuer,
                                          deployment_id=deployment.deployment_id, data=data.get("data"),
                                          programme_key=key, launch_url=base_url() + "/lti/launch")
        if data.get("context_id"):
            ags, nrps = data.get("ags") or {}, data.get("nrps") or {}
            context = link_context(engine, platform_id=platform.id, deployment_id=deployment.deployment_id,
                                   context_id=data["context_id"], programme_id=programme_id,
                                   title=data.get("context_title"),
                                   memberships_url=nrps.get("context_memberships_url"),
                                   lineitems_url=ags.get("lineitems"),
                                   scopes=ags.get("scope") if isinstance(ags.get("scope"), list) else None)
            person_id, _created = upsert_person(engine, platform.issuer, data["sub"], data.get("claims") or {},
                                                data.get("locale"))
            engine.grant_role(key, person_id, "coordinator")
            with engine.write() as conn:
                record_member(conn, context.id, person_id, list(data.get("roles") or []), "Active",
                              engine.clock.now())
        log.info(json.dumps({"event": "lti_deep_link", "issuer": platform.issuer, "programme": key}))
        return render_template("lti_autosubmit.html", action=data["return_url"], fields={"JWT": token},
                               title=_("Adding the mentoring activity"))

    @bp.get("/jwks")
    def jwks() -> Any:
        response = jsonify(public_jwks(engine))
        response.headers["Cache-Control"] = "public, max-age=300"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @bp.get("/register/<token>")
    def registration_page(token: str) -> Any:
        check_invitation(engine, token)
        configuration = request.args.get("openid_configuration", "")
        if not configuration:
            raise LaunchError("registration-failed", _("Open this address from the learning platform's "
                                                       "\"Register tool\" page; it adds the platform's "
                                                       "configuration."))
        response = Response(render_template("lti_register.html", token=token, configuration=configuration,
                                            registration_token=request.args.get("registration_token", "")))
        return _framed_by_registering_platform(response, configuration)

    @bp.post("/register/<token>")
    def registration_submit(token: str) -> Any:
        platform = register(engine, token, request.form.get("openid_configuration", ""),
                            request.form.get("registration_token") or None, base_url())
        log.info(json.dumps({"event": "lti_registered", "issuer": platform.issuer, "client_id": platform.client_id,
                             "deployments": [d.deployment_id for d in platform.deployments]}))
        response = Response(render_template("lti_registered.html", platform=platform))
        return _framed_by_registering_platform(response, request.form.get("openid_configuration", ""))

    @bp.route("/signup/<key>", methods=["GET", "POST"])
    def signup(key: str) -> Any:
        from mentorflow.integrations.web.plugin_api import check_csrf, require_person

        person_id = require_person()
        _version, workflow = engine.current_workflow(key)
        settings = programme_lti_settings(engine, key)
        if settings["learner_role"] != "choose" or not is_member_of_programme(engine, person_id,
                                                                              engine.programme_id(key)):
            raise LaunchError("signup-closed", _("Programme '{key}' does not take sign-ups from your course.").format(
                key=key), 403)
        if engine.programme_roles(key, person_id) & {"mentor", "mentee"}:
            return redirect(url_for("my_relationships"))
        if request.method == "POST":
            check_csrf()
            role = request.form.get("role")
            if role not in ("mentor", "mentee"):
                raise LaunchError("signup-closed", _("Choose mentor or mentee."))
            engine.grant_role(key, person_id, role)
            flash(_("You take part as {role}.").format(role=workflow.role_label(role)), "success")
            return redirect(url_for("my_relationships"))
        return render_template("lti_signup.html", key=key, programme=workflow.name(),
                               mentor=workflow.role_label("mentor"), mentee=workflow.role_label("mentee"))

    return bp
