"""REST API v1 for the lifecycle and matching plugins: agreements, goals, reflections, meetings,
adjustments, closure, programme health and matching runs.

Reads go through each plugin's query functions, which decide visibility
through :mod:`mentorflow.policy`; changes to a relationship go through
``POST /relationships/{id}/transitions/{transition}`` (one audited
transaction each). A plugin that is not loaded answers 404.
"""

from __future__ import annotations

import dataclasses
import importlib
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from mentorflow.durations import format_duration
from mentorflow.errors import Forbidden, NotFound, UserError
from mentorflow.i18n import _

from .api_core import _principal, _programme_roles, _visible_relationship, api, engine, in_token_scope
from .requests import int_field, json_body


def plain(value: Any) -> Any:
    """JSON-ready data from the plugins' dataclasses."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):  # a closed relationship's duration: ISO 8601, like the workflow's periods
        return format_duration(value)
    if isinstance(value, Enum):
        return value.value
    return value


def plugin_api(name: str) -> Any:
    """The ``api`` module of a loaded plugin, or a 404 naming the plugin."""
    if engine().pm.get_plugin(name) is None:
        raise NotFound(_("The '{name}' plugin is not enabled on this installation.").format(name=name))
    return importlib.import_module(f"mentorflow.plugins.{name}.api")


def _person_actor() -> Any:
    principal = _principal()
    if principal.person_id is None:
        raise Forbidden(_("This is read as a person; administrator tokens act for one with X-Mentorflow-Act-As."))
    return principal.actor


def _matching_scope(run_id: int | None = None, proposal_id: int | None = None) -> None:
    """404 unless the principal may manage the run's (or proposal's) programme, the same 404 as for an id that
    does not exist: answering 403 for someone else's run would tell who guesses ids which runs exist.

    Allowed are the system (an administrator token) and the programme's coordinators
    (:func:`mentorflow.policy.coordinates`), and only within a limited token's programmes.
    """
    from sqlalchemy import select

    from mentorflow import policy

    principal = _principal()
    models = importlib.import_module("mentorflow.plugins.matching.models")
    runs, proposals = models.Run.__table__, models.Proposal.__table__
    query = select(runs.c.programme_id).where(runs.c.id == run_id) if run_id is not None else select(
        runs.c.programme_id).join(proposals, proposals.c.run_id == runs.c.id).where(proposals.c.id == proposal_id)
    with engine().read() as conn:
        programme_id = conn.execute(query).scalar()
        allowed = programme_id is not None and in_token_scope(principal, programme_id) and policy.coordinates(
            conn, programme_id, principal.actor)
    if not allowed:
        raise NotFound(_("Matching run {id} does not exist.").format(id=run_id) if run_id is not None
                       else _("Proposal {id} does not exist.").format(id=proposal_id))


def _require_known_programme(principal: Any, key: str) -> None:
    """404 for a programme the principal has no role in, as for one that does not exist (as ``GET /programmes/{key}``
    answers); those with a role but not a coordinator's get the plugin's 403, since they know it exists."""
    if not _programme_roles(principal, key):
        raise NotFound(_("Programme '{key}' does not exist.").format(key=key))


def _relationship_read(relationship_id: int) -> tuple[Any, Any]:
    principal = _principal()
    snap, _viewer = _visible_relationship(principal, relationship_id)
    return snap, _person_actor()


@api.route("/relationships/<int:relationship_id>/agreement", "GET",
           summary="The current agreement with its signatures, and every earlier version", tag="lifecycle")
def get_agreement(relationship_id: int) -> Any:
    snap, actor = _relationship_read(relationship_id)
    agreements = plugin_api("agreements")
    return {"current": plain(agreements.current_agreement(engine(), snap, actor)),
            "history": plain(agreements.agreement_history(engine(), snap, actor))}


@api.route("/relationships/<int:relationship_id>/goals", "GET",
           summary="Goals with their progress and status, and attainment", tag="lifecycle")
def get_goals(relationship_id: int) -> Any:
    snap, actor = _relationship_read(relationship_id)
    goals = plugin_api("goals")
    return {"goals": plain(goals.list_goals(engine(), snap, actor)),
            "attainment": plain(goals.goal_attainment(engine(), snap, actor)),
            "self_assessment": plain(goals.self_assessment_growth(engine(), snap, actor))}


@api.route("/relationships/<int:relationship_id>/reflections", "GET",
           summary="Reflections visible to me and when the next ones are due", tag="lifecycle")
def get_reflections(relationship_id: int) -> Any:
    snap, actor = _relationship_read(relationship_id)
    reflections = plugin_api("reflections")
    return {"items": plain(reflections.reflections(engine(), snap, actor)),
            "status": plain(reflections.reflection_status(engine(), snap, actor))}


@api.route("/relationships/<int:relationship_id>/meetings", "GET",
           summary="Logged meetings (private notes only to their author)", tag="lifecycle")
def get_meetings(relationship_id: int) -> Any:
    snap, actor = _relationship_read(relationship_id)
    return {"items": plain(plugin_api("meetings").meetings(engine(), snap, actor))}


@api.route("/relationships/<int:relationship_id>/adjustments", "GET",
           summary="Adjustment proposals and what they changed", tag="lifecycle")
def get_adjustments(relationship_id: int) -> Any:
    snap, actor = _relationship_read(relationship_id)
    adjustments = plugin_api("adjustments")
    return {"items": plain(adjustments.proposals(engine(), snap, actor)),
            "effective_settings": plain(adjustments.effective_settings(engine(), snap, actor))}


@api.route("/relationships/<int:relationship_id>/closure", "GET",
           summary="Planned end, closure forms, the rule on contact after closure, and the closing summary",
           tag="lifecycle")
def get_closure(relationship_id: int) -> Any:
    snap, actor = _relationship_read(relationship_id)
    closure = plugin_api("closure")
    body = {"planned_end": plain(closure.planned_end(engine(), snap, actor)),
            "info": plain(closure.closure_info(engine(), snap, actor)),
            "forms": plain(closure.closure_forms(engine(), snap, actor))}
    if engine().workflow_by_version(snap.workflow_version_id).states[engine().get(snap.id).state].is_terminal:
        body["summary"] = plain(closure.closing_summary(engine(), snap, actor))
    return body


@api.route("/programmes/<key>/health", "GET",
           summary="Programme health for coordinators: reflection regularity, scores, meetings, goal attainment",
           tag="programmes")
def get_health(key: str) -> Any:
    principal = _principal()
    if "coordinator" not in _programme_roles(principal, key):
        raise Forbidden(_("Only a coordinator of programme '{key}' may do this.").format(key=key))
    body: dict[str, Any] = {}
    if engine().pm.get_plugin("reflections") is not None:
        body["reflections"] = plain(plugin_api("reflections").programme_health(engine(), key, principal.actor))
    if engine().pm.get_plugin("meetings") is not None:
        body["meetings"] = plain(plugin_api("meetings").meeting_stats(engine(), key, principal.actor))
    if engine().pm.get_plugin("goals") is not None:
        body["goals"] = plain(plugin_api("goals").programme_goal_attainment(engine(), key, principal.actor))
    return body


@api.route("/programmes/<key>/matching/runs", "GET", summary="Matching runs of a programme (coordinators)",
           tag="matching")
def list_matching_runs(key: str) -> Any:
    principal = _principal()
    _require_known_programme(principal, key)
    return {"items": plain(plugin_api("matching").list_runs(engine(), key, principal.actor))}


@api.route("/programmes/<key>/matching/runs", "POST", summary="Run matching and store the proposals (coordinators)",
           tag="matching", status=201, body={"type": "object", "properties": {
               "algorithm": {"enum": ["optimal", "greedy"]}}})
def post_matching_run(key: str) -> Any:
    principal = _principal()
    _require_known_programme(principal, key)
    body = json_body()
    algorithm = body.get("algorithm")
    if algorithm not in (None, "optimal", "greedy"):
        raise UserError(_("algorithm must be optimal or greedy."))
    result = plugin_api("matching").run_matching(engine(), key, principal.actor, algorithm=algorithm)
    return plain(result), 201


@api.route("/matching/runs/<int:run_id>", "GET", summary="A matching run with every proposal and its breakdown",
           tag="matching")
def get_matching_run(run_id: int) -> Any:
    principal = _principal()
    plugin_api("matching")
    _matching_scope(run_id=run_id)
    return plain(plugin_api("matching").get_run(engine(), run_id, principal.actor))


@api.route("/matching/proposals/<int:proposal_id>/approve", "POST",
           summary="Approve a proposal: the relationship starts in its initial state (coordinators)", tag="matching")
def approve_proposal(proposal_id: int) -> Any:
    principal = _principal()
    plugin_api("matching")
    _matching_scope(proposal_id=proposal_id)
    return plain(plugin_api("matching").approve(engine(), proposal_id, principal.actor))


@api.route("/matching/proposals/<int:proposal_id>/override", "POST",
           summary="Give a proposal's mentee another mentor (coordinators)", tag="matching",
           body={"type": "object", "required": ["mentor_id"], "properties": {"mentor_id": {"type": "integer"}}})
def override_proposal(proposal_id: int) -> Any:
    principal = _principal()
    plugin_api("matching")
    _matching_scope(proposal_id=proposal_id)
    mentor = int_field(json_body(("mentor_id",)), "mentor_id")
    return plain(plugin_api("matching").override(engine(), proposal_id, mentor, principal.actor))
