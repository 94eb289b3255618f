"""The dashboard's bulk actions as pages: choose relationships in the table, confirm, act (see :mod:`.console`).

Plugins add actions with :func:`.plugin_api.register_bulk_action` (the reminders plugin: remind); their
confirmation posts to the plugin's own page route.

``POST /coordinator/<key>/bulk`` shows what the chosen action would do to each chosen relationship and asks to
confirm; ``POST /coordinator/<key>/bulk/<action>`` does it. Both check the CSRF token; :mod:`.console` checks that
the signed-in person coordinates the programme and that each relationship is one of its relationships.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, flash, redirect, render_template, request, url_for

from mentorflow.errors import ProblemsError
from mentorflow.i18n import _, ngettext
from mentorflow.integrations.shared.views import pair_title

from . import console, exports
from .pages import check_csrf, engine, require_person


def _ids() -> list[str]:
    return request.form.getlist("ids")


def _problems_flash(error: ProblemsError) -> None:
    flash(" ".join([error.message.splitlines()[0], *(p.message for p in error.problems)]), "error")


def bulk_actions(key: str) -> list[dict[str, str]]:
    """The actions the dashboard offers on a selection: the console's own, then the plugins' (remind)."""
    own = [{"id": "close", "label": _("Close relationships"), "url": url_for("bulk_act", key=key, action="close"),
            "explanation": _("Each relationship below moves towards its end as shown. Closed relationships can be "
                             "reopened within the programme's reopening window.")},
           {"id": "export", "label": _("Export the selection"),
            "url": url_for("bulk_act", key=key, action="export"),
            "explanation": _("Download the relationships below as a spreadsheet.")}]
    plugins = current_app.extensions.get("mentorflow_bulk_actions", {})
    return [*({"id": action, "label": str(label()), "url": url_for(endpoint, key=key),
               "explanation": str(explanation())} for action, (endpoint, label, explanation) in plugins.items()),
            *own]


def install_console(app: Flask) -> None:
    @app.post("/coordinator/<key>/bulk")
    def bulk_confirm(key: str) -> Any:
        pid = require_person()
        check_csrf()
        action = request.form.get("action", "")
        offered = {a["id"]: a for a in bulk_actions(key)}
        if action not in offered:
            flash(_("Choose what to do with the selected relationships."), "error")
            return redirect(url_for("dashboard", key=key) + "#table-heading")
        try:
            snaps = console.selection(engine(), key, pid, _ids())
        except ProblemsError as error:
            _problems_flash(error)
            return redirect(url_for("dashboard", key=key) + "#table-heading")
        eng = engine()
        names = exports.pair_names(eng, snaps)
        workflow = eng.current_workflow(key)[1]
        plans = console.plan_close(eng, snaps, pid) if action == "close" else None
        reasons: list[tuple[Any, str]] = []
        for plan in plans or ():
            if plan.transition is not None and plan.transition.form:
                reasons = [o for options in eng.form_choices(plan.relationship, pid, plan.transition.form,
                                                             "coordinator").values() for o in options]
                break
        rows = [{"snap": s, "title": pair_title(workflow, names.get(s.mentee_id or -1), names.get(s.mentor_id or -1)),
                 "plan": plans[i] if plans else None} for i, s in enumerate(snaps)]
        blocked = plans is not None and any(plan.transition is None for plan in plans)
        return render_template("bulk.html", key=key, action=action, chosen=offered[action], rows=rows,
                               reasons=reasons, programme_name=workflow.name(), blocked=blocked)

    @app.post("/coordinator/<key>/bulk/<action>")
    def bulk_act(key: str, action: str) -> Any:
        pid = require_person()
        check_csrf()
        back = redirect(url_for("dashboard", key=key) + "#table-heading")
        try:
            if action == "close":
                done = console.close(engine(), key, pid, _ids(), request.form.get("reason"))
                flash(ngettext("{n} relationship is closing or closed.", "{n} relationships are closing or closed.",
                               len(done)).format(n=len(done)), "success")
            elif action == "export":
                fmt = request.form.get("format", "csv")
                if fmt not in exports.FORMATS:
                    abort(404)
                snaps = console.selection(engine(), key, pid, _ids())
                return exports.download(exports.relationships_table(engine(), key, ids=[s.id for s in snaps]), fmt)
            else:
                abort(404)
        except ProblemsError as error:
            _problems_flash(error)
        return back
