"""The mentorflow XBlock: a course unit component running the course's mentoring programme.

The engine runs embedded in the LMS process (one per process and database,
see :mod:`.config`). Fields hold only course settings (which programme,
template, cadence); everything about people lives in the engine's database.
Every handler finds out who is asking from the ``user`` service, and every
mentorflow error comes back as a :class:`JsonHandlerError` with its status.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from web_fragments.fragment import Fragment
from webob import Response
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Scope, String

from mentorflow.engine import Engine
from mentorflow.errors import (
    ConfigurationError,
    FormInvalid,
    Problem,
    ProblemsError,
    PublishForbidden,
    UserError,
    WorkflowInvalid,
)
from mentorflow.i18n import _, _lazy, set_locale
from mentorflow.integrations.shared import views
from mentorflow.integrations.shared.forms import FormDecodeError
from mentorflow.integrations.shared.rendering import render

from . import mentoring
from .config import BUCKET, Config, engine_for
from .identity import Identity, find_person, identify
from .language import resolve_locale
from .programme import (
    CADENCES,
    ProgrammeChoice,
    cadence_choices,
    check_settings,
    default_key,
    ensure_published,
    validate,
)

log = logging.getLogger("mentorflow.openedx")
PACKAGE = "mentorflow.integrations.openedx"


class HandlerError(JsonHandlerError):
    """A :class:`JsonHandlerError` that also carries the problems (by JSON pointer) and the re-rendered block."""

    def __init__(self, status_code: int, message: str, **extra: Any) -> None:
        super().__init__(status_code, message)
        self.extra = extra

    def get_response(self, **kwargs: Any) -> Response:
        return Response(json.dumps({"error": self.message, **self.extra}), status_code=self.status_code,
                        content_type="application/json", charset="utf-8", **kwargs)


def error_for(error: UserError, **extra: Any) -> HandlerError:
    """The handler error for a mentorflow error: its status, its message, and its problems when it has them."""
    if isinstance(error, ProblemsError):
        summary = error.summary.rstrip(":. ")
        message = f"{summary}: " + "; ".join(str(p) for p in error.problems[:5])
        return HandlerError(error.status, message, summary=summary, problems=[p.as_dict() for p in error.problems],
                            **extra)
    return HandlerError(error.status, error.message, **extra)


@dataclass
class Asking:
    """One request: the server configuration, who is asking, and the language they read."""

    config: Config
    identity: Identity | None
    locale: str

    def engine(self) -> Engine:
        return engine_for(self.config)


def _resource(name: str) -> str:
    return files(PACKAGE).joinpath("static", name).read_text("utf-8")


@XBlock.wants("user", "settings", "i18n")
class MentorflowXBlock(XBlock):
    """Mentoring in a course: sign-up, the relationship's stages and forms, and the coordinator's overview."""

    block_settings_key = BUCKET
    has_author_view = True

    display_name = String(display_name=_lazy("Display name"), default="Mentoring", scope=Scope.settings,
                          help=_lazy("The component's name in the course outline."))
    programme_key = String(display_name=_lazy("Programme key"), default="", scope=Scope.settings,
                           help=_lazy("Blocks with the same key share one programme; empty: one programme per course."))
    template = String(display_name=_lazy("Programme template"), default="", scope=Scope.settings,
                      help=_lazy("A built-in or server template; empty: the server's default template."))
    workflow_json = String(display_name=_lazy("Uploaded workflow"), default="", scope=Scope.settings,
                           help=_lazy("A workflow document (JSON) used instead of the template."))
    cadence = String(display_name=_lazy("Check-in cadence"), default="", scope=Scope.settings,
                     help=_lazy("How often the pair reflects (an ISO 8601 duration); empty: as in the template."))
    signup_roles = String(display_name=_lazy("Who can sign up"), default="both", scope=Scope.settings,
                          values=list(mentoring.SIGNUP_ROLES),
                          help=_lazy("both, mentee, mentor, or none (the coordinator enrols people)."))

    # -- plumbing ---------------------------------------------------------------------------------------
    def _service(self, name: str) -> Any:
        try:
            return self.runtime.service(self, name)
        except Exception:  # a wanted service the runtime lacks
            return None

    def _config(self) -> Config:
        settings = self._service("settings")
        bucket = settings.get_settings_bucket(self) if settings is not None else {}
        return Config.from_bucket(bucket)

    @contextmanager
    def _asking(self) -> Iterator[Asking]:
        """Who asks, in their language, for the length of one view or handler."""
        config = self._config()
        service = self._service("user")
        user = service.get_current_user() if service is not None else None
        identity = identify(user, config)
        locale = resolve_locale(identity.language if identity else None, self._service("i18n"))
        set_locale(locale)
        try:
            yield Asking(config, identity, locale)
        finally:
            set_locale(None)

    def _course(self) -> str | None:
        for owner, name in ((self.scope_ids.usage_id, "course_key"), (self, "course_id"), (self.runtime, "course_id")):
            value = getattr(owner, name, None)
            if value:
                return str(value)
        return None

    def _choice(self) -> ProgrammeChoice:
        return ProgrammeChoice(key=self.programme_key or default_key(self._course()), template=self.template,
                               workflow_json=self.workflow_json, cadence=self.cadence)

    def _programme(self, ask: Asking) -> mentoring.Programme:
        engine = ask.engine()
        choice = self._choice()
        ensure_published(engine, choice, ask.config, self._course())
        return mentoring.programme(engine, choice.key)

    def _prefix(self) -> str:
        return "mf-" + hashlib.sha256(str(self.scope_ids.usage_id).encode()).hexdigest()[:8] + "-"

    def _handler_url(self, name: str) -> str:
        try:
            return self.runtime.handler_url(self, name)
        except NotImplementedError:  # runtimes without URLs (unit tests): the script posts to the handler
            return ""

    def _fragment(self, html: str, init: str, css: str, script: str) -> Fragment:
        fragment = Fragment(html)
        fragment.add_css(_resource(css))
        fragment.add_javascript(_resource(script))
        fragment.initialize_js(init, {"prefix": self._prefix(),
                                      "failed": _("Something went wrong; nothing was saved. Please try again.")})
        return fragment

    # -- the learner's view -------------------------------------------------------------------------------
    def student_view(self, context: dict[str, Any] | None = None) -> Fragment:
        """The person's mentoring in this course (or sign-up), and for staff the coordinator's overview."""
        with self._asking() as ask:
            body = self._body(ask)
            html = render("student.html", {"body": body, "title": self.display_name, "prefix": self._prefix()},
                          PACKAGE)
            return self._fragment(html, "MentorflowXBlock", "mentorflow_xblock.css", "mentorflow_xblock.js")

    def _body(self, ask: Asking, *, problem: dict[str, Any] | None = None, signup: dict[str, Any] | None = None,
              pairing: dict[str, Any] | None = None) -> str:
        """The block's inner HTML for the person asking (what handlers send back to replace it)."""
        context: dict[str, Any] = {"prefix": self._prefix(), "form_url": lambda _t: self._handler_url("fire"),
                                   "hidden_fields": []}
        if ask.identity is None:
            return render("_notice.html", {**context, "notice": _("Sign in to take part in mentoring.")}, PACKAGE)
        try:
            prog = self._programme(ask)
        except (ConfigurationError, WorkflowInvalid, PublishForbidden) as error:
            log.warning("mentorflow block %s is not usable: %s", self.scope_ids.usage_id, error)
            detail = error.message if ask.identity.is_staff else None
            return render("_notice.html", {**context, "notice": _("Mentoring is not available in this course yet."),
                                           "detail": detail}, PACKAGE)
        engine = ask.engine()
        who = mentoring.situation(engine, prog, ask.identity, ask.locale)
        participant = bool(who.roles & {"mentor", "mentee"})
        relationships = mentoring.my_relationships(engine, prog, who.person_id) if who.person_id else []
        context.update({
            "programme": mentoring.describe(prog), "who": who, "participant": participant,
            "role_labels": [prog.workflow.role_label(r) for r in ("mentee", "mentor") if r in who.roles],
            "panels": mentoring.panels(engine, relationships, who.person_id, self._prefix(), problem)
            if who.person_id else [],
            "signup": mentoring.signup_context(engine, prog, self.signup_roles, **(signup or {}))
            if not participant and not who.is_coordinator else None,
            "signup_open": bool(mentoring.SIGNUP_ROLES.get(self.signup_roles, ("x",))),
            "coordinator": mentoring.coordinator_context(engine, prog, ask.config.dashboard_url, **(pairing or {}))
            if who.is_coordinator else None,
        })
        return render("_body.html", context, PACKAGE)

    def _answer(self, ask: Asking, message: str, **body: Any) -> dict[str, Any]:
        return {"html": self._body(ask, **body), "message": message}

    # -- handlers -------------------------------------------------------------------------------------
    @XBlock.json_handler
    def refresh(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """The block's current inner HTML for the person asking."""
        with self._asking() as ask:
            return self._answer(ask, "")

    @XBlock.json_handler
    def enrol(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Sign up as mentor or mentee with the programme's profile form: ``{"role": .., "profile": {..}}``."""
        with self._asking() as ask:
            ask_identity = self._require_identity(ask)
            posted, role = _strings(data, "profile"), str((data or {}).get("role") or "")
            try:
                prog = self._programme(ask)
                who = mentoring.situation(ask.engine(), prog, ask_identity, ask.locale)
                if who.roles & {"mentor", "mentee"}:
                    raise UserError(_("You are already signed up for this programme."))
                mentoring.enrol(ask.engine(), prog, who, ask.locale, self.signup_roles, role, posted)
            except FormInvalid as error:
                raise error_for(error, html=self._body(ask, signup={
                    "values": {**posted, "role": role}, "errors": views.field_errors(error.problems)})) from None
            except UserError as error:
                raise error_for(error) from None
            return self._answer(ask, _("You are signed up."))

    @XBlock.json_handler
    def fire(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Fire a transition: ``{"relationship": id, "transition": id, "version": n, "data": {field: text}}``."""
        with self._asking() as ask:
            self._require_identity(ask)
            data = data if isinstance(data, dict) else {}
            posted = _strings(data, "data")
            try:
                prog = self._programme(ask)
                person = find_person(ask.engine(), ask.identity)  # type: ignore[arg-type]
                if person is None:
                    raise UserError(_("Sign up for the programme first."))
                result = mentoring.fire(ask.engine(), prog, person, data.get("relationship"), data.get("transition"),
                                        posted, data.get("version"))
            except FormDecodeError as error:
                raise self._form_error(ask, data, posted, views.decode_errors(error), error_for(
                    FormInvalid(str(data.get("transition")), [Problem(f"/{error.field}", error.message)]))) from None
            except FormInvalid as error:
                raise self._form_error(ask, data, posted, views.field_errors(error.problems),
                                       error_for(error)) from None
            except UserError as error:
                raise error_for(error) from None
            title = prog.workflow.transitions[result.transition].title() \
                if result.transition in prog.workflow.transitions else result.transition
            return self._answer(ask, _("Done: {action}").format(action=title))

    def _form_error(self, ask: Asking, data: dict[str, Any], posted: dict[str, str], errors: dict[str, str],
                    error: HandlerError) -> HandlerError:
        """The error, with the block re-rendered so the form stays open with the posted values and each error."""
        try:
            rid = int(data.get("relationship"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return error
        error.extra["html"] = self._body(ask, problem={"relationship": rid, "transition": data.get("transition"),
                                                       "values": posted, "errors": errors})
        return error

    @XBlock.json_handler
    def pair(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """A coordinator pairs a waiting mentee with a mentor: ``{"mentee": person id, "mentor": person id}``."""
        with self._asking() as ask:
            identity = self._require_identity(ask)
            data = data if isinstance(data, dict) else {}
            try:
                prog = self._programme(ask)
                who = mentoring.situation(ask.engine(), prog, identity, ask.locale)
                mentoring.pair(ask.engine(), prog, who, data.get("mentee"), data.get("mentor"))
            except FormInvalid as error:
                raise error_for(error, html=self._body(ask, pairing={
                    "values": _strings({"v": data}, "v"), "errors": views.field_errors(error.problems)})) from None
            except UserError as error:
                raise error_for(error) from None
            return self._answer(ask, _("The relationship has started."))

    @XBlock.json_handler
    def form_group(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """A coordinator forms a group or circle: ``{"members": {"mentor": [id], "mentee": [id, ...]}}``."""
        with self._asking() as ask:
            identity = self._require_identity(ask)
            data = data if isinstance(data, dict) else {}
            try:
                prog = self._programme(ask)
                who = mentoring.situation(ask.engine(), prog, identity, ask.locale)
                mentoring.form_group(ask.engine(), prog, who, data.get("members"))
            except FormInvalid as error:
                raise error_for(error, errors=views.field_errors(error.problems)) from None
            except UserError as error:
                raise error_for(error) from None
            return self._answer(ask, _("The group has started."))

    def _require_identity(self, ask: Asking) -> Identity:
        if ask.identity is None:
            raise HandlerError(403, _("Sign in to take part in mentoring."))
        return ask.identity

    # -- Studio ------------------------------------------------------------------------------------------
    def author_view(self, context: dict[str, Any] | None = None) -> Fragment:
        """Studio's preview: the programme, its settings and (when the database answers) relationships per stage."""
        with self._asking() as ask:
            html = render("author.html", self._summary(ask), PACKAGE)
            return self._fragment(html, "MentorflowXBlock", "mentorflow_xblock.css", "mentorflow_xblock.js")

    def _summary(self, ask: Asking) -> dict[str, Any]:
        choice = self._choice()
        summary: dict[str, Any] = {"title": self.display_name, "choice": choice, "prefix": self._prefix(),
                                   "template": choice.template or ask.config.default_template,
                                   "uploaded": bool(choice.workflow_json.strip()),
                                   "cadence": dict(cadence_choices()).get(choice.cadence, choice.cadence),
                                   "dashboard_url": None, "per_stage": None, "problem": None, "programme": None}
        try:
            # Studio shows drafts: validate the block's workflow, but leave publishing to the LMS.
            workflow = validate(_validation_engine(ask.config), choice, ask.config)
            summary["programme"] = {"name": workflow.name(), "stages": [s.title() for s in workflow.states.values()]}
            if ask.config.dashboard_url:
                summary["dashboard_url"] = f"{ask.config.dashboard_url.rstrip('/')}/coordinator/{choice.key}"
            engine = ask.engine()
            counts = engine.count_relationships(choice.key) if any(
                p["key"] == choice.key for p in engine.programmes()) else {}
            summary["per_stage"] = [(s.title(), counts.get(s.id, 0)) for s in workflow.states.values()]
        except (ConfigurationError, WorkflowInvalid) as error:
            summary["problem"] = error.message
        except Exception as error:  # Studio may not reach the LMS's database: the summary is a courtesy
            log.warning("mentorflow summary unavailable: %s", error)
            summary["problem"] = _("The programme summary is shown in the LMS.")
        return summary

    def studio_view(self, context: dict[str, Any] | None = None) -> Fragment:
        """The author's settings: programme template or uploaded workflow, cadence, who may sign up."""
        with self._asking() as ask:
            html = render("studio.html", {
                "block": self, "prefix": self._prefix(), "templates": sorted(ask.config.templates()),
                "default_template": ask.config.default_template, "cadences": cadence_choices(),
                "default_key": default_key(self._course()),
                "signup_choices": [("both", _("Mentees and mentors")), ("mentee", _("Mentees only")),
                                   ("mentor", _("Mentors only")), ("none", _("Nobody: the coordinator enrols people"))],
            }, PACKAGE)
            return self._fragment(html, "MentorflowStudio", "mentorflow_xblock.css", "mentorflow_studio.js")

    @XBlock.json_handler
    def studio_submit(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Validate and save the author's settings; a bad workflow answers 422 with each problem's JSON pointer."""
        with self._asking() as ask:
            if ask.identity is None or not ask.identity.is_staff:
                raise HandlerError(403, _("Only course staff may change the mentoring settings."))
            data = data if isinstance(data, dict) else {}
            text = {name: str(data.get(name) or "").strip() for name in (
                "display_name", "programme_key", "template", "workflow_json", "cadence", "signup_roles")}
            if text["signup_roles"] not in mentoring.SIGNUP_ROLES:
                text["signup_roles"] = "both"
            if text["cadence"] and text["cadence"] not in CADENCES:
                raise HandlerError(422, _("The settings are not valid."), problems=[
                    {"pointer": "/cadence", "message": _("must be one of {choices}").format(
                        choices=", ".join(CADENCES))}])
            choice = ProgrammeChoice(key=text["programme_key"] or default_key(self._course()),
                                     template=text["template"], workflow_json=text["workflow_json"],
                                     cadence=text["cadence"])
            try:
                workflow = validate(_validation_engine(ask.config), choice, ask.config)
                if ask.config.database_url:  # without the LMS's database the first view in the LMS checks it
                    check_settings(engine_for(ask.config), choice, workflow, self._course())
            except UserError as error:
                raise error_for(error) from None
            self.display_name = text["display_name"] or self.display_name
            self.programme_key, self.template = text["programme_key"], text["template"]
            self.workflow_json, self.cadence, self.signup_roles = text["workflow_json"], text["cadence"], \
                text["signup_roles"]
            return {"result": "success", "programme": workflow.name(), "message": _("Saved.")}

    # -- workbench -------------------------------------------------------------------------------------
    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """Scenarios for the xblock-sdk workbench (choose people with ``?student=<id>``)."""
        return [
            ("Mentoring (the server's default programme)", '<mentorflow display_name="Mentoring"/>'),
            ("Mentoring where only mentees sign up",
             '<mentorflow display_name="Find a mentor" programme_key="workbench-mentees" signup_roles="mentee" '
             'cadence="P7D"/>'),
            ("Two mentoring blocks in one unit share a programme",
             '<vertical_demo><mentorflow display_name="Sign up"/><mentorflow display_name="Your mentoring"/>'
             '</vertical_demo>'),
        ]


_VALIDATORS: dict[str, Engine] = {}


def _validation_engine(config: Config) -> Engine:
    """An engine to validate workflows with: the configured one, else one on an in-memory database (Studio)."""
    if config.database_url:
        return engine_for(config)
    if "memory" not in _VALIDATORS:
        _VALIDATORS["memory"] = Engine("sqlite://")
    return _VALIDATORS["memory"]


def _strings(data: Any, key: str) -> dict[str, str]:
    """Posted form values as the shared forms expect them: field name -> text.

    A ticked checkbox may come as ``true``; an unticked one (``false`` or
    ``null``) is left out, as a browser leaves it out of a form post.
    """
    values = data.get(key) if isinstance(data, dict) else None
    if not isinstance(values, dict):
        return {}
    out = {}
    for name, value in values.items():
        if value is None or value is False:
            continue
        if value is True:
            out[str(name)] = "true"
        elif isinstance(value, (list, dict)):
            out[str(name)] = json.dumps(value)
        else:
            out[str(name)] = str(value)
    return out
