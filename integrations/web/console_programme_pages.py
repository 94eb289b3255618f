"""The console's programme pages (issue #17): a new programme from a template, its versions and its coordinators.

``GET /console/programmes/new`` and ``POST /console/programmes`` create a programme;
``GET /coordinator/<key>/programme`` lists its versions and coordinators;
``POST /coordinator/<key>/coordinators`` grants
and ``POST /coordinator/<key>/coordinators/<person>/revoke`` revokes. The checks live in :mod:`.console_programmes`
(and so in :mod:`mentorflow.policy`); a refused input is shown at its field, nothing written.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, render_template, request, url_for

from mentorflow.errors import ProblemsError, UserError
from mentorflow.i18n import _

from . import console_programmes as programmes
from .pages import check_csrf, engine, require_person


def field_errors(error: ProblemsError) -> dict[str, str]:
    """Each problem's message by its JSON pointer (the first per field), for the form to show at the field."""
    errors: dict[str, str] = {}
    for problem in error.problems:
        errors.setdefault(problem.pointer, problem.message)
    return errors


def install_programme_pages(app: Flask) -> None:
    def new_form(values: dict[str, Any], errors: dict[str, str]) -> str:
        return render_template("programme_new.html", templates=programmes.templates(engine()), values=values,
                               errors=errors)

    @app.get("/console/programmes/new")
    def programme_new() -> Any:
        require_person()
        return new_form({"template": request.args.get("template", "")}, {})

    @app.post("/console/programmes")
    def programme_create() -> Any:
        pid = require_person()
        check_csrf()
        form = request.form
        values = {"template": form.get("template", ""), "key": form.get("key", ""),
                  "name_en": form.get("name_en", ""), "name_da": form.get("name_da", "")}
        try:
            created = programmes.create_from_template(
                engine(), pid, values["template"], values["key"], {"en": values["name_en"], "da": values["name_da"]})
        except ProblemsError as error:
            return new_form(values, field_errors(error)), 422
        flash(_("Programme {key} is created from the template; you coordinate it.").format(key=created["key"]),
              "success")
        return redirect(url_for("programme_page", key=created["key"]))

    @app.get("/coordinator/<key>/programme")
    def programme_page(key: str) -> Any:
        pid = require_person()
        eng = engine()
        found = programmes.versions(eng, key, pid)  # checks that the person coordinates it
        _version_id, workflow = eng.current_workflow(key)
        return render_template("programme.html", key=key, programme_name=workflow.name(), versions=found,
                               coordinators=programmes.coordinators(eng, key, pid),
                               candidates=programmes.candidates(eng, key, pid), me_id=pid)

    @app.post("/coordinator/<key>/coordinators")
    def coordinator_grant(key: str) -> Any:
        pid = require_person()
        check_csrf()
        try:
            if programmes.grant_coordinator(engine(), key, pid, request.form.get("person_id", "")):
                flash(_("{name} now coordinates the programme.").format(
                    name=engine().person(int(request.form["person_id"]))["display_name"]), "success")
            else:
                flash(_("They coordinate the programme already."), "success")
        except ProblemsError as error:
            flash(" ".join(p.message for p in error.problems), "error")
        except UserError as error:
            if error.status == 403:
                raise
            flash(error.message, "error")
        return redirect(url_for("programme_page", key=key) + "#coordinators-heading")

    @app.post("/coordinator/<key>/coordinators/<int:person>/revoke")
    def coordinator_revoke(key: str, person: int) -> Any:
        pid = require_person()
        check_csrf()
        try:
            name = engine().display_names([person]).get(person, "")
            programmes.revoke_coordinator(engine(), key, pid, person)
            flash(_("{name} no longer coordinates the programme.").format(name=name), "success")
        except UserError as error:
            if error.status == 403:
                raise
            flash(error.message, "error")
        if person == pid:
            return redirect(url_for("my_relationships"))
        return redirect(url_for("programme_page", key=key) + "#coordinators-heading")
