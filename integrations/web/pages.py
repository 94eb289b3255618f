"""Participant pages and the coordinator dashboard (server-rendered, English and Danish).

Pages use the browser session (set by an LMS launch or, in demo mode, the
start page). Every page asks the engine and :mod:`mentorflow.policy` what
the signed-in person may see and do; forms post with a CSRF token.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections import Counter
from datetime import timedelta
from typing import Any, cast

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from jinja2 import ChoiceLoader
from sqlalchemy import select

from mentorflow import charts
from mentorflow.db.models import AuditEvent, Relationship
from mentorflow.engine import Engine
from mentorflow.errors import Forbidden, FormInvalid, UserError
from mentorflow.i18n import (
    _,
    format_date,
    format_day_month,
    format_time,
    get_locale,
    locale_name,
    localized,
    ngettext,
    supported_locales,
)
from mentorflow.integrations.shared import views
from mentorflow.integrations.shared.forms import SEEN_VERSION, FormDecodeError
from mentorflow.integrations.shared.rendering import safe_output, shared_loader
from mentorflow.panels import PageContext, page_panels
from mentorflow.workflow.diagram import to_dot, to_mermaid

from . import exports, language
from .auth import safe_next, sign_in, sign_out


def engine() -> Engine:
    return current_app.extensions["mentorflow"].engine


def settings() -> Any:
    return current_app.extensions["mentorflow"].settings


def person_id() -> int | None:
    value = session.get("person_id")
    return int(value) if value is not None else None


def require_person() -> int:
    pid = person_id()
    if pid is None:
        abort(401)
    return pid


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    sent = request.form.get("csrf", "")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        raise Forbidden(_("The form has expired; reload the page and try again."))


def _relationship_view(snap: Any, viewer: int) -> dict[str, Any]:
    return views.relationship_view(engine(), snap, viewer)


def install_pages(app: Flask) -> None:
    # The relationship panel (and its stages and fields) comes from the templates the XBlock shares.
    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, shared_loader()])  # type: ignore[list-item]
    app.jinja_env.finalize = safe_output  # set before any template compiles: stored bad text never 500s a page
    app.jinja_env.globals.update(_=_, ngettext=ngettext, csrf_token=csrf_token, get_locale=get_locale,
                                 localized=localized, supported_locales=supported_locales, locale_name=locale_name,
                                 format_date=format_date, format_time=format_time)

    from .branding import install_branding

    install_branding(app)

    @app.context_processor
    def common() -> dict[str, Any]:
        pid = person_id()
        me = engine().person(pid) if pid is not None else None
        coordinates = [p for p in engine().programmes(pid)] if pid is not None else []
        return {"me": me, "demo": settings().demo,
                "coordinated": [p for p in coordinates if "coordinator" in p["roles"]]}

    @app.get("/")
    def index() -> Any:
        if person_id() is not None:
            return redirect(url_for("my_relationships"))
        people = None
        if settings().demo:
            from .demo import demo_people

            people = demo_people(engine())
        return render_template("index.html", people=people)

    @app.post("/demo/enter/<int:pid>")
    def demo_enter(pid: int) -> Any:
        if not settings().demo:
            abort(404)
        check_csrf()
        engine().person(pid)
        sign_in(pid)
        coordinated = [p for p in engine().programmes(pid) if "coordinator" in p["roles"]]
        if coordinated:
            return redirect(url_for("dashboard", key=coordinated[0]["key"]))
        return redirect(url_for("my_relationships"))

    @app.post("/signout")
    def signout() -> Any:
        check_csrf()
        sign_out()
        return redirect(url_for("index"))

    @app.get("/lang/<code>")
    def choose_language(code: str) -> Any:
        if code in supported_locales():
            language.choose(engine(), person_id(), code)
        return redirect(safe_next(request.args.get("next")))

    @app.get("/me")
    def my_relationships() -> Any:
        pid = require_person()
        views = []
        for snap in engine().relationships_of(pid):
            view = _relationship_view(snap, pid)
            view["next"] = engine().next_step(snap, pid)  # the one next step, in one line (#16)
            views.append(view)
        return render_template("me.html", relationships=views, panels=page_panels(engine(), _page("me", pid, None)))

    @app.get("/relationships/<int:rid>")
    def relationship_page(rid: int) -> Any:
        return _render_relationship(rid)

    @app.post("/relationships/<int:rid>/fire/<transition>")
    def fire(rid: int, transition: str) -> Any:
        pid = require_person()
        check_csrf()
        snap = views.visible_relationship(engine(), rid, pid)
        chosen = views.find_transition(engine(), snap, transition)
        posted = {k: v for k, v in request.form.items() if k not in ("csrf", SEEN_VERSION)}
        seen = request.form.get(SEEN_VERSION, "")
        try:
            result = views.submit(engine(), snap, chosen, pid, posted, int(seen) if seen.isdigit() else snap.version)
        except FormDecodeError as error:
            return _render_relationship(rid, transition, posted, views.decode_errors(error)), 422
        except FormInvalid as error:
            return _render_relationship(rid, transition, posted, views.field_errors(error.problems)), 422
        except UserError as error:
            flash(error.message, "error")
            return redirect(url_for("relationship_page", rid=rid))
        if pid in snap.member_ids and pid not in result.relationship.member_ids:
            # They have just left the group: its page is no longer theirs to see.
            flash(_("You have left: {action}").format(action=chosen.title()), "success")
            return redirect(url_for("my_relationships"))
        flash(_("Done: {action}").format(action=chosen.title()), "success")
        return redirect(url_for("relationship_page", rid=rid))

    @app.get("/coordinator/<key>")
    def dashboard(key: str) -> Any:
        pid = require_person()
        _require_coordinator(key, pid)
        from .console_pages import bulk_actions

        return render_template("dashboard.html", **_dashboard(key), bulk_actions=bulk_actions(key))

    @app.get("/coordinator/<key>/export.csv")
    def export_csv(key: str) -> Any:
        """The relationships as CSV (the address older links use; see :func:`export_table`)."""
        return export_table(key, "relationships", "csv")

    @app.get("/coordinator/<key>/export/<table>.<fmt>")
    def export_table(key: str, table: str, fmt: str) -> Any:
        """A dashboard table as CSV or XLSX: ``relationships`` (``state`` and ``q`` as the table's filter),
        ``overdue``, ``stages`` or ``activity``."""
        pid = require_person()
        _require_coordinator(key, pid)
        if fmt not in exports.FORMATS or table not in DASHBOARD_TABLES:
            abort(404)
        return exports.download(_dashboard_table(key, table, pid), fmt)

    @app.get("/coordinator/<key>/diagram.svg")
    def diagram_svg(key: str) -> Any:
        pid = require_person()
        _require_coordinator(key, pid)
        _version, workflow = engine().current_workflow(key)
        dot = shutil.which("dot")
        if dot is None:
            abort(404)
        svg = subprocess.run([dot, "-Tsvg"], input=to_dot(workflow).encode(), capture_output=True, timeout=10,
                             check=True).stdout
        return Response(svg, mimetype="image/svg+xml")


    from .console_pages import install_console

    install_console(app)  # the relationship table's bulk actions (remind, close, export)
    from .console_programme_pages import install_programme_pages

    install_programme_pages(app)  # programmes from templates, their versions and coordinators
    from .console_people_pages import install_people_pages

    install_people_pages(app)  # a programme's people, their relationships, enrolment by CSV
    from .console_enrolment_pages import install_enrolment_pages

    install_enrolment_pages(app)  # approval, applicants, invitation links, joining through one


def _render_relationship(rid: int, open_transition: str | None = None, values: dict[str, Any] | None = None,
                         errors: dict[str, str] | None = None) -> str:
    pid = require_person()
    snap = views.visible_relationship(engine(), rid, pid)
    history = request.args.get("history", "1")
    panel = views.relationship_panel(engine(), snap, pid, open_transition, values, errors,
                                     int(history) if history.isdigit() and 0 < len(history) < 7 else 1)
    panels = page_panels(engine(), _page("relationship", pid, None, relationship=snap))
    return render_template("relationship.html", **panel, h=2, id_prefix="", panels=panels,
                           programme_key=next((p["key"] for p in engine().programmes(pid)
                                               if p["id"] == snap.programme_id), None),
                           form_url=lambda transition: url_for("fire", rid=snap.id, transition=transition),
                           history_url=lambda page: url_for("relationship_page", rid=snap.id, history=page,
                                                            _anchor="history"),
                           hidden_fields=[("csrf", csrf_token())])


PANEL_FLASH = "panel:"
"""Flash categories ``panel:<panel id>:<success|error>`` are shown by that panel next to its buttons (base.html
leaves them out): the post redirects to the panel's anchor, and a message at the top of the page is not seen there."""


def flash_for_panel(panel: str, message: str, category: str = "success") -> None:
    """Flash ``message`` for the page panel ``panel`` to show (see :attr:`mentorflow.panels.PageContext.notices`)."""
    flash(message, f"{PANEL_FLASH}{panel}:{category}")


def _panel_notices() -> tuple[tuple[str, str, str], ...]:
    notices = []
    flashed = cast(list[tuple[str, str]], get_flashed_messages(with_categories=True))
    for category, message in flashed:
        if category.startswith(PANEL_FLASH):
            panel, _sep, level = category[len(PANEL_FLASH):].rpartition(":")
            notices.append((panel, level, message))
    return tuple(notices)


def _page(name: str, pid: int, programme: str | None, **more: Any) -> PageContext:
    """What plugins' page panels are told about the page being rendered (see :mod:`mentorflow.panels`)."""
    return PageContext(page=name, viewer=pid, locale=get_locale(), programme=programme, host="web",
                       base_url=request.script_root, hidden_fields=(("csrf", csrf_token()),),
                       notices=_panel_notices(), **more)


def _require_coordinator(key: str, pid: int) -> None:
    if "coordinator" not in engine().programme_roles(key, pid):
        raise Forbidden(_("Only a coordinator of programme '{key}' may see this.").format(key=key))


def _dashboard(key: str) -> dict[str, Any]:
    eng = engine()
    pid = require_person()
    _version_id, workflow = eng.current_workflow(key)
    # The programme's figures from maintained summary rows (the figures plugin), once per request; the
    # panels of the plugins ask for the same answer through ``page.cached``. Without such a plugin the
    # figures are computed afresh here.
    memo: dict[str, Any] = {FIGURES: eng.pm.hook.mentorflow_programme_figures(engine=eng, programme=key, actor=pid)}
    figures = memo[FIGURES]

    def cached(name: str, compute: Any) -> Any:  # for this request only: the summary rows make figures cheap
        if name not in memo:
            memo[name] = compute()
        return memo[name]

    fmt = workflow.format
    if figures is not None:
        counts = {name[len("stage."):]: int(value) for name, value in figures.totals.items()
                  if name.startswith("stage.")}
        members = {name[len("members.stage."):]: int(value) for name, value in figures.totals.items()
                   if name.startswith("members.stage.")}
        activity = [(format_day_month(week), n) for week, n in figures.week_counts()]
        overdue, overdue_total = _overdue_from(eng, figures, workflow), figures.overdue_total
        figures_at = figures.at
    else:
        counts = eng.count_relationships(key)
        members = {} if fmt.is_pair else exports.members_per_state(eng, key)
        overdue, overdue_total = _overdue(eng, key, workflow)
        activity, figures_at = _weekly_activity(eng, key), eng.clock.now()
    per_stage = [(s.title(), counts.get(s.id, 0)) for s in workflow.states.values()]
    # Not pairs: relationships and members are counted separately and both shown, each saying which it is.
    members_per_stage = None if fmt.is_pair else [members.get(s.id, 0) for s in workflow.states.values()]
    state_filter = request.args.get("state") or None
    search = (request.args.get("q") or "").strip().lower()
    page_arg = request.args.get("page", "1")
    page = max(1, int(page_arg)) if page_arg.isdigit() else 1
    per_page = 25
    # Filtered, searched and paged in the database: a programme may hold 100,000 relationships.
    shown, matches = eng.list_relationships(programme=key, state=state_filter, search=search, limit=per_page,
                                            offset=(page - 1) * per_page)
    names = eng.display_names({p for s in shown for p in s.member_ids})
    people_roles = exports.people_roles(fmt)
    rows = [{"snap": s, "people": ["; ".join(names.get(p, "") for p in s.people(role)) for role in people_roles],
             "state": eng.workflow_by_version(s.workflow_version_id).states[s.state].title()} for s in shown]
    pages = max(1, (matches + per_page - 1) // per_page)
    panels = page_panels(eng, _page("dashboard", pid, key, cached=cached))
    return {"key": key, "workflow": workflow, "programme_name": workflow.name(), "total": sum(counts.values()),
            "members_per_stage": members_per_stage, "members_total": sum(members_per_stage or ()),
            "people_roles": [workflow.role_label(role) for role in people_roles],
            "stage_chart": charts.bar_chart(_("Relationships per stage"), per_stage), "per_stage": per_stage,
            "activity_chart": charts.column_chart(_("Reflections per week"), activity), "activity": activity,
            "rows": rows, "matches": matches, "page": page, "pages": pages, "page_links": _page_links(page, pages),
            "state_filter": state_filter, "search": search, "overdue": overdue, "overdue_total": overdue_total,
            "mermaid": to_mermaid(workflow), "has_dot": shutil.which("dot") is not None,
            "figures_at": figures_at, "panels": panels,
            "states": list(workflow.states.values())}


DASHBOARD_TABLES = ("relationships", "overdue", "stages", "activity")
"""The dashboard's tables, each downloadable as CSV and XLSX (:mod:`.exports`)."""


def _activity(eng: Engine, key: str, pid: int) -> list[tuple[str, float]]:
    """Reflections per week, as the dashboard shows them (from the summary rows when the figures plugin keeps them)."""
    figures = eng.pm.hook.mentorflow_programme_figures(engine=eng, programme=key, actor=pid)
    if figures is None:
        return _weekly_activity(eng, key)
    return [(format_day_month(week), n) for week, n in figures.week_counts()]


def _dashboard_table(key: str, table: str, pid: int) -> exports.Table:
    eng = engine()
    if table == "relationships":
        return exports.relationships_table(eng, key, state=request.args.get("state") or None,
                                           search=(request.args.get("q") or "").strip().lower() or None,
                                           batch=EXPORT_BATCH)
    if table == "stages":
        return exports.stages_table(eng, key)
    _version_id, workflow = eng.current_workflow(key)
    if table == "activity":
        activity = _activity(eng, key, pid)
        return exports.figures_table(key, "activity", ["week_starting", "reflections"],
                                     lambda: ([label, value] for label, value in activity))

    def overdue() -> Any:  # every overdue duty, not only the most overdue the page lists
        return ([o["relationship"], o["name"], o["role"], o["timer"], o["days"]]
                for o in _overdue(eng, key, workflow, everything=True)[0])

    return exports.figures_table(key, "overdue", ["relationship", "person", "role", "duty", "days_overdue"], overdue)


FIGURES = "programme_figures"
"""The name under which ``page.cached`` holds the answer of ``mentorflow_programme_figures`` on the dashboard."""


def _page_links(page: int, pages: int) -> list[int | None]:
    """The page numbers to link: the first, the last and two either side of ``page``; None marks a gap."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[int | None] = []
    for number in wanted:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


def _weekly_activity(eng: Engine, key: str, weeks: int = 12) -> list[tuple[str, float]]:
    """Reflections recorded in each of the last ``weeks`` ISO weeks (Monday to Sunday, UTC), from the audit log.

    Only transitions that record a reflection count (``reflections.record``), as in the programme's health:
    other duty-fulfilling transitions of a recurring timer are not reflections. (Used when no plugin keeps
    the figures; docs/figures.md.)
    """
    now = eng.clock.now()
    monday = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=now.weekday())
    start = monday - timedelta(weeks=weeks - 1)
    A, R = AuditEvent.__table__, Relationship.__table__
    pid = eng.programme_id(key)
    with eng.read() as conn:
        versions = conn.execute(select(R.c.workflow_version_id).where(R.c.programme_id == pid).distinct()).scalars()
        recording = {t.id for v in versions for t in eng.workflow_by_version(v, conn).transitions.values()
                     if any(e.name == REFLECTION_EFFECT for e in t.effects)}
        if not recording:
            return []
        times = conn.execute(select(A.c.at).join(R, R.c.id == A.c.relationship_id).where(
            R.c.programme_id == pid, A.c.transition.in_(sorted(recording)), A.c.at >= start)).scalars().all()
    from mentorflow.clock import as_utc

    buckets = Counter(min(weeks - 1, int((as_utc(t) - start).days // 7)) for t in times)
    return [(format_day_month(start + timedelta(weeks=i)), float(buckets.get(i, 0))) for i in range(weeks)]


REFLECTION_EFFECT = "reflections.record"
"""The effect that records a reflection: what "Reflections per week" counts when no plugin keeps the figures."""


def _overdue_from(eng: Engine, figures: Any, workflow: Any) -> list[dict[str, Any]]:
    """The overdue list from the figures' passed reflection deadlines, with days overdue and names."""
    shown = figures.overdue[:OVERDUE_SHOWN]
    names = eng.display_names({o["person"] for o in shown if o["person"] is not None})
    return [{"relationship": o["relationship"], "role": workflow.role_label(o["role"]) if o["role"] else "",
             "days": (figures.at - o["due_at"]).days, "timer": o["label"] or "", "person": o["person"],
             "name": names.get(o["person"], "—")} for o in shown]


EXPORT_BATCH = exports.EXPORT_BATCH
"""Relationships read per query while the CSV export streams."""
OVERDUE_SHOWN = 50
"""The dashboard lists the most overdue duties; the rest are counted (the reminder scan chases them all)."""


def _overdue(eng: Engine, key: str, workflow: Any, everything: bool = False) -> tuple[list[dict[str, Any]], int]:
    """The most overdue recurring duties (e.g. reflections), with how many days, and how many are overdue in all.

    The same indexed due-duty query the reminder scan uses (:func:`mentorflow.timers.duties`),
    for each workflow version the programme's open relationships run on. ``everything``: all of them (the export),
    not only the :data:`OVERDUE_SHOWN` most overdue.
    """
    from mentorflow.timers import duties

    now = eng.clock.now()
    R = Relationship.__table__
    pid = eng.programme_id(key)
    out = []
    with eng.read() as conn:
        versions = conn.execute(select(R.c.workflow_version_id).where(
            R.c.programme_id == pid, R.c.closed_at.is_(None)).distinct()).scalars().all()
        for version_id in versions:
            pinned = eng.workflow_by_version(version_id, conn)
            for timer in (t for t in pinned.timers if t.kind == "recurring" and t.every):
                for duty in duties(conn, version_id, pinned, timer, now):
                    if duty.due_at < now:
                        out.append({"relationship": duty.relationship_id, "role": pinned.role_label(duty.role),
                                    "days": duty.overdue_by(now).days,
                                    "timer": localized(timer.label) or timer.id, "person": duty.person_id})
    shown = sorted(out, key=lambda o: (-o["days"], o["relationship"]))[:None if everything else OVERDUE_SHOWN]
    names = eng.display_names({o["person"] for o in shown if o["person"] is not None})
    for o in shown:
        o["name"] = names.get(o["person"], "—")
    return shown, len(out)
