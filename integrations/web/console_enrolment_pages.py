"""The console's enrolment pages (issue #17): approval on or off, pending applicants, invitation links, joining.

On the people page (:mod:`.console_people_pages`) a coordinator turns approval on or off, approves or declines each
pending applicant (declining with a reason the applicant reads), and makes and revokes invitation links. A signed-in
person opens ``/join/<secret>``, fills in the programme's sign-up profile when it has one (the shared form renderer
the participant pages use), and is enrolled or becomes a pending applicant; ``/me/applications`` shows them the
decision. Every check is in :mod:`.enrolment`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup

from mentorflow.errors import FormInvalid, UserError
from mentorflow.i18n import _
from mentorflow.integrations.shared.forms import FormDecodeError, decode, fields, schema_form
from mentorflow.signup import signup_profile

from . import enrolment
from .console_people_pages import PEOPLE_SECTIONS, render_people
from .pages import check_csrf, engine, require_person


def enrolment_section(key: str, pid: int) -> str:
    eng = engine()
    links = enrolment.invitations(eng, key, pid)
    shown = g.get("new_invitation")  # a link just made: shown once, in this answer only (its hash is stored)
    _vid, workflow = eng.current_workflow(key)
    return Markup(render_template("_enrolment.html", key=key, approval=enrolment.approval(eng, key, pid),
                                  pending=enrolment.applications(eng, key, pid), invitations=links,
                                  new_link=shown, now=eng.clock.now(), workflow=workflow,
                                  max_days=enrolment.MAX_DAYS, default_days=enrolment.DEFAULT_DAYS))


def _profile_form(secret: str) -> tuple[Any, Any, Any]:
    eng = engine()
    invited = enrolment.invitation(eng, secret)
    _vid, workflow = eng.current_workflow(invited.programme)
    offered = signup_profile(eng, invited.programme_id, workflow)
    form = schema_form(offered.form, dict(offered.schema), dict(offered.title)) if offered is not None else None
    return invited, workflow, form


def install_enrolment_pages(app: Flask) -> None:
    if enrolment_section not in PEOPLE_SECTIONS:
        PEOPLE_SECTIONS.append(enrolment_section)

    def back(key: str, anchor: str) -> Any:
        return redirect(url_for("people_page", key=key) + anchor)

    @app.post("/coordinator/<key>/approval")
    def approval_set(key: str) -> Any:
        pid = require_person()
        check_csrf()
        on = enrolment.set_approval(engine(), key, pid, request.form.get("approval") == "on")
        flash(_("Sign-ups now wait for a coordinator's approval.") if on else
              _("Sign-ups are now enrolled at once."), "success")
        return back(key, "#enrolment-heading")

    @app.post("/coordinator/<key>/applications/<int:application>")
    def application_decide(key: str, application: int) -> Any:
        pid = require_person()
        check_csrf()
        approve = request.form.get("decision") == "approve"
        try:
            enrolment.decide(engine(), key, pid, application, approve, request.form.get("reason"))
            flash(_("The application is approved; they are enrolled.") if approve else
                  _("The application is declined; they can read your reason."), "success")
        except FormInvalid as error:
            flash(" ".join(p.message for p in error.problems), "error")
        except UserError as error:
            if error.status == 403:
                raise
            flash(error.message, "error")
        return back(key, "#applicants-heading")

    @app.post("/coordinator/<key>/invitations")
    def invitation_create(key: str) -> Any:
        pid = require_person()
        check_csrf()
        try:
            secret, info = enrolment.create_invitation(engine(), key, pid, request.form.get("role"),
                                                       request.form.get("days", enrolment.DEFAULT_DAYS))
        except FormInvalid as error:
            flash(" ".join(p.message for p in error.problems), "error")
            return back(key, "#invitations-heading")
        g.new_invitation = {"url": url_for("join", secret=secret, _external=True), "id": info.id}
        return render_people(key, pid)

    @app.post("/coordinator/<key>/invitations/<int:invitation>/revoke")
    def invitation_revoke(key: str, invitation: int) -> Any:
        pid = require_person()
        check_csrf()
        try:
            enrolment.revoke_invitation(engine(), key, pid, invitation)
            flash(_("The invitation link no longer works."), "success")
        except UserError as error:
            if error.status == 403:
                raise
            flash(error.message, "error")
        return back(key, "#invitations-heading")

    def join_page(secret: str, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> str:
        invited, workflow, form = _profile_form(secret)
        return render_template("join.html", secret=secret, programme_name=workflow.name(),
                               role=workflow.role_label(invited.role),
                               fields=fields(form, values or {}) if form is not None else [],
                               action={"errors": errors or {}})

    @app.get("/join/<secret>")
    def join(secret: str) -> Any:
        require_person()
        return join_page(secret)

    @app.post("/join/<secret>")
    def join_accept(secret: str) -> Any:
        pid = require_person()
        check_csrf()
        _invited, _workflow, form = _profile_form(secret)
        posted = {k: v for k, v in request.form.items() if k != "csrf"}
        try:
            profile = decode(form, posted) if form is not None else None
            result = enrolment.accept(engine(), secret, pid, profile)
        except FormDecodeError as error:
            return join_page(secret, posted, {error.field: error.message}), 422
        except FormInvalid as error:
            return join_page(secret, posted, {p.pointer.lstrip("/").split("/")[0] or "_form": p.message
                                              for p in error.problems}), 422
        if result["status"] == "pending":
            flash(_("Thank you: a coordinator will look at your application."), "success")
        elif result["status"] == "already":
            flash(_("You are enrolled already."), "success")
        else:
            flash(_("You are enrolled."), "success")
        return redirect(url_for("my_applications"))

    @app.get("/me/applications")
    def my_applications() -> Any:
        pid = require_person()
        return render_template("applications.html", applications=enrolment.my_applications(engine(), pid),
                               enrolled=[p for p in engine().programmes(pid) if set(p["roles"]) - {"coordinator"}])
