"""Matching with a database (SQLite and PostgreSQL): profiles, runs, review, the three modes, rematching."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import func, select

from mentorflow import Engine, Forbidden, FormInvalid, TransitionError, UserError, Vetoed
from mentorflow.db.models import AuditEvent, Relationship
from mentorflow.plugins.matching import api
from mentorflow.plugins.matching.models import Profile, Proposal, Request
from mentorflow.plugins.matching.starting import MatchRefused
from mentorflow.testing import Factory, default_workflow
from tests.workflows_matching import Cohort, with_matching


def count(engine: Engine, table: Any) -> int:
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(table.__table__)).scalar_one()


def check_sums(proposal: Any) -> None:
    assert sum(c["contribution"] for c in proposal.breakdown) == proposal.score


@pytest.fixture
def cohort(mentorflow_factory: Factory) -> Cohort:
    return Cohort(mentorflow_factory)


# -- profiles ---------------------------------------------------------------------------------------------------

def test_profiles_are_validated_with_pointers_and_nothing_is_written(cohort: Cohort) -> None:
    mentee = cohort.factory.person("Mia", role="mentee", programme=cohort.key)
    before = count(cohort.engine, Profile)
    with pytest.raises(FormInvalid) as caught:
        api.set_profile(cohort.engine, cohort.key, mentee, "mentee",
                        {"languages": ["english"], "utc_offset": 20, "hobby": "x"}, mentee)
    assert {p.pointer for p in caught.value.problems} == {"/languages/0", "/utc_offset", "/hobby"}
    assert caught.value.form == "matching_profile"
    with pytest.raises(FormInvalid) as missing:
        api.set_profile(cohort.engine, cohort.key, mentee, "mentee", {"skills_sought": ["sql"]}, mentee)
    assert [p.pointer for p in missing.value.problems] == ["/languages"]
    assert count(cohort.engine, Profile) == before
    saved = api.set_profile(cohort.engine, cohort.key, mentee, "mentee", {"languages": ["da"]}, mentee)
    assert saved.updated_by == mentee
    stored = api.get_profile(cohort.engine, cohort.key, mentee, "mentee", cohort.coordinator)
    assert stored is not None and stored.data == {"languages": ["da"]}


def test_only_the_person_or_a_coordinator_may_write_or_read_a_profile(cohort: Cohort) -> None:
    mentee = cohort.mentee("Mia")
    stranger = cohort.factory.person("Olga", role="mentee", programme=cohort.key)
    with pytest.raises(Forbidden):
        api.set_profile(cohort.engine, cohort.key, mentee, "mentee", {"languages": ["en"]}, stranger)
    with pytest.raises(Forbidden):
        api.get_profile(cohort.engine, cohort.key, mentee, "mentee", stranger)
    with pytest.raises(UserError, match="is not a mentor of this programme"):
        api.set_profile(cohort.engine, cohort.key, mentee, "mentor", {"languages": ["en"]}, mentee)
    mentor = cohort.factory.person("Morten", role="mentor", programme=cohort.key)
    with pytest.raises(FormInvalid) as caught:
        api.set_profile(cohort.engine, cohort.key, mentor, "mentor", {"languages": ["en"], "capacity": -1}, mentor)
    assert [p.pointer for p in caught.value.problems] == ["/capacity"]


# -- coordinator-assigned ------------------------------------------------------------------------------------------

def small_cohort(cohort: Cohort) -> dict[str, int]:
    people = {
        "ada": cohort.mentor("Ada", skills_offered=["python", "sql"], industry="it", capacity=2,
                             career_stage="senior", reporting_line=["ada", "ceo"]),
        "bo": cohort.mentor("Bo", languages=["da"], skills_offered=["design"], industry="media", capacity=1,
                            career_stage="mid"),
        "cy": cohort.mentor("Cy", skills_offered=["sales"], capacity=1, career_stage="executive"),
    }
    people |= {
        "eva": cohort.mentee("Eva", skills_sought=["python"], industry="it", career_stage="junior"),
        "finn": cohort.mentee("Finn", languages=["da"], skills_sought=["design"], career_stage="junior"),
        "gus": cohort.mentee("Gus", skills_sought=["python", "sql"], reporting_line=["gus", "ada", "ceo"]),
        "hal": cohort.mentee("Hal", skills_sought=["sales"], career_stage="mid"),
        "ida": cohort.mentee("Ida", languages=["de"]),
        "jon": cohort.mentee("Jon", skills_sought=["python"]),
    }
    return people


def test_a_run_proposes_explained_pairs_within_constraints_and_capacity(cohort: Cohort) -> None:
    p = small_cohort(cohort)
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    pairs = {x.mentee_id: x.mentor_id for x in run.matched}
    assert run.run_id is not None and run.algorithm == "optimal"
    assert pairs[p["finn"]] == p["bo"]  # the only Danish-speaking mentor
    assert pairs.get(p["gus"]) != p["ada"]  # Gus reports to Ada
    assert p["ida"] in {x.mentee_id for x in run.unmatched}  # nobody speaks German
    load: dict[int, int] = {}
    for x in run.matched:
        load[x.mentor_id] = load.get(x.mentor_id, 0) + 1
        check_sums(x)
        assert x.status == "proposed" and x.proposed_mentor_id == x.mentor_id
    assert load[p["ada"]] <= 2 and load.get(p["bo"], 0) <= 1 and load.get(p["cy"], 0) <= 1
    assert run.total_score == pytest.approx(sum(x.score for x in run.matched))
    greedy = api.run_matching(cohort.engine, cohort.key, cohort.coordinator, algorithm="greedy", store=False)
    assert run.total_score >= greedy.total_score - 1e-9
    stored = api.get_run(cohort.engine, run.run_id, cohort.coordinator)
    assert [(x.mentee_id, x.mentor_id, x.score, x.breakdown) for x in stored.proposals] == [
        (x.mentee_id, x.mentor_id, x.score, x.breakdown) for x in run.proposals]
    with pytest.raises(Forbidden):
        api.run_matching(cohort.engine, cohort.key, p["ada"])
    with pytest.raises(Forbidden):
        api.get_run(cohort.engine, run.run_id, p["eva"])


def test_approving_starts_the_relationship_through_the_engine_as_the_coordinator(cohort: Cohort) -> None:
    p = small_cohort(cohort)
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    proposal = next(x for x in run.matched if x.mentee_id == p["finn"])
    with pytest.raises(Forbidden):
        api.approve(cohort.engine, proposal.id, p["finn"])
    approved = api.approve(cohort.engine, proposal.id, cohort.coordinator)
    assert approved.status == "approved" and approved.decided_by == cohort.coordinator
    relationship = cohort.engine.get(approved.relationship_id)
    assert (relationship.mentee_id, relationship.mentor_id, relationship.state) == (p["finn"], p["bo"], "contracting")
    start = cohort.engine.timeline(relationship)[0]
    assert (start.transition, start.actor_role, start.actor_id) == ("start", "coordinator", cohort.coordinator)
    with pytest.raises(TransitionError, match="only an open proposal"):
        api.approve(cohort.engine, proposal.id, cohort.coordinator)
    # A second run leaves the matched mentee out and counts Bo's capacity as used.
    again = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    assert p["finn"] not in {x.mentee_id for x in again.proposals}
    assert p["bo"] not in {x.mentor_id for x in again.matched}


def test_one_active_relationship_per_mentee_unless_the_programme_allows_more(mentorflow_factory: Factory) -> None:
    cohort = Cohort(mentorflow_factory)
    ada, bo = cohort.mentor("Ada", capacity=3), cohort.mentor("Bo", capacity=3)
    eva = cohort.mentee("Eva")
    api.approve(cohort.engine, api.run_matching(cohort.engine, cohort.key, cohort.coordinator).matched[0].id,
                cohort.coordinator)
    before = count(cohort.engine, Relationship)
    with pytest.raises(Vetoed, match="already has an active relationship"):
        cohort.engine.start_relationship(cohort.key, mentee=eva, mentor=bo, actor=cohort.coordinator)
    assert count(cohort.engine, Relationship) == before  # nothing partial
    # Once the relationship has ended, a new one may start.
    rel = cohort.engine.relationships_of(eva)[0]
    mentorflow_factory.drive(rel, [("end_early", eva, {"reason": "changed_needs"}),
                                   ("close", eva, {"learned": "x", "satisfaction": 3})])
    assert cohort.engine.start_relationship(cohort.key, mentee=eva, mentor=bo, actor=cohort.coordinator)

    multi = Cohort(mentorflow_factory, with_matching(default_workflow(), allow_multiple=True), key="multi")
    m1, m2 = multi.mentor("M1"), multi.mentor("M2")
    mia = multi.mentee("Mia")
    first = api.run_matching(multi.engine, multi.key, multi.coordinator)
    api.approve(multi.engine, first.matched[0].id, multi.coordinator)
    second = api.run_matching(multi.engine, multi.key, multi.coordinator)
    api.approve(multi.engine, second.matched[0].id, multi.coordinator)
    assert {r.mentor_id for r in multi.engine.relationships_of(mia)} == {m1, m2}
    assert ada != bo


def test_override_exclude_and_rerun_for_the_unmatched(cohort: Cohort) -> None:
    ada, bo = cohort.mentor("Ada", skills_offered=["python"]), cohort.mentor("Bo", skills_offered=["law"])
    dan = cohort.mentor("Dan", languages=["da"])
    eva = cohort.mentee("Eva", skills_sought=["python"])
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    proposal = run.matched[0]
    assert (proposal.mentee_id, proposal.mentor_id) == (eva, ada)
    # Overriding with a mentor who shares no language breaks a hard constraint: refused, nothing written.
    relationships = count(cohort.engine, Relationship)
    with pytest.raises(MatchRefused, match="constraints"):
        api.override(cohort.engine, proposal.id, dan, cohort.coordinator)
    assert count(cohort.engine, Relationship) == relationships
    assert api.get_proposal(cohort.engine, proposal.id, cohort.coordinator).status == "proposed"
    # Exclude the proposed pair: the proposal is withdrawn and a re-run finds the next mentor.
    assert api.exclude_pair(cohort.engine, cohort.key, eva, ada, cohort.coordinator, "conflict of interest") == [
        proposal.id]
    assert api.get_proposal(cohort.engine, proposal.id, cohort.coordinator).status == "excluded"
    with pytest.raises(TransitionError):
        api.approve(cohort.engine, proposal.id, cohort.coordinator)
    second = api.rerun(cohort.engine, run.run_id, cohort.coordinator)
    assert [(x.mentee_id, x.mentor_id) for x in second.matched] == [(eva, bo)]
    assert api.list_runs(cohort.engine, cohort.key, cohort.coordinator)[0].parent_run_id == run.run_id
    # The coordinator overrides with their own choice; the algorithm's stays on record.
    cy = cohort.mentor("Cy")
    overridden = api.override(cohort.engine, second.matched[0].id, cy, cohort.coordinator, note="knows the team")
    assert (overridden.status, overridden.mentor_id, overridden.proposed_mentor_id) == ("overridden", cy, bo)
    check_sums(overridden)
    assert cohort.engine.get(overridden.relationship_id).mentor_id == cy
    start = cohort.engine.timeline(overridden.relationship_id)[0]
    assert (start.transition, start.actor_id) == ("start", cohort.coordinator)
    with pytest.raises(FormInvalid):
        api.exclude_pair(cohort.engine, cohort.key, eva, 999_999, cohort.coordinator)


def test_open_proposals_hold_capacity_so_runs_never_double_book(cohort: Cohort) -> None:
    ada = cohort.mentor("Ada", capacity=1)
    eva = cohort.mentee("Eva")
    first = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    assert [x.mentor_id for x in first.matched] == [ada]
    cohort.mentee("Finn")
    second = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    assert second.matched == [] and second.stats["skipped"] == {"pending": 1}
    api.approve(cohort.engine, first.matched[0].id, cohort.coordinator)
    assert cohort.engine.relationships_of(eva)[0].mentor_id == ada


def test_automatic_mode_approves_every_proposal_at_once(mentorflow_factory: Factory) -> None:
    cohort = Cohort(mentorflow_factory, with_matching(default_workflow(), mode="automatic"))
    cohort.mentor("Ada", capacity=2)
    cohort.mentor("Bo")
    mentees = [cohort.mentee(f"Mentee {i}") for i in range(4)]
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    assert [x.status for x in run.proposals] == ["approved", "approved", "approved", "unmatched"]
    started = [r for m in mentees for r in cohort.engine.relationships_of(m)]
    assert len(started) == 3 and all(r.state == "contracting" for r in started)
    assert api.list_runs(cohort.engine, cohort.key, cohort.coordinator)[0].status == "completed"


def test_rematch_candidates_and_previous_mentors_are_never_proposed_again(cohort: Cohort, mentorflow_clock: Any
                                                                         ) -> None:
    ada, bo = cohort.mentor("Ada", skills_offered=["python"]), cohort.mentor("Bo")
    eva = cohort.mentee("Eva", skills_sought=["python"])
    finn = cohort.mentee("Finn")
    for proposal in api.run_matching(cohort.engine, cohort.key, cohort.coordinator).matched:
        api.approve(cohort.engine, proposal.id, cohort.coordinator)
    assert api.rematch_candidates(cohort.engine, cohort.key, cohort.coordinator) == []
    rel = next(r for r in cohort.engine.relationships_of(eva))
    assert rel.mentor_id == ada
    mentorflow_clock.advance(days=20)
    cohort.factory.drive(rel, [("end_early", eva, {"reason": "not_a_good_fit"}),
                               ("close", ada, {"learned": "x", "satisfaction": 2})])
    candidates = api.rematch_candidates(cohort.engine, cohort.key, cohort.coordinator)
    assert [(c.mentee_id, c.last_mentor_id, c.last_state) for c in candidates] == [(eva, ada, "closed")]
    assert candidates[0].closed_at == mentorflow_clock.now()
    with pytest.raises(Forbidden):
        api.rematch_candidates(cohort.engine, cohort.key, eva)
    # Bo is busy with Finn; Ada is free again but was Eva's mentor before: Eva stays unmatched.
    assert finn in {r.mentee_id for r in cohort.engine.relationships_of(bo)}
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    assert run.matched == [] and [x.mentee_id for x in run.unmatched] == [eva]


def test_csv_export_lists_pairs_scores_and_breakdown_columns(cohort: Cohort) -> None:
    small_cohort(cohort)
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    out = io.StringIO()
    names = cohort.engine.display_names({x.mentee_id for x in run.proposals} | {x.mentor_id for x in run.matched})
    assert api.write_csv(run, out, names) == len(run.proposals)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == ["mentee_id", "mentee", "mentor_id", "mentor", "score", *run.criteria]
    assert "skills_overlap" in run.criteria and "same_industry" in run.criteria
    for row in rows:
        if row["mentor_id"]:
            assert sum(float(row[k]) for k in run.criteria) == float(row["score"])
            assert row["mentor"] in {"Ada", "Bo", "Cy"}
        else:
            assert row["score"] == ""
    assert {r["mentee"] for r in rows} == {"Eva", "Finn", "Gus", "Hal", "Ida", "Jon"}


def test_csv_export_neutralises_names_a_spreadsheet_would_run(cohort: Cohort) -> None:
    """The CLI (``mentorflow match --csv``) and API writer: formula-like names get a leading ', numbers stay."""
    small_cohort(cohort)
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    hostile = ['=HYPERLINK("https://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1+1"]
    ids = sorted({x.mentee_id for x in run.proposals} | {x.mentor_id for x in run.matched if x.mentor_id})
    names = {pid: hostile[i % len(hostile)] for i, pid in enumerate(ids)}
    out = io.StringIO()
    api.write_csv(run, out, names)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    for row in rows:
        assert row["mentee"] == "'" + names[int(row["mentee_id"])]
        if row["mentor_id"]:
            assert row["mentor"] == "'" + names[int(row["mentor_id"])]
            assert float(row["score"]) == pytest.approx(sum(float(row[k]) for k in run.criteria))
            assert not row["score"].startswith("'")


# -- mentee-requests ------------------------------------------------------------------------------------------------

@pytest.fixture
def requests_cohort(mentorflow_factory: Factory) -> Cohort:
    return Cohort(mentorflow_factory, with_matching(default_workflow(), mode="mentee-requests", suggestions=2,
                                                    request_expiry="P14D"))


def test_mentees_browse_ranked_suggestions_and_mentors_accept(requests_cohort: Cohort) -> None:
    c = requests_cohort
    ada = c.mentor("Ada", skills_offered=["python", "sql"])
    bo = c.mentor("Bo", skills_offered=["python"], industry="it")
    cy = c.mentor("Cy")
    c.mentor("Dan", languages=["da"])
    eva = c.mentee("Eva", skills_sought=["python", "sql"])
    shown = api.suggestions(c.engine, c.key, eva, eva)
    assert [(s.rank, s.mentor_id, s.display_name) for s in shown] == [(1, ada, "Ada"), (2, bo, "Bo")]
    assert shown[0].score > shown[1].score
    for s in shown:
        assert sum(x["contribution"] for x in s.breakdown) == s.score
    with pytest.raises(Forbidden):
        api.suggestions(c.engine, c.key, eva, ada)
    with pytest.raises(TransitionError, match="not among your top 2 suggestions"):
        api.send_request(c.engine, c.key, eva, cy, eva)
    with pytest.raises(Forbidden):
        api.send_request(c.engine, c.key, eva, bo, ada)
    request = api.send_request(c.engine, c.key, eva, bo, eva, message="I work in IT too")
    assert request.status == "pending" and request.score == shown[1].score
    with pytest.raises(TransitionError, match="waiting for an answer"):
        api.send_request(c.engine, c.key, eva, ada, eva)
    assert [r.id for r in api.list_requests(c.engine, c.key, bo)] == [request.id]
    assert api.list_requests(c.engine, c.key, ada) == []
    with pytest.raises(Forbidden):
        api.answer_request(c.engine, request.id, ada, accept=True)
    accepted = api.answer_request(c.engine, request.id, bo, accept=True)
    assert accepted.status == "accepted"
    rel = c.engine.get(accepted.relationship_id)
    assert (rel.mentee_id, rel.mentor_id, rel.state) == (eva, bo, "contracting")
    assert c.engine.timeline(rel)[0].transition == "start"
    assert api.suggestions(c.engine, c.key, eva, eva) == []  # matched now
    with pytest.raises(TransitionError, match="active relationship"):
        api.send_request(c.engine, c.key, eva, ada, eva)


def test_declining_needs_a_reason_and_rules_the_pair_out(requests_cohort: Cohort) -> None:
    c = requests_cohort
    ada, bo = c.mentor("Ada", skills_offered=["python"]), c.mentor("Bo")
    eva = c.mentee("Eva", skills_sought=["python"])
    request = api.send_request(c.engine, c.key, eva, ada, eva)
    for reason in (None, "   "):
        with pytest.raises(FormInvalid) as caught:
            api.answer_request(c.engine, request.id, ada, accept=False, reason=reason)
        assert [p.pointer for p in caught.value.problems] == ["/reason"]
    declined = api.answer_request(c.engine, request.id, ada, accept=False, reason="Fully booked this term")
    assert (declined.status, declined.reason) == ("declined", "Fully booked this term")
    assert [s.mentor_id for s in api.suggestions(c.engine, c.key, eva, eva)] == [bo]
    assert count(c.engine, Relationship) == 0


def test_unanswered_requests_expire_by_the_engine_clock(requests_cohort: Cohort, mentorflow_clock: Any) -> None:
    c = requests_cohort
    ada = c.mentor("Ada")
    eva = c.mentee("Eva")
    request = api.send_request(c.engine, c.key, eva, ada, eva)
    assert request.expires_at == mentorflow_clock.now() + api_days(14)
    mentorflow_clock.advance(days=13, hours=23)
    assert api.list_requests(c.engine, c.key, eva)[0].status == "pending"
    mentorflow_clock.advance(hours=1)
    with pytest.raises(TransitionError, match="expired"):
        api.answer_request(c.engine, request.id, ada, accept=True)
    assert api.list_requests(c.engine, c.key, eva)[0].status == "expired"
    assert count(c.engine, Relationship) == 0
    # The mentee may ask again; this time the mentor answers in time.
    again = api.send_request(c.engine, c.key, eva, ada, eva)
    mentorflow_clock.advance(days=3)
    assert api.answer_request(c.engine, again.id, ada, accept=True).status == "accepted"
    assert api.expire_requests(c.engine, c.key) == 0


def api_days(days: int) -> Any:
    from datetime import timedelta

    return timedelta(days=days)


def test_requests_exist_only_in_mentee_request_mode(cohort: Cohort) -> None:
    ada, eva = cohort.mentor("Ada"), cohort.mentee("Eva")
    with pytest.raises(TransitionError, match="do not send requests"):
        api.send_request(cohort.engine, cohort.key, eva, ada, eva)
    assert count(cohort.engine, Request) == 0


def test_mentee_picks_from_the_top_suggestions_steer_the_run(cohort: Cohort) -> None:
    ada = cohort.mentor("Ada", skills_offered=["python"])
    bo = cohort.mentor("Bo")
    outsider = cohort.mentor("Dan", languages=["da"])
    eva = cohort.mentee("Eva", skills_sought=["python", "sql"])
    with pytest.raises(FormInvalid) as caught:
        api.set_preferences(cohort.engine, cohort.key, eva, [bo, outsider], eva)
    assert [p.pointer for p in caught.value.problems] == ["/mentors/1"]
    with pytest.raises(Forbidden):
        api.set_preferences(cohort.engine, cohort.key, eva, [bo], cohort.coordinator)
    api.set_preferences(cohort.engine, cohort.key, eva, [bo], eva)
    run = api.run_matching(cohort.engine, cohort.key, cohort.coordinator)
    assert [(x.mentee_id, x.mentor_id) for x in run.matched] == [(eva, bo)]  # preference (2) beats skills (3 * 0.5)
    parts = {c["key"]: c["contribution"] for c in run.matched[0].breakdown}
    assert parts["mentee_preference"] == 2.0
    assert ada != bo


def test_nothing_happens_in_a_programme_without_matching(mentorflow_factory: Factory) -> None:
    engine = mentorflow_factory.engine
    mentorflow_factory.programme("plain")
    with pytest.raises(UserError, match="does not use matching"):
        api.run_matching(engine, "plain")
    mentee = mentorflow_factory.person(role="mentee", programme="plain")
    # Without matching settings the one-active rule does not apply.
    mentorflow_factory.relationship("plain", mentee=mentee)
    mentorflow_factory.relationship("plain", mentee=mentee)
    assert count(engine, Proposal) == 0 and count(engine, AuditEvent) == 2


def test_personal_data_export_and_erasure(requests_cohort: Cohort) -> None:
    from mentorflow.gdpr import erase_person, export_person

    c = requests_cohort
    ada = c.mentor("Ada", interests="jazz")
    eva = c.mentee("Eva", interests="chess and jazz")
    declined = api.send_request(c.engine, c.key, eva, ada, eva, message="Please, I love jazz")
    api.answer_request(c.engine, declined.id, ada, accept=False, reason="No time, sorry Eva")
    mine = export_person(c.engine, eva)["plugins"]["matching"]
    assert mine["profiles"][0]["data"]["interests"] == "chess and jazz"
    assert mine["requests_sent"][0]["message"] == "Please, I love jazz"
    assert export_person(c.engine, ada)["plugins"]["matching"]["requests_received"][0]["reason"] == (
        "No time, sorry Eva")
    erase_person(c.engine, eva)
    erase_person(c.engine, ada)
    assert api.get_profile(c.engine, c.key, eva, "mentee", c.coordinator) is None
    (request,) = api.list_requests(c.engine, c.key, c.coordinator)
    assert (request.status, request.message, request.reason) == ("declined", "[erased]", "[erased]")
    after = export_person(c.engine, eva)["plugins"]["matching"]
    assert after["profiles"] == [] and after["requests_sent"][0]["message"] == "[erased]"


def test_racing_starts_for_one_mentee_leave_one_relationship(cohort: Cohort) -> None:
    import threading

    mentors = [cohort.mentor(f"Mentor {i}") for i in range(4)]
    eva = cohort.mentee("Eva")
    barrier = threading.Barrier(len(mentors))
    outcomes: list[Any] = []

    def start(mentor: int) -> None:
        barrier.wait()
        try:
            outcomes.append(cohort.engine.start_relationship(cohort.key, mentee=eva, mentor=mentor,
                                                             actor=cohort.coordinator))
        except Exception as error:  # collected and asserted below
            outcomes.append(error)

    threads = [threading.Thread(target=start, args=(m,)) for m in mentors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, Vetoed) for o in outcomes if isinstance(o, Exception)), outcomes
    assert len(cohort.engine.relationships_of(eva)) == 1


def test_terminal_states_are_cached_per_database_not_per_version_id(tmp_path: Any) -> None:
    """Version ids are unique in one database only: two engines in one process must not share the cached answer."""
    from mentorflow.db.models import WorkflowVersion
    from mentorflow.plugins.matching.pool import terminal_states

    engines = []
    for name in ("a", "b"):
        engine = Engine(f"sqlite:///{tmp_path / name}.db")
        engine.upgrade_database()
        Factory(engine).programme("programme")
        engines.append(engine)
    first, second = engines
    W = WorkflowVersion.__table__
    with second.write() as conn:  # the second database's version 1 says another state is terminal
        version_id, definition = conn.execute(select(W.c.id, W.c.definition)).one()
        changed = {**definition, "states": [{**s, "kind": "terminal"} if s["id"] == "paused" else s
                                            for s in definition["states"]]}
        conn.execute(W.update().where(W.c.id == version_id).values(definition=changed))
    with first.read() as conn:
        in_first = terminal_states(conn, 1)
    with second.read() as conn:
        in_second = terminal_states(conn, 1)
    assert "paused" not in in_first[version_id]
    assert "paused" in in_second[version_id]
    for engine in engines:
        engine.db.dispose()
