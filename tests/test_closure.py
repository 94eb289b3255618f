"""The closure plugin on SQLite and PostgreSQL: planned and early closure, extensions, closure forms and
summary, reopening, the rematch queue, reassignment, coordinator actions and privacy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from mentorflow import (
    SYSTEM,
    Engine,
    Forbidden,
    FormInvalid,
    GuardFailed,
    NotFound,
    TransitionError,
    WorkflowInvalid,
    WrongState,
)
from mentorflow.demo import AGREEMENT
from mentorflow.plugins.closure import api
from mentorflow.policy import Access
from mentorflow.testing import Factory, default_workflow
from tests.workflows_closure import POST_CLOSURE_CONTACT, extend

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # the ManualClock's start
TO_REFLECTING = [
    ("sign_agreement", "mentor", {"accept": True}), ("sign_agreement", "mentee", {"accept": True}),
    ("agree", "mentee", {}), ("add_goal", "mentee", {"title": "Learn SQL", "category": "skills"}),
    ("start_reflecting", "mentor", {}),
]
MENTOR_FORM = {"goals": [{"goal_id": 1, "attained": "fully"}, {"goal_id": 2, "attained": "partly"}],
               "learned": "To listen before advising", "satisfaction": 4}
MENTEE_FORM = {"goals": [{"goal_id": 1, "attained": "fully"}, {"goal_id": 2, "attained": "not"}],
               "learned": "To ask for help early", "satisfaction": 5}
FORMS = [("submit_closure_form", "mentor", MENTOR_FORM), ("submit_closure_form", "mentee", MENTEE_FORM)]
EARLY = ("end_early", "mentee", {"reason": "changed_needs", "note": "I changed study programme"})


class Pair:
    """A relationship in a programme running the extended workflow, with its people."""

    def __init__(self, factory: Factory, document: dict[str, Any] | None = None, key: str = "programme") -> None:
        self.factory, self.engine = factory, factory.engine
        self.programme = factory.programme(key, document or extend(default_workflow()))
        self.coordinator = factory.person("Carla", role="coordinator", programme=key)
        self.mentor = factory.person("Morten", role="mentor", programme=key)
        self.mentee = factory.person("Mia", role="mentee", programme=key)
        self.rel = self.engine.start_relationship(key, mentee=self.mentee, mentor=self.mentor)

    def who(self, role: str) -> Any:
        return SYSTEM if role == "system" else {
            "mentor": self.mentor, "mentee": self.mentee, "coordinator": self.coordinator}[role]

    def fire(self, transition: str, role: str, data: dict[str, Any] | None = None) -> Any:
        self.rel = self.engine.fire(self.rel, transition, self.who(role), data).relationship
        return self.rel

    def drive(self, steps: list[tuple[str, str, dict[str, Any]]]) -> Any:
        for transition, role, data in steps:
            self.fire(transition, role, data)
        return self.rel

    def last(self) -> Any:
        return self.engine.timeline(self.rel)[-1]


@pytest.fixture
def pair(mentorflow_factory: Factory) -> Pair:
    p = Pair(mentorflow_factory)
    p.drive(TO_REFLECTING)
    return p


def at_day(clock: Any, days: float) -> None:
    clock.set(START + timedelta(days=days))


def test_programme_end_timer_fires_begin_closure_as_the_system(pair: Pair, mentorflow_clock: Any) -> None:
    workflow = pair.engine.workflow_by_version(pair.rel.workflow_version_id)
    timer = next(t for t in workflow.timers if t.id == "programme_end")
    due = pair.rel.started_at + timer.after
    assert api.planned_end(pair.engine, pair.rel) == due == START + timedelta(days=180)
    mentorflow_clock.set(due - timedelta(hours=1))
    with pytest.raises(GuardFailed, match="the planned end of the relationship is 2026-07-04"):
        pair.fire(timer.fire, "system")
    mentorflow_clock.set(due)
    rel = pair.fire(timer.fire, "system")
    assert rel.state == "closing"
    entry = pair.last()
    assert (entry.transition, entry.actor_role, entry.actor_id) == ("begin_closure", "system", None)


def test_deciding_an_extension_is_offered_only_while_one_is_pending(pair: Pair, mentorflow_clock: Any) -> None:
    """Issue #17: "Approve the extension" was offered with no request pending (and then refused)."""
    at_day(mentorflow_clock, 40)

    def offered(role: str) -> dict[str, tuple[bool, tuple[str, ...]]]:
        return {a.transition.id: (a.allowed, a.reasons) for a in pair.engine.available_transitions(pair.rel,
                                                                                               pair.who(role))
                if "extension" in a.transition.id}

    nothing = offered("coordinator")
    assert nothing["approve_extension"] == (False, ("no extension has been requested",))
    assert nothing["decline_extension"] == (False, ("no extension has been requested",))
    assert offered("mentee")["request_extension"] == (True, ())
    pair.fire("request_extension", "mentee", {"period": "P1M", "reason": "Exams delayed our project"})
    assert offered("coordinator")["approve_extension"] == (True, ())
    allowed, reasons = offered("mentor")["request_extension"]
    assert not allowed and "still waiting for the coordinator's decision" in reasons[0]
    pair.fire("approve_extension", "coordinator", {})
    assert offered("coordinator")["approve_extension"][0] is False


def test_extensions_are_requested_by_the_pair_and_decided_by_the_coordinator(pair: Pair,
                                                                             mentorflow_clock: Any) -> None:
    planned = START + timedelta(days=180)
    at_day(mentorflow_clock, 40)
    for data, pointer in [({"period": "P1M", "new_end_date": "2026-09-01", "reason": "x"}, "/period"),
                          ({"reason": "More time please"}, "/new_end_date"),
                          ({"new_end_date": "2026-06-01", "reason": "x"}, "/new_end_date"),  # before the planned end
                          ({"period": "P0D", "reason": "x"}, "/period"),
                          ({"period": "P1M", "reason": "  "}, "/reason"),
                          ({"period": "P1M"}, "/reason")]:
        with pytest.raises(FormInvalid) as caught:
            pair.fire("request_extension", "mentee", data)
        assert [p.pointer for p in caught.value.problems] == [pointer], data
    pair.fire("request_extension", "mentee", {"period": "P1M", "reason": "Exams delayed our project"})
    with pytest.raises(TransitionError, match="still waiting for the coordinator's decision"):
        pair.fire("request_extension", "mentor", {"period": "P2M", "reason": "More"})
    with pytest.raises(Forbidden):
        pair.fire("approve_extension", "mentee", {})
    assert api.planned_end(pair.engine, pair.rel, pair.mentee) == planned  # not before the decision
    pair.fire("approve_extension", "coordinator", {"note": "Good luck with the project"})
    extended = planned + timedelta(days=30)
    assert api.planned_end(pair.engine, pair.rel, pair.mentor) == extended
    assert pair.last().actor_role == "coordinator"

    pair.fire("request_extension", "mentor", {"new_end_date": "2026-09-30", "reason": "A last workshop"})
    pair.fire("decline_extension", "coordinator", {"note": "The programme ends for everyone in August"})
    with pytest.raises(TransitionError, match="no extension request waiting"):
        pair.fire("approve_extension", "coordinator", {})
    info = api.closure_info(pair.engine, pair.rel, pair.mentee)
    assert [(e.status, e.requested_role, e.previous_end, e.new_end) for e in info.extensions] == [
        ("approved", "mentee", planned, extended),
        ("declined", "mentor", extended, datetime(2026, 9, 30, tzinfo=UTC))]
    assert info.extensions[1].end_date == date(2026, 9, 30)
    assert info.extensions[1].decision_note == "The programme ends for everyone in August"
    assert info.planned_end == extended

    # The programme-end timer now waits for the extended end.
    mentorflow_clock.set(planned)
    with pytest.raises(GuardFailed, match="2026-08-03"):
        pair.fire("begin_closure", "system")
    pair.fire("request_extension", "mentee", {"period": "P2W", "reason": "One more meeting"})
    mentorflow_clock.set(extended)
    pair.fire("begin_closure", "system")
    lapsed = api.closure_info(pair.engine, pair.rel, pair.coordinator).extensions[-1]
    assert (lapsed.status, lapsed.decided_role) == ("lapsed", "system")  # nobody can decide it while closing
    assert api.planned_end(pair.engine, pair.rel) == extended


def test_early_closure_takes_a_reason_from_the_programme_list_only(pair: Pair) -> None:
    version = pair.rel.version
    for reason in ("the mentor never showed up", "", "CHANGED_NEEDS"):
        with pytest.raises(FormInvalid) as caught:
            pair.fire("end_early", "mentee", {"reason": reason})
        assert [p.pointer for p in caught.value.problems] == ["/reason"]
    assert "is not one of the programme's closure reasons (schedule_conflict, changed_needs" in str(caught.value)
    assert pair.engine.get(pair.rel.id).version == version
    pair.fire(*EARLY)
    assert pair.rel.state == "closing"
    for viewer in (pair.mentor, pair.mentee):
        early = api.closure_info(pair.engine, pair.rel, viewer).early_ending
        assert early is not None and early.reason.id == "changed_needs"
        assert early.reason.label == {"en": "Needs have changed", "da": "Behovene har ændret sig"}
        assert early.note == "I changed study programme" and early.actor_role == "mentee"
    for_coordinator = api.closure_info(pair.engine, pair.rel, pair.coordinator).early_ending
    assert for_coordinator is not None and for_coordinator.reason.id == "changed_needs"
    assert for_coordinator.note is None  # the reason is programme information, the note pair content


def test_closure_conversation_and_the_post_closure_rule(pair: Pair, mentorflow_clock: Any) -> None:
    at_day(mentorflow_clock, 50)
    pair.fire(*EARLY)
    for data, pointer in [({"held_on": "2026-03-01", "notes": "x"}, "/held_on"),  # in the future
                          ({"held_on": "2025-12-01", "notes": "x"}, "/held_on"),  # before the start
                          ({"held_on": "2026-02-20", "notes": "   "}, "/notes")]:
        with pytest.raises(FormInvalid) as caught:
            pair.fire("record_closure_conversation", "mentor", data)
        assert [p.pointer for p in caught.value.problems] == [pointer]
    pair.fire("record_closure_conversation", "mentor", {"held_on": "2026-02-23", "notes": "We looked back."})
    for viewer in (pair.mentor, pair.mentee):
        info = api.closure_info(pair.engine, pair.rel, viewer)
        assert info.post_closure_contact == POST_CLOSURE_CONTACT
        [talk] = info.conversations
        assert (talk.held_on, talk.notes, talk.author_role) == (date(2026, 2, 23), "We looked back.", "mentor")
    [talk] = api.closure_info(pair.engine, pair.rel, pair.coordinator).conversations
    assert talk.access is Access.METADATA and talk.notes is None and talk.held_on == date(2026, 2, 23)
    with pytest.raises(NotFound, match="does not exist"):
        api.closure_info(pair.engine, pair.rel, pair.factory.person("Stranger"))


def test_both_closure_forms_are_needed_before_close(pair: Pair) -> None:
    pair.fire("begin_closure", "mentor")
    with pytest.raises(GuardFailed, match="waiting for the closure form of the Mentor and the Mentee"):
        pair.fire("close", "mentee")
    with pytest.raises(Forbidden):
        pair.fire("submit_closure_form", "coordinator", MENTOR_FORM)
    with pytest.raises(FormInvalid) as caught:
        pair.fire("submit_closure_form", "mentor", {**MENTOR_FORM, "goals": [{"goal_id": 1, "attained": "fully"},
                                                                             {"goal_id": 1, "attained": "not"}]})
    assert [p.pointer for p in caught.value.problems] == ["/goals/1/goal_id"]
    pair.fire(*FORMS[0])
    with pytest.raises(GuardFailed, match=r"waiting for the closure form of the Mentee$"):
        pair.fire("close", "coordinator")
    available = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, pair.mentor)}
    assert available["close"].reasons == ("waiting for the closure form of the Mentee",)
    pair.fire(*FORMS[1])
    assert pair.fire("close", "mentor").state == "closed"
    with pytest.raises(WrongState):
        pair.fire("submit_closure_form", "mentor", MENTOR_FORM)  # closed relationships are read-only


def test_closing_summary_of_a_driven_relationship(pair: Pair, mentorflow_clock: Any) -> None:
    for day, role in [(10, "mentor"), (12, "mentee"), (24, "mentor"), (33, "mentee"), (38, "mentor")]:
        at_day(mentorflow_clock, day)
        pair.fire("submit_reflection", role, {"went_well": f"day {day}", "health": 4})
    at_day(mentorflow_clock, 40)
    pair.drive([("request_extension", "mentee", {"period": "P1M", "reason": "Exams"}),
                ("approve_extension", "coordinator", {}),
                ("request_extension", "mentor", {"new_end_date": "2026-09-30", "reason": "A workshop"}),
                ("decline_extension", "coordinator", {})])
    at_day(mentorflow_clock, 210)
    pair.drive([("begin_closure", "system", {}), *FORMS])
    at_day(mentorflow_clock, 212)
    pair.fire("close", "mentee")

    summary = api.closing_summary(pair.engine, pair.rel, pair.mentee)
    assert (summary.state, summary.started_at, summary.ended_at) == ("closed", START, START + timedelta(days=212))
    assert summary.duration_days == 212 and summary.planned_end == START + timedelta(days=210)
    assert (summary.agreement_versions, summary.agreement_signatures) == (0, 2)  # the plain lifecycle only signs
    assert {r: (v.count, v.mean_days_between) for r, v in summary.reflections.items()} == {
        "mentor": (3, 14.0), "mentee": (2, 21.0)}
    assert [(e.status, e.requested_role) for e in summary.extensions] == [("approved", "mentee"),
                                                                          ("declined", "mentor")]
    assert summary.early_ending is None and summary.reassignments == 0 and summary.reopened == 0
    assert [(g.goal_id, g.mentor, g.mentee) for g in summary.goal_outcomes] == [(1, "fully", "fully"),
                                                                                (2, "partly", "not")]
    assert summary.satisfaction == {"mentor": 4, "mentee": 5}
    assert summary.learned["mentee"] == "To ask for help early"
    assert summary.forms_submitted == {"mentor", "mentee"} and summary.hidden_forms == frozenset()

    for_coordinator = api.closing_summary(pair.engine, pair.rel, pair.coordinator)
    assert (for_coordinator.duration_days, for_coordinator.agreement_signatures) == (212, 2)
    assert for_coordinator.reflections == summary.reflections
    assert for_coordinator.hidden_forms == {"mentor", "mentee"}
    assert for_coordinator.goal_outcomes == () and for_coordinator.satisfaction == {}


def test_summary_of_an_early_ending_after_a_reopening(pair: Pair, mentorflow_clock: Any) -> None:
    pair.drive([EARLY, *FORMS, ("close", "mentor", {})])
    at_day(mentorflow_clock, 5)
    pair.drive([("reopen", "coordinator", {}), EARLY])
    # The earlier round's forms do not count for the new closing.
    with pytest.raises(GuardFailed, match="the Mentor and the Mentee"):
        pair.fire("close", "mentor")
    pair.drive([*FORMS, ("close", "mentee", {})])
    summary = api.closing_summary(pair.engine, pair.rel, pair.mentor)
    assert summary.reopened == 1 and summary.duration_days == 5
    assert summary.early_ending is not None and summary.early_ending.reason.id == "changed_needs"
    assert summary.reflections["mentor"].count == 0 and summary.reflections["mentor"].mean_days_between is None


def test_reopen_only_within_the_programme_window(pair: Pair, mentorflow_clock: Any) -> None:
    pair.drive([EARLY, *FORMS, ("close", "mentor", {})])
    closed_at = pair.rel.closed_at
    assert api.closure_info(pair.engine, pair.rel, pair.mentee).reopen_until == closed_at + timedelta(days=30)
    at_day(mentorflow_clock, 29)
    with pytest.raises(Forbidden):
        pair.fire("reopen", "mentor")
    rel = pair.fire("reopen", "coordinator")
    assert rel.state == "reflecting" and rel.closed_at is None
    assert pair.last().actor_role == "coordinator"
    pair.drive([EARLY, *FORMS, ("close", "mentor", {})])
    at_day(mentorflow_clock, 29 + 31)
    with pytest.raises(GuardFailed, match="can be reopened within 30 days of closing; this one closed on 2026-02-03"):
        pair.fire("reopen", "coordinator")
    assert pair.engine.get(pair.rel.id).state == "closed"


def test_rematch_queue(pair: Pair) -> None:
    pair.drive([EARLY, *FORMS, ("close", "mentor", {})])
    with pytest.raises(Forbidden):
        pair.fire("request_rematch", "mentor")
    offered = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, pair.coordinator)}
    assert offered["request_rematch"].allowed
    pair.fire("request_rematch", "mentee")
    assert pair.last().actor_role == "mentee"
    # Issue #17: once queued, the coordinator is not offered the rematch again, and is told why.
    offered = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, pair.coordinator)}
    assert not offered["request_rematch"].allowed
    assert "already in the rematch queue" in offered["request_rematch"].reasons[0]
    with pytest.raises(TransitionError, match="already in the rematch queue"):
        pair.fire("request_rematch", "coordinator")
    [entry] = api.rematch_queue(pair.engine, pair.programme, pair.coordinator)
    assert (entry.mentee_id, entry.excluded_mentor_id, entry.relationship_id, entry.status) == (
        pair.mentee, pair.mentor, pair.rel.id, "waiting")
    for outsider in (pair.mentee, pair.mentor):
        with pytest.raises(Forbidden):
            api.rematch_queue(pair.engine, pair.programme, outsider)
    assert len(api.rematch_queue(pair.engine, pair.programme, SYSTEM)) == 1
    # Reopening brings the mentee back to their mentor: the queue entry is withdrawn.
    pair.fire("reopen", "coordinator")
    assert api.rematch_queue(pair.engine, pair.programme, pair.coordinator) == []
    [withdrawn] = api.rematch_queue(pair.engine, pair.programme, pair.coordinator, include_all=True)
    assert withdrawn.status == "withdrawn"
    pair.drive([EARLY, *FORMS, ("close", "mentor", {}), ("request_rematch", "coordinator", {})])
    [again] = api.rematch_queue(pair.engine, pair.programme, pair.coordinator)
    assert (again.id, again.requested_role, again.status) == (withdrawn.id, "coordinator", "waiting")


def test_reassign_mentor_moves_access_to_the_new_mentor(pair: Pair) -> None:
    old = pair.mentor
    nils = pair.factory.person("Nils", role="mentor", programme=pair.programme)
    plain = pair.factory.person("Paula", role="mentee", programme=pair.programme)
    for mentor_id, message in [(999_999, "person 999999 does not exist"),
                               (pair.mentee, "the mentee cannot be their own mentor"),
                               (old, f"person {old} is already the mentor"),
                               (plain, f"person {plain} is not a mentor in this programme")]:
        with pytest.raises(FormInvalid) as caught:
            pair.fire("reassign_mentor", "coordinator", {"mentor_id": mentor_id})
        assert [(p.pointer, p.message) for p in caught.value.problems] == [("/mentor_id", message)]
    with pytest.raises(Forbidden):
        pair.fire("reassign_mentor", "mentor", {"mentor_id": nils})
    rel = pair.fire("reassign_mentor", "coordinator", {"mentor_id": nils, "reason": "Morten moved abroad"})
    assert rel.mentor_id == nils == pair.engine.get(rel.id).mentor_id and rel.state == "reflecting"
    entry = pair.last()
    assert (entry.transition, entry.actor_role, entry.data) == (
        "reassign_mentor", "coordinator", {"mentor_id": nils, "reason": "Morten moved abroad"})
    # The old mentor loses access at once: policy, reads and writes.
    gone = pair.engine.viewer(rel, old)
    assert gone.roles == frozenset() and not gone.may_see_relationship
    with pytest.raises(Forbidden):
        pair.engine.timeline(rel, viewer=old)
    with pytest.raises(NotFound, match="does not exist"):
        api.closure_info(pair.engine, rel, old)
    with pytest.raises(Forbidden):
        pair.engine.fire(rel, "submit_reflection", old, {"went_well": "x", "health": 3})
    assert pair.engine.viewer(rel, nils).roles == {"mentor"}
    pair.rel = pair.engine.fire(rel, "submit_reflection", nils, {"went_well": "Met Mia", "health": 4}).relationship
    assert api.closing_summary(pair.engine, pair.rel, nils).reassignments == 1


def test_coordinator_pauses_resumes_and_closes_on_someones_behalf(pair: Pair) -> None:
    pair.drive([("pause", "coordinator", {"note": "Sick leave"}), ("resume", "coordinator", {}),
                ("begin_closure", "coordinator", {}), *FORMS, ("close", "coordinator", {})])
    assert pair.rel.state == "closed"
    log = [(e.transition, e.actor_role, e.actor_id) for e in pair.engine.timeline(pair.rel)]
    on_behalf = [e for e in log if e[0] in ("pause", "resume", "begin_closure", "close")]
    assert on_behalf == [(t, "coordinator", pair.coordinator) for t in ("pause", "resume", "begin_closure", "close")]


def test_privacy_matrix_for_closure_forms(pair: Pair, mentorflow_factory: Factory) -> None:
    pair.drive([("begin_closure", "mentor", {}), *FORMS])
    stranger = mentorflow_factory.person("Stranger")
    for viewer in (pair.mentor, pair.mentee, SYSTEM):
        forms = api.closure_forms(pair.engine, pair.rel, viewer)
        assert [(f.role, f.access, f.satisfaction) for f in forms] == [("mentor", Access.FULL, 4),
                                                                       ("mentee", Access.FULL, 5)]
    coordinator_view = api.closure_forms(pair.engine, pair.rel, pair.coordinator)
    assert [(f.role, f.access, f.goals, f.learned, f.satisfaction) for f in coordinator_view] == [
        ("mentor", Access.METADATA, None, None, None), ("mentee", Access.METADATA, None, None, None)]
    with pytest.raises(NotFound, match="does not exist"):
        api.closure_forms(pair.engine, pair.rel, stranger)
    with pytest.raises(NotFound, match="does not exist"):
        api.closing_summary(pair.engine, pair.rel, stranger)

    open_doc = extend(default_workflow())
    open_doc["programme"]["settings"]["privacy"] = {"coordinator_sees_content": True}
    # A programme may ask less: no "what did you learn", no conversation date (then: the day it is recorded).
    open_doc["forms"]["closure_form"]["schema"]["required"].remove("learned")
    open_doc["forms"]["closure_conversation"]["schema"]["required"].remove("held_on")
    open_pair = Pair(mentorflow_factory, open_doc, key="open")
    open_pair.drive([*TO_REFLECTING, ("begin_closure", "mentee", {}), FORMS[1],
                     ("submit_closure_form", "mentor", {"goals": [], "satisfaction": 3}),
                     ("record_closure_conversation", "coordinator", {"notes": "We looked back"})])
    assert [(f.role, f.access, f.learned) for f in api.closure_forms(open_pair.engine, open_pair.rel,
                                                                     open_pair.coordinator)] == [
        ("mentor", Access.FULL, None), ("mentee", Access.FULL, "To ask for help early")]
    [talk] = api.closure_info(open_pair.engine, open_pair.rel, open_pair.mentee).conversations
    assert (talk.held_on, talk.notes, talk.author_role) == (START.date(), "We looked back", "coordinator")
    assert open_pair.fire("close", "mentor").state == "closed"

    private_doc = extend(default_workflow())
    private_doc["forms"]["closure_form"]["private"] = True
    private = Pair(mentorflow_factory, private_doc, key="private")
    private.drive([*TO_REFLECTING, ("begin_closure", "mentee", {}), *FORMS])
    assert [(f.role, f.access) for f in api.closure_forms(private.engine, private.rel, private.mentor)] == [
        ("mentor", Access.FULL)]  # the mentee's private form is not even listed for the mentor
    assert [(f.role, f.access) for f in api.closure_forms(private.engine, private.rel, private.coordinator)] == [
        ("mentor", Access.METADATA), ("mentee", Access.METADATA)]
    summary = api.closing_summary(private.engine, private.rel, private.mentor)
    assert summary.hidden_forms == {"mentee"} and summary.satisfaction == {"mentor": 4}
    assert [(g.goal_id, g.mentor, g.mentee) for g in summary.goal_outcomes] == [(1, "fully", None),
                                                                                (2, "partly", None)]
    # Which forms are in is programme information: everyone on the relationship sees it.
    assert set(api.closure_info(private.engine, private.rel, private.mentor).forms_submitted) == {"mentor", "mentee"}


def _problems(engine: Engine, document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(WorkflowInvalid) as caught:
        engine.load_workflow(document)
    return {p.pointer: p.message for p in caught.value.problems}


def test_workflow_checks_keep_closed_relationships_read_only(mentorflow_engine: Engine) -> None:
    document = extend(default_workflow())
    index = {t["id"]: i for i, t in enumerate(document["transitions"])}
    document["transitions"].append({"id": "unlock", "from": "closed", "to": "reflecting", "roles": ["mentor"],
                                    "label": {"en": "Unlock", "da": "Lås op"}})
    document["transitions"][index["reassign_mentor"]]["roles"] = ["coordinator", "mentor"]
    document["transitions"][index["submit_closure_form"]]["form"] = "pause"
    document["transitions"][index["request_rematch"]]["from"] = ["closed", "reflecting"]
    problems = _problems(mentorflow_engine, document)
    assert problems == {
        f"/transitions/{len(index)}": "transition 'unlock' leaves the terminal state 'closed' without the effect "
                                      "'closure.reopen': closed relationships are read-only",
        f"/transitions/{index['reassign_mentor']}/roles":
            "effect 'closure.reassign_mentor' may only be fired by the coordinator; remove mentor",
        f"/transitions/{index['submit_closure_form']}/form":
            "transition 'submit_closure_form' uses effect 'closure.record_form' but has no form with the field(s) "
            "goals, satisfaction",
        f"/transitions/{index['request_rematch']}/from":
            "effect 'closure.enqueue_rematch' is for closed relationships: leave from terminal states only",
    }
    # The default workflow's own transitions all stay inside non-terminal states.
    mentorflow_engine.load_workflow(default_workflow())

    document = extend(default_workflow())
    document["transitions"][index["reopen"]]["from"] = "closing"
    settings = document["programme"]["settings"]["closure"]
    settings["reasons"].append({"id": "other", "label": {"en": "Again", "da": "Igen"}})
    assert set(_problems(mentorflow_engine, document)) == {f"/transitions/{index['reopen']}/from",
                                                           "/programme/settings/closure/reasons/6/id"}
    document = extend(default_workflow())
    document["programme"]["settings"]["closure"]["reopen_window"] = "thirty days"
    assert set(_problems(mentorflow_engine, document)) == {"/programme/settings/closure/reopen_window"}
    document["programme"]["settings"]["closure"] = {"post_closure_contact": POST_CLOSURE_CONTACT}
    with pytest.raises(WorkflowInvalid) as caught:
        mentorflow_engine.load_workflow(document)
    assert [(p.pointer, p.message) for p in caught.value.problems] == [
        ("/programme/settings/closure", "transition 'end_early' ends relationships early: list the programme's "
                                        "neutral reasons under settings.closure.reasons"),
        ("/programme/settings/closure", "transition 'reopen' checks the reopen window: set "
                                        "settings.closure.reopen_window")]


def test_summary_counts_an_amended_agreement_as_a_new_version_signed_again(mentorflow_factory: Factory) -> None:
    pair = Pair(mentorflow_factory, default_workflow(), key="full")  # the full lifecycle, agreements plugin included
    pair.drive([("propose_agreement", "mentor", AGREEMENT),
                ("sign_agreement", "mentor", {"accept": True, "version": 1}),
                ("sign_agreement", "mentee", {"accept": True, "version": 1}), ("agree", "mentee", {}),
                ("amend_agreement", "mentee", {**AGREEMENT, "meeting_frequency": "weekly"}),
                ("sign_agreement", "mentee", {"accept": True, "version": 2})])
    summary = api.closing_summary(pair.engine, pair.rel, pair.mentor)
    assert (summary.agreement_versions, summary.agreement_signatures) == (2, 3)  # the amendment is no signature
    pair.fire("sign_agreement", "mentor", {"accept": True, "version": 2})
    summary = api.closing_summary(pair.engine, pair.rel, pair.coordinator)
    assert (summary.agreement_versions, summary.agreement_signatures) == (2, 4)
