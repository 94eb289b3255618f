"""The console's people page (issue #17): a programme's people with their relationships, and enrolment by CSV.

``GET /coordinator/<key>/people`` lists them and offers the import; ``POST /coordinator/<key>/people/import`` with
``step=preview`` shows what the file would do (or every problem, by row and column, with the text kept to fix),
and with ``step=import`` enrols everyone or, on any problem, nobody. The checks are in :mod:`.enrolment_csv`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, render_template, request, url_for

from mentorflow.i18n import _

from . import console_people, enrolment_csv
from .pages import check_csrf, engine, require_person


def _uploaded() -> bytes | str:
    """The CSV as sent: an uploaded file, else the text area (what the preview keeps for the import step)."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.stream.read(enrolment_csv.MAX_BYTES + 1)
    return request.form.get("csv", "")


def render_people(key: str, pid: int, **more: Any) -> str:
    eng = engine()
    found, total = console_people.people(eng, key, pid)  # checks that the person coordinates it
    _version_id, workflow = eng.current_workflow(key)
    extra: dict[str, Any] = {"csv_text": "", "problems": None, "plans": None}
    extra.update(more)
    panels = [render(key, pid) for render in PEOPLE_SECTIONS]
    return render_template("people.html", key=key, programme_name=workflow.name(), workflow=workflow,
                           people=found, total=total, columns=enrolment_csv.COLUMNS, sections=panels, **extra)


PEOPLE_SECTIONS: list[Any] = []
"""Further sections of the people page (approval, invitations: :mod:`.console_enrolment_pages`), each
``render(key, person_id) -> html``."""


def install_people_pages(app: Flask) -> None:
    @app.get("/coordinator/<key>/people")
    def people_page(key: str) -> Any:
        return render_people(key, require_person())

    @app.post("/coordinator/<key>/people/import")
    def people_import(key: str) -> Any:
        pid = require_person()
        check_csrf()
        raw = _uploaded()
        text = raw.decode("utf-8-sig", "replace") if isinstance(raw, bytes) else raw
        try:
            if request.form.get("step") == "import":
                counts = enrolment_csv.apply(engine(), key, pid, raw)
                flash(_("Enrolled: {new} new, {enrol} given the role, {same} already enrolled.").format(
                    new=counts["new"], enrol=counts["enrol"], same=counts["unchanged"]), "success")
                return redirect(url_for("people_page", key=key))
            plans = enrolment_csv.preview(engine(), key, pid, raw)
        except enrolment_csv.ImportInvalid as error:
            kept = text if len(text) <= enrolment_csv.MAX_BYTES else ""
            return render_people(key, pid, csv_text=kept, problems=error.problems), 422
        return render_people(key, pid, csv_text=text, plans=[p.as_dict() for p in plans])
