"""The matching plugin's public functions, in one place.

Profiles::

    set_profile(engine, programme, person, role, profile, actor) -> ProfileView
    get_profile(engine, programme, person, role, viewer) -> ProfileView | None

Runs and coordinator review (coordinators and the system)::

    run_matching(engine, programme, actor, algorithm=None, store=True, progress=None, cancelled=None) -> RunResult
    cancel_run(engine, run_id, actor)  # a running run stops at its next block or round
    reap_interrupted(engine, programme_id=None)  # runs whose process died: marked failed ("interrupted")
    get_run(engine, run_id, viewer) / list_runs(engine, programme, viewer)
    approve(engine, proposal_id, actor) / approve_all(engine, run_id, actor)
    approve_group(engine, group_id, actor)  # a group, circle or co-mentoring proposal: one relationship
    override(engine, proposal_id, mentor, actor) / exclude_pair(engine, programme, mentee, mentor, actor)
    rerun(engine, run_id, actor) -> RunResult
    rematch_candidates(engine, programme, viewer) -> list[RematchCandidate]

Mentee-led matching::

    suggestions(engine, programme, mentee, viewer) -> list[Suggestion]
    set_preferences(engine, programme, mentee, mentors, actor)
    send_request(engine, programme, mentee, mentor, actor) -> RequestView
    answer_request(engine, request_id, actor, accept=..., reason=...) -> RequestView
    withdraw_request / expire_requests / list_requests

Who may do what is decided here, not by callers: strangers get
:class:`mentorflow.Forbidden`.
"""

from __future__ import annotations

from .export import write_csv
from .group_runs import GroupView, approve_group
from .mentee_requests import (
    RequestView,
    Suggestion,
    answer_request,
    expire_requests,
    list_requests,
    send_request,
    set_preferences,
    suggestions,
    withdraw_request,
)
from .profiles import ProfileView, get_profile, set_profile
from .rematch import RematchCandidate, rematch_candidates
from .review import ApprovalFailure, approve, approve_all, exclude_pair, get_proposal, override
from .runs import (
    ProposalView,
    RunCancelled,
    RunInterrupted,
    RunResult,
    RunSummary,
    cancel_run,
    get_run,
    list_runs,
    reap_interrupted,
    rerun,
    run_matching,
)
from .starting import MatchRefused

__all__ = [
    "ApprovalFailure",
    "GroupView",
    "MatchRefused",
    "ProfileView",
    "ProposalView",
    "RematchCandidate",
    "RequestView",
    "RunCancelled",
    "RunInterrupted",
    "RunResult",
    "RunSummary",
    "Suggestion",
    "answer_request",
    "approve",
    "approve_all",
    "approve_group",
    "cancel_run",
    "exclude_pair",
    "expire_requests",
    "get_profile",
    "get_proposal",
    "get_run",
    "list_requests",
    "list_runs",
    "override",
    "reap_interrupted",
    "rematch_candidates",
    "rerun",
    "run_matching",
    "send_request",
    "set_preferences",
    "set_profile",
    "suggestions",
    "withdraw_request",
    "write_csv",
]
