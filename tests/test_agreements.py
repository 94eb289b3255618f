"""The agreements plugin on SQLite and PostgreSQL: versions, signatures, the both-sign guard, amendments, privacy."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from mentorflow import Engine, Forbidden, FormInvalid, GuardFailed, NotFound, TransitionError, WorkflowInvalid
from mentorflow.db.models import AuditEvent
from mentorflow.plugins.agreements.api import agreement_history, current_agreement, is_fully_signed
from mentorflow.plugins.agreements.models import AgreementSignature, AgreementVersion
from mentorflow.policy import Access
from mentorflow.testing import Factory, default_workflow
from tests.workflows_agreements import extend

TERMS = {
    "mentor_expectations": "Listens, asks good questions, shares contacts.",
    "mentee_expectations": "Prepares an agenda and follows up.",
    "meeting_frequency": "fortnightly",
    "meeting_format": "video",
    "meeting_length_minutes": 60,
    "confidentiality": "What we say stays between us unless someone is at risk.",
    "duration": "P6M",
    "ending": "Either of us can end it after a conversation; no reasons needed.",
}
ACCEPT = {"accept": True}


def workflow(**privacy: bool) -> dict[str, Any]:
    document = extend(default_workflow())
    if privacy:
        document["programme"]["settings"]["privacy"] = privacy
    return document


class Pair:
    """A relationship with its people on a programme using the agreements extension."""

    def __init__(self, factory: Factory, document: dict[str, Any] | None = None, key: str = "programme") -> None:
        self.factory = factory
        self.engine: Engine = factory.engine
        self.programme = factory.programme(key, document or workflow())
        self.coordinator = factory.person("Carla", role="coordinator", programme=self.programme)
        self.mentor = factory.person("Morten", role="mentor", programme=self.programme)
        self.mentee = factory.person("Mia", role="mentee", programme=self.programme)
        self.stranger = factory.person("Olga")
        self.rel = self.engine.start_relationship(self.programme, mentee=self.mentee, mentor=self.mentor)

    def fire(self, transition: str, who: int, data: dict[str, Any] | None = None) -> Any:
        self.rel = self.engine.fire(self.rel, transition, who, data).relationship
        return self.rel

    def signed_and_agreed(self) -> Any:
        self.fire("propose_agreement", self.mentor, TERMS)
        self.fire("sign_agreement", self.mentor, ACCEPT)
        self.fire("sign_agreement", self.mentee, ACCEPT)
        return self.fire("agree", self.mentee)


@pytest.fixture
def pair(mentorflow_factory: Factory) -> Pair:
    return Pair(mentorflow_factory)


def count(engine: Engine, table: Any) -> int:
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def written(engine: Engine) -> tuple[int, int, int]:
    return (count(engine, AuditEvent.__table__), count(engine, AgreementVersion.__table__),
            count(engine, AgreementSignature.__table__))


def test_both_must_sign_before_the_pair_can_agree(pair: Pair, mentorflow_clock: Any) -> None:
    pair.fire("propose_agreement", pair.coordinator, TERMS)
    mentorflow_clock.advance(hours=2)
    pair.fire("sign_agreement", pair.mentor, {"accept": True, "comment": "Looking forward to it"})
    with pytest.raises(GuardFailed) as caught:
        pair.engine.fire(pair.rel, "agree", pair.mentor)
    assert caught.value.guard == "agreements.signed" and caught.value.plugin == "agreements"
    assert caught.value.reason == "waiting for Mentee to sign version 1 of the agreement"
    assert pair.engine.get(pair.rel.id).state == "contracting"
    assert not is_fully_signed(pair.engine, pair.rel, pair.mentor)
    blocked = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, pair.coordinator)}
    assert blocked["agree"].reasons == ("waiting for Mentee to sign version 1 of the agreement",)

    mentorflow_clock.advance(days=1)
    pair.fire("sign_agreement", pair.mentee, ACCEPT)
    assert is_fully_signed(pair.engine, pair.rel, pair.coordinator)
    assert pair.fire("agree", pair.coordinator).state == "goal_setting"

    agreement = current_agreement(pair.engine, pair.rel, pair.mentee)
    assert agreement is not None and agreement.version == 1 and agreement.kind == "proposal"
    assert agreement.terms == TERMS and agreement.fully_signed and agreement.current
    assert (agreement.proposed_by, agreement.proposed_role) == (pair.coordinator, "coordinator")
    start = pair.rel.started_at
    assert [(s.signer_id, s.role, s.signed_at, s.comment) for s in agreement.signatures] == [
        (pair.mentor, "mentor", start + timedelta(hours=2), "Looking forward to it"),
        (pair.mentee, "mentee", start + timedelta(hours=2, days=1), None),
    ]


def test_the_reason_names_everyone_still_missing(pair: Pair) -> None:
    with pytest.raises(GuardFailed, match="no agreement has been proposed yet"):
        pair.engine.fire(pair.rel, "agree", pair.mentee)
    pair.fire("propose_agreement", pair.mentee, TERMS)
    with pytest.raises(GuardFailed) as nobody:
        pair.engine.fire(pair.rel, "agree", pair.mentee)
    assert nobody.value.reason == "waiting for Mentor and Mentee to sign version 1 of the agreement"
    pair.fire("sign_agreement", pair.mentee, ACCEPT)
    with pytest.raises(GuardFailed) as mentor_missing:
        pair.engine.fire(pair.rel, "agree", pair.mentee)
    assert mentor_missing.value.reason == "waiting for Mentor to sign version 1 of the agreement"


def test_signing_twice_or_with_nothing_to_sign_is_refused_and_writes_nothing(pair: Pair) -> None:
    before = written(pair.engine)
    with pytest.raises(TransitionError, match="there is no agreement to sign yet"):
        pair.engine.fire(pair.rel, "sign_agreement", pair.mentor, ACCEPT)
    assert written(pair.engine) == before
    pair.fire("propose_agreement", pair.mentor, TERMS)
    pair.fire("sign_agreement", pair.mentor, ACCEPT)
    before = written(pair.engine)
    with pytest.raises(TransitionError, match="you have already signed version 1 of the agreement"):
        pair.engine.fire(pair.rel, "sign_agreement", pair.mentor, ACCEPT)
    assert written(pair.engine) == before
    offered = {a.transition.id: a for a in pair.engine.available_transitions(pair.rel, pair.mentor)}
    assert not offered["sign_agreement"].allowed


def test_the_sign_effect_refuses_on_its_own_without_the_guard(mentorflow_factory: Factory) -> None:
    """A programme may leave out agreements.awaiting_signature; the effect still refuses."""
    document = workflow()
    sign = next(t for t in document["transitions"] if t["id"] == "sign_agreement")
    sign["guards"] = []
    pair = Pair(mentorflow_factory, document)
    before = written(pair.engine)
    with pytest.raises(TransitionError, match="There is no agreement to sign yet: it has to be proposed first"):
        pair.engine.fire(pair.rel, "sign_agreement", pair.mentee, ACCEPT)
    assert written(pair.engine) == before
    pair.fire("propose_agreement", pair.mentor, TERMS)
    pair.fire("sign_agreement", pair.mentee, ACCEPT)
    before = written(pair.engine)
    with pytest.raises(TransitionError, match="You have already signed version 1 of the agreement"):
        pair.engine.fire(pair.rel, "sign_agreement", pair.mentee, ACCEPT)
    assert written(pair.engine) == before
    assert pair.engine.get(pair.rel.id).version == pair.rel.version


def test_amendment_is_a_new_version_both_sign_again_and_old_signatures_stay(pair: Pair) -> None:
    pair.signed_and_agreed()
    assert is_fully_signed(pair.engine, pair.rel, pair.mentor)
    changed = {**TERMS, "meeting_frequency": "monthly"}
    pair.fire("amend_agreement", pair.mentee, changed)
    assert not is_fully_signed(pair.engine, pair.rel, pair.mentor)
    current = current_agreement(pair.engine, pair.rel, pair.mentor)
    assert current is not None
    assert (current.version, current.kind, current.terms, current.signatures) == (2, "amendment", changed, ())
    assert current.missing_roles == ("mentor", "mentee")

    pair.fire("sign_agreement", pair.mentor, {"accept": True, "version": 2})
    assert not is_fully_signed(pair.engine, pair.rel, pair.mentee)
    pair.fire("sign_agreement", pair.mentee, ACCEPT)
    assert is_fully_signed(pair.engine, pair.rel, pair.mentee)

    history = agreement_history(pair.engine, pair.rel, pair.mentee)
    assert [(v.version, v.current, v.fully_signed, [s.role for s in v.signatures]) for v in history] == [
        (1, False, True, ["mentor", "mentee"]), (2, True, True, ["mentor", "mentee"])]
    assert history[0].terms == TERMS and history[1].terms == changed
    assert pair.rel.state == "goal_setting"


def test_amendment_that_changes_nothing_or_stale_signature_is_refused(pair: Pair) -> None:
    pair.signed_and_agreed()
    before = written(pair.engine)
    with pytest.raises(FormInvalid) as same:
        pair.engine.fire(pair.rel, "amend_agreement", pair.mentor, TERMS)
    assert [p.pointer for p in same.value.problems] == [""]
    assert "same as version 1" in same.value.problems[0].message
    assert written(pair.engine) == before
    pair.fire("amend_agreement", pair.mentor, {**TERMS, "duration": "P9M"})
    before = written(pair.engine)
    with pytest.raises(FormInvalid) as stale:
        pair.engine.fire(pair.rel, "sign_agreement", pair.mentee, {"accept": True, "version": 1})
    assert [p.pointer for p in stale.value.problems] == ["/version"]
    assert "version 2 is" in stale.value.problems[0].message
    assert written(pair.engine) == before


def test_bad_terms_are_rejected_with_pointers_and_nothing_is_written(pair: Pair) -> None:
    before = written(pair.engine)
    bad = {**TERMS, "meeting_format": "carrier pigeon", "duration": "six months"}
    del bad["confidentiality"]
    with pytest.raises(FormInvalid) as caught:
        pair.engine.fire(pair.rel, "propose_agreement", pair.mentor, bad)
    assert caught.value.form == "agreement"
    assert {p.pointer for p in caught.value.problems} == {"/meeting_format", "/duration", "/confidentiality"}
    with pytest.raises(Forbidden):
        pair.engine.fire(pair.rel, "propose_agreement", pair.stranger, TERMS)
    assert written(pair.engine) == before
    assert current_agreement(pair.engine, pair.rel, pair.mentor) is None
    assert agreement_history(pair.engine, pair.rel, pair.mentor) == []


def test_privacy_pair_sees_terms_coordinators_metadata_strangers_nothing(mentorflow_factory: Factory) -> None:
    closed = Pair(mentorflow_factory)
    closed.fire("propose_agreement", closed.mentor, TERMS)
    closed.fire("sign_agreement", closed.mentee, {"accept": True, "comment": "Fine by me"})
    for person in (closed.mentor, closed.mentee):
        view = current_agreement(closed.engine, closed.rel, person)
        assert view is not None and view.access is Access.FULL and view.terms == TERMS
        assert view.signatures[0].comment == "Fine by me"
    meta = current_agreement(closed.engine, closed.rel, closed.coordinator)
    assert meta is not None and meta.access is Access.METADATA
    assert meta.terms is None and meta.version == 1 and meta.proposed_by == closed.mentor
    assert [(s.signer_id, s.role, s.comment) for s in meta.signatures] == [(closed.mentee, "mentee", None)]
    assert meta.missing_roles == ("mentor",)
    assert [v.terms for v in agreement_history(closed.engine, closed.rel, closed.coordinator)] == [None]
    for query in (current_agreement, agreement_history, is_fully_signed):
        with pytest.raises(NotFound, match="does not exist"):
            query(closed.engine, closed.rel, closed.stranger)

    open_programme = Pair(mentorflow_factory, workflow(coordinator_sees_content=True), key="open")
    open_programme.fire("propose_agreement", open_programme.mentee, TERMS)
    open_programme.fire("sign_agreement", open_programme.mentor, {"accept": True, "comment": "Agreed"})
    seen = current_agreement(open_programme.engine, open_programme.rel, open_programme.coordinator)
    assert seen is not None and seen.access is Access.FULL and seen.terms == TERMS
    assert seen.signatures[0].comment == "Agreed"
    # A coordinator of another programme is a stranger here.
    with pytest.raises(NotFound, match="does not exist"):
        current_agreement(open_programme.engine, open_programme.rel, closed.coordinator)


def _problems(engine: Engine, document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(WorkflowInvalid) as caught:
        engine.load_workflow(document)
    return {p.pointer: p.message for p in caught.value.problems}


def _index(document: dict[str, Any], transition_id: str) -> int:
    return next(i for i, t in enumerate(document["transitions"]) if t["id"] == transition_id)


def test_workflow_checks_point_at_the_problem(mentorflow_engine: Engine) -> None:
    document = workflow()
    propose, sign, agree = (_index(document, t) for t in ("propose_agreement", "sign_agreement", "agree"))
    broken = copy.deepcopy(document)
    del broken["transitions"][propose]["form"]
    broken["transitions"][sign]["roles"] = ["mentor", "mentee", "coordinator"]
    broken["transitions"][agree]["guards"][0]["params"] = {"roles": ["coordinator"]}
    problems = _problems(mentorflow_engine, broken)
    assert f"/transitions/{agree}/guards/0/params/roles/0" in problems
    fixed_guard = copy.deepcopy(broken)
    fixed_guard["transitions"][agree]["guards"][0]["params"] = {"roles": ["mentor", "mentee"]}
    problems = _problems(mentorflow_engine, fixed_guard)
    assert "give the transition a form" in problems[f"/transitions/{propose}/effects/0"]
    assert "remove coordinator" in problems[f"/transitions/{sign}/roles"]

    no_proposal = copy.deepcopy(document)
    del no_proposal["transitions"][propose]
    problems = _problems(mentorflow_engine, no_proposal)
    sign, agree = _index(no_proposal, "sign_agreement"), _index(no_proposal, "agree")
    assert "never an agreement" in problems[f"/transitions/{sign}/effects/0"]
    assert "could never pass" in problems[f"/transitions/{agree}/guards/0"]
    assert "could never pass" in problems[f"/transitions/{sign}/guards/0"]
