"""The matching plugin on the web service: its REST routes (``/api/v1/.../matching/...``) and the two buttons of
the dashboard's matching review panel (run matching, approve a proposal, follow and cancel a running run), mounted
through ``mentorflow_web_blueprints``.

Coordinators only: who may manage a run is decided by :func:`mentorflow.policy.coordinates` here and in
:mod:`.api`; a run or proposal of a programme the principal does not manage is answered as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify, redirect
from sqlalchemy import select

from mentorflow import policy
from mentorflow.engine import Engine
from mentorflow.errors import Forbidden, NotFound, TransitionError, UserError
from mentorflow.i18n import _, ngettext
from mentorflow.integrations.web.plugin_api import (
    api_blueprint,
    check_csrf,
    dashboard_url,
    flash_for_panel,
    in_token_scope,
    int_field,
    json_body,
    plain,
    principal,
    require_coordinator,
    require_known_programme,
    require_person,
)

from .api import approve, approve_group, cancel_run, get_run, list_runs, override, run_matching
from .models import GroupProposal, Proposal, Run
from .panels import run_status
from .settings import uses_matching

ALGORITHMS = ("optimal", "greedy")


def _matching_scope(engine: Engine, run_id: int | None = None, proposal_id: int | None = None,
                    group_id: int | None = None) -> None:
    """404 unless the principal may manage the run's (or proposal's) programme, the same 404 as for an id that
    does not exist: answering 403 for someone else's run would tell who guesses ids which runs exist.

    Allowed are the system (an administrator token) and the programme's coordinators
    (:func:`mentorflow.policy.coordinates`), and only within a limited token's programmes.
    """
    who = principal()
    runs, proposals, groups = Run.__table__, Proposal.__table__, GroupProposal.__table__
    if run_id is not None:
        query = select(runs.c.programme_id).where(runs.c.id == run_id)
    elif group_id is not None:
        query = select(runs.c.programme_id).join(groups, groups.c.run_id == runs.c.id).where(groups.c.id == group_id)
    else:
        query = select(runs.c.programme_id).join(proposals, proposals.c.run_id == runs.c.id).where(
            proposals.c.id == proposal_id)
    with engine.read() as conn:
        programme_id = conn.execute(query).scalar()
        allowed = programme_id is not None and in_token_scope(who, programme_id) and policy.coordinates(
            conn, programme_id, who.actor)
    if not allowed:
        raise NotFound(_("Matching run {id} does not exist.").format(id=run_id) if run_id is not None
                       else _("Group proposal {id} does not exist.").format(id=group_id) if group_id is not None
                       else _("Proposal {id} does not exist.").format(id=proposal_id))


def blueprints(engine: Engine) -> list[Blueprint]:
    """The REST routes and the review panel's form posts, closing over ``engine``."""
    bp, api = api_blueprint("matching_api", __name__)

    @api.route("/programmes/<key>/matching/runs", "GET", summary="Matching runs of a programme (coordinators)",
               tag="matching")
    def list_matching_runs(key: str) -> Any:
        require_known_programme(key)
        return {"items": plain(list_runs(engine, key, principal().actor))}

    @api.route("/programmes/<key>/matching/runs", "POST",
               summary="Run matching and store the proposals (coordinators)", tag="matching", status=201,
               body={"type": "object", "properties": {"algorithm": {"enum": list(ALGORITHMS)}}})
    def post_matching_run(key: str) -> Any:
        require_known_programme(key)
        algorithm = json_body().get("algorithm")
        if algorithm is not None and algorithm not in ALGORITHMS:
            raise UserError(_("algorithm must be optimal or greedy."))
        return plain(run_matching(engine, key, principal().actor, algorithm=algorithm)), 201

    @api.route("/matching/runs/<int:run_id>", "GET", summary="A matching run with every proposal and its breakdown",
               tag="matching")
    def get_matching_run(run_id: int) -> Any:
        _matching_scope(engine, run_id=run_id)
        return plain(get_run(engine, run_id, principal().actor))

    @api.route("/matching/proposals/<int:proposal_id>/approve", "POST",
               summary="Approve a proposal: the relationship starts in its initial state (coordinators)",
               tag="matching")
    def approve_proposal(proposal_id: int) -> Any:
        _matching_scope(engine, proposal_id=proposal_id)
        return plain(approve(engine, proposal_id, principal().actor))

    @api.route("/matching/groups/<int:group_id>/approve", "POST",
               summary="Approve a proposed group, circle or co-mentoring team: one relationship with all its members",
               tag="matching")
    def approve_group_proposal(group_id: int) -> Any:
        _matching_scope(engine, group_id=group_id)
        return plain(approve_group(engine, group_id, principal().actor))

    @api.route("/matching/proposals/<int:proposal_id>/override", "POST",
               summary="Give a proposal's mentee another mentor (coordinators)", tag="matching",
               body={"type": "object", "required": ["mentor_id"], "properties": {"mentor_id": {"type": "integer"}}})
    def override_proposal(proposal_id: int) -> Any:
        _matching_scope(engine, proposal_id=proposal_id)
        mentor = int_field(json_body(("mentor_id",)), "mentor_id")
        return plain(override(engine, proposal_id, mentor, principal().actor))

    @api.route("/matching/runs/<int:run_id>/cancel", "POST",
               summary="Ask a running matching run to stop at its next block or round (coordinators)",
               tag="matching", status=202)
    def cancel_matching_run(run_id: int) -> Any:
        _matching_scope(engine, run_id=run_id)
        cancel_run(engine, run_id, principal().actor)  # 409 when the run is no longer running
        return {"id": run_id, "status": "running", "cancel_requested": True}, 202

    pages = Blueprint("matching_pages", __name__, static_folder="static", static_url_path="/matching/static")

    @pages.get("/coordinator/<key>/matching/runs/<int:run_id>/status")
    def dashboard_run_status(key: str, run_id: int) -> Any:
        """The panel's status line of a run, for its script to refresh (the same text the panel shows)."""
        pid = require_person()
        require_coordinator(key, pid)
        status = _page_run_status(engine, key, run_id, pid)
        if status is None:
            raise NotFound(_("Matching run {id} does not exist.").format(id=run_id))
        response = jsonify(status)
        response.headers["Cache-Control"] = "no-store"
        return response

    @pages.post("/coordinator/<key>/matching/runs/<int:run_id>/cancel")
    def dashboard_cancel(key: str, run_id: int) -> Any:
        pid = require_person()
        check_csrf()
        require_coordinator(key, pid)
        back = redirect(dashboard_url(key) + "#matching-heading")
        if _page_run_status(engine, key, run_id, pid) is None:  # another programme's run reads as a missing one
            flash_for_panel("matching", _("Matching run {id} does not exist.").format(id=run_id), "error")
            return back
        try:
            cancel_run(engine, run_id, pid)
        except TransitionError as error:
            flash_for_panel("matching", error.message, "error")
            return back
        flash_for_panel("matching", _("Cancelling: the run stops at its next step and proposes nothing."), "success")
        return back

    @pages.post("/coordinator/<key>/matching/run")
    def dashboard_run_matching(key: str) -> Any:
        pid = require_person()
        check_csrf()
        require_coordinator(key, pid)
        if not uses_matching(engine.current_workflow(key)[1].document):
            # No panel to show the answer in (it is only there for programmes that use matching): a 404 page.
            raise NotFound(_("Programme '{key}' does not use matching.").format(key=key))
        back = redirect(dashboard_url(key) + "#matching-heading")
        try:
            result = run_matching(engine, key, pid)
        except UserError as error:
            flash_for_panel("matching", error.message, "error")
            return back
        if result.groups:
            formed = len(result.groups)
            flash_for_panel("matching", ngettext("Matching proposed {n} group.", "Matching proposed {n} groups.",
                                                 formed).format(n=formed), "success")
            return back
        paired = sum(1 for p in result.proposals if p.mentor_id is not None)
        flash_for_panel("matching", ngettext("Matching proposed {n} pair.", "Matching proposed {n} pairs.",
                                             paired).format(n=paired), "success")
        return back

    def approve_on_page(key: str, approving: Callable[[int], Any], missing: str, done: str) -> Any:
        """The panel's Approve buttons (a pair, a group): CSRF, the programme's coordinator, the answer in the panel.

        Someone else's proposal reads as ``missing``, the answer for one that does not exist.
        """
        pid = require_person()
        check_csrf()
        require_coordinator(key, pid)
        if not uses_matching(engine.current_workflow(key)[1].document):
            raise NotFound(_("Programme '{key}' does not use matching.").format(key=key))  # no panel to answer in
        back = redirect(dashboard_url(key) + "#matching-heading")
        try:
            approving(pid)
        except Forbidden:
            flash_for_panel("matching", missing, "error")
            return back
        except UserError as error:
            flash_for_panel("matching", error.message, "error")
            return back
        flash_for_panel("matching", done, "success")
        return back

    @pages.post("/coordinator/<key>/matching/approve-group/<int:group_id>")
    def dashboard_approve_group(key: str, group_id: int) -> Any:
        return approve_on_page(key, lambda pid: approve_group(engine, group_id, pid),
                               _("Group proposal {id} does not exist.").format(id=group_id),
                               _("Approved: the group's relationship has started with all its members."))

    @pages.post("/coordinator/<key>/matching/approve/<int:proposal_id>")
    def dashboard_approve(key: str, proposal_id: int) -> Any:
        return approve_on_page(key, lambda pid: approve(engine, proposal_id, pid),
                               _("Proposal {id} does not exist.").format(id=proposal_id),
                               _("Approved: the relationship has started."))

    return [bp, pages]


def _page_run_status(engine: Engine, key: str, run_id: int, viewer: int) -> dict[str, Any] | None:
    """The run's status for the panel, or None when it is not a run of programme ``key`` (the caller coordinates
    ``key``, checked before)."""
    for run in list_runs(engine, key, viewer):
        if run.id == run_id:
            return run_status(run)
    return None
