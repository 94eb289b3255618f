"""The meetings plugin on SQLite and PostgreSQL: logging, rating, validation, privacy and programme figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from mentorflow import SYSTEM, Engine, Forbidden, FormInvalid, ManualClock, NotFound, TransitionError, WorkflowInvalid
from mentorflow.plugins.meetings import api
from mentorflow.plugins.meetings.models import Meeting, MeetingFeedback
from mentorflow.policy import Access
from mentorflow.testing import Factory, default_workflow
from tests.workflows_meetings import extend

MEETING = {"date": "2026-01-05", "duration_minutes": 45, "format": "video", "agenda": "Thesis topics",
           "shared_notes": "Pick two topics", "private_notes": "Mia seemed tired", "rating": 3}


def count(engine: Engine, table: Any) -> int:
    with engine.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


class Pair:
    """A programme (the default lifecycle plus the meetings additions) with one relationship and its people."""

    def __init__(self, factory: Factory, document: dict[str, Any] | None = None, key: str = "programme") -> None:
        self.factory, self.engine = factory, factory.engine
        self.programme = factory.programme(key, document or extend(default_workflow()))
        self.coordinator = factory.person("Carla", role="coordinator", programme=key)
        self.mentor = factory.person("Morten", role="mentor", programme=key)
        self.mentee = factory.person("Mia", role="mentee", programme=key)
        self.rel = self.engine.start_relationship(key, mentee=self.mentee, mentor=self.mentor)

    def fire(self, transition: str, actor: int, data: dict[str, Any]) -> Any:
        self.rel = self.engine.fire(self.rel, transition, actor, data).relationship
        return self.rel

    def log(self, actor: int, **changes: Any) -> int:
        data = {key: value for key, value in {**MEETING, **changes}.items() if value is not None}
        self.fire("log_meeting", actor, data)
        return max(m.id for m in api.meetings(self.engine, self.rel, SYSTEM))


def with_privacy(coordinator_sees_content: bool) -> dict[str, Any]:
    document = extend(default_workflow())
    document["programme"]["settings"]["privacy"] = {"coordinator_sees_content": coordinator_sees_content}
    return document


@pytest.fixture
def pair(mentorflow_factory: Factory) -> Pair:
    return Pair(mentorflow_factory)


def test_the_pair_logs_and_rates_a_meeting_and_each_keeps_their_own_notes(pair: Pair) -> None:
    meeting_id = pair.log(pair.mentor)
    pair.fire("rate_meeting", pair.mentee, {"meeting_id": meeting_id, "rating": 4, "private_notes": "Felt heard"})
    [for_mentor] = api.meetings(pair.engine, pair.rel, pair.mentor)
    [for_mentee] = api.meetings(pair.engine, pair.rel, pair.mentee)
    for seen in (for_mentor, for_mentee):
        assert (seen.held_on, seen.duration_minutes, seen.format) == (date(2026, 1, 5), 45, "video")
        assert (seen.agenda, seen.shared_notes, seen.access) == ("Thesis topics", "Pick two topics", Access.FULL)
        assert (seen.logged_by, seen.logged_role) == (pair.mentor, "mentor")
    assert (for_mentor.own.rating, for_mentor.own.private_notes) == (3, "Mia seemed tired")
    assert (for_mentee.own.rating, for_mentee.own.private_notes) == (4, "Felt heard")
    # Neither sees the other's rating or private notes, not even that they exist.
    assert [f.author_id for f in for_mentor.feedback] == [pair.mentor]
    assert [f.author_id for f in for_mentee.feedback] == [pair.mentee]
    # The audit timeline does not leak them either: the meeting forms are private.
    assert [e.data for e in pair.engine.timeline(pair.rel, viewer=pair.mentee)
            if e.transition == "log_meeting"] == [None]
    # A meeting logged without rating or notes has no feedback row; the other side can add one later.
    second = pair.log(pair.mentee, private_notes="", rating=None, date="2026-01-04")
    assert count(pair.engine, MeetingFeedback.__table__) == 2
    pair.fire("rate_meeting", pair.mentee, {"meeting_id": second, "rating": 2})
    pair.fire("rate_meeting", pair.mentee, {"meeting_id": second, "private_notes": "Adding a note later"})
    seen = {m.id: m for m in api.meetings(pair.engine, pair.rel, pair.mentee)}
    assert (seen[second].own.rating, seen[second].own.private_notes) == (2, "Adding a note later")
    assert [m.id for m in api.meetings(pair.engine, pair.rel, pair.mentee)] == [second, meeting_id]  # by date


@pytest.mark.parametrize("coordinator_sees_content", [False, True])
def test_meeting_privacy_matrix(mentorflow_factory: Factory, coordinator_sees_content: bool) -> None:
    pair = Pair(mentorflow_factory, with_privacy(coordinator_sees_content))
    meeting_id = pair.log(pair.mentee)
    pair.fire("rate_meeting", pair.mentor, {"meeting_id": meeting_id, "rating": 2, "private_notes": "Too short"})
    [seen] = api.meetings(pair.engine, pair.rel, pair.coordinator)
    assert (seen.held_on, seen.duration_minutes, seen.format) == (date(2026, 1, 5), 45, "video")
    if coordinator_sees_content:
        assert seen.access is Access.FULL and seen.agenda == "Thesis topics"
    else:
        assert seen.access is Access.METADATA and seen.agenda is None and seen.shared_notes is None
    # Private notes and ratings are the author's alone, whatever the programme says.
    assert seen.own is None
    assert {(f.author_id, f.access, f.rating, f.private_notes) for f in seen.feedback} == {
        (pair.mentee, Access.METADATA, None, None), (pair.mentor, Access.METADATA, None, None)}
    with pytest.raises(NotFound, match="does not exist"):
        api.meetings(pair.engine, pair.rel, mentorflow_factory.person("Stranger"))
    with pytest.raises(NotFound, match="does not exist"):  # a coordinator of another programme is a stranger here
        api.meetings(pair.engine, pair.rel, Pair(mentorflow_factory, key="elsewhere").coordinator)
    everything = api.meetings(pair.engine, pair.rel, SYSTEM)[0]
    assert {f.private_notes for f in everything.feedback} == {"Mia seemed tired", "Too short"}


def test_meeting_data_is_validated_and_nothing_is_written(pair: Pair, mentorflow_clock: ManualClock) -> None:
    today = mentorflow_clock.now().date()
    version = pair.rel.version
    cases = {
        "/date": {"date": (today + timedelta(days=2)).isoformat()},
        "/duration_minutes": {"duration_minutes": 0},
        "/format": {"format": "carrier_pigeon"},
        "/rating": {"rating": 5},
    }
    for where, change in cases.items():
        with pytest.raises(FormInvalid) as caught:
            pair.engine.fire(pair.rel, "log_meeting", pair.mentor, {**MEETING, **change})
        assert [p.pointer for p in caught.value.problems] == [where], change
        if where == "/date":
            assert "more than a day in the future" in caught.value.problems[0].message
    with pytest.raises(Forbidden):
        pair.engine.fire(pair.rel, "log_meeting", pair.coordinator, MEETING)
    assert count(pair.engine, Meeting.__table__) == count(pair.engine, MeetingFeedback.__table__) == 0
    assert pair.engine.get(pair.rel.id).version == version
    pair.log(pair.mentor, date=(today + timedelta(days=1)).isoformat())  # tomorrow is within the day of slack


def test_the_effect_checks_what_a_lax_form_lets_through(mentorflow_factory: Factory,
                                                        mentorflow_clock: ManualClock) -> None:
    """A programme's own form may forget the limits; the effect still refuses bad meetings, with pointers."""
    document = extend(default_workflow())
    properties = document["forms"]["meeting"]["schema"]["properties"]
    properties.update(date={"type": "string"}, duration_minutes={"type": "integer"}, rating={"type": "integer"},
                      format={"type": "string"})
    pair = Pair(mentorflow_factory, document)
    with pytest.raises(FormInvalid) as caught:
        pair.engine.fire(pair.rel, "log_meeting", pair.mentee, {
            "date": "next tuesday", "duration_minutes": 0, "format": "fax", "rating": 9})
    assert [p.pointer for p in caught.value.problems] == ["/date", "/duration_minutes", "/format", "/rating"]
    assert count(pair.engine, Meeting.__table__) == 0


def test_rating_a_meeting_checks_it_belongs_to_the_relationship(mentorflow_factory: Factory) -> None:
    pair = Pair(mentorflow_factory)
    other = Pair(mentorflow_factory, key="other")
    theirs = other.log(other.mentor)
    ours = pair.log(pair.mentor, rating=None, private_notes="")
    version = pair.rel.version
    for meeting_id in (theirs, 999_999):
        with pytest.raises(FormInvalid) as caught:
            pair.engine.fire(pair.rel, "rate_meeting", pair.mentee, {"meeting_id": meeting_id, "rating": 3})
        assert [p.pointer for p in caught.value.problems] == ["/meeting_id"]
    with pytest.raises(FormInvalid) as empty:
        pair.engine.fire(pair.rel, "rate_meeting", pair.mentee, {"meeting_id": ours})
    assert [p.pointer for p in empty.value.problems] == ["/rating"]
    assert pair.engine.get(pair.rel.id).version == version
    assert count(pair.engine, MeetingFeedback.__table__) == 1  # only the other programme's logger's row
    pair.fire("rate_meeting", pair.mentee, {"meeting_id": ours, "rating": 3})
    with pytest.raises(TransitionError, match="already rated this meeting"):
        pair.engine.fire(pair.rel, "rate_meeting", pair.mentee, {"meeting_id": ours, "rating": 1})
    [seen] = api.meetings(pair.engine, pair.rel, pair.mentee)
    assert seen.own is not None and seen.own.rating == 3


def test_meeting_stats_are_for_coordinators_and_only_aggregate(mentorflow_factory: Factory) -> None:
    pair = Pair(mentorflow_factory)
    second = Pair(mentorflow_factory)
    first_id = pair.log(pair.mentor, rating=4)
    pair.fire("rate_meeting", pair.mentee, {"meeting_id": first_id, "rating": 2})
    pair.log(pair.mentee, format="phone", duration_minutes=15, rating=None, private_notes="")
    second.log(second.mentee, format="in_person", duration_minutes=60, rating=3)
    elsewhere = Pair(mentorflow_factory, key="elsewhere")
    elsewhere.log(elsewhere.mentor, rating=1)  # another programme's meetings are not counted
    stats = api.meeting_stats(pair.engine, pair.programme, pair.coordinator)
    assert (stats.meetings, stats.relationships_with_meetings, stats.total_minutes) == (3, 2, 120)
    assert stats.average_minutes == 40.0
    assert stats.by_format == {"video": 1, "phone": 1, "in_person": 1}
    assert (stats.ratings, stats.average_rating) == (3, 3.0)
    assert stats.average_rating_by_role == {"mentor": 4.0, "mentee": 2.5}
    assert api.meeting_stats(pair.engine, pair.programme, SYSTEM).meetings == 3
    for outsider in (pair.mentor, pair.mentee, mentorflow_factory.person("Stranger")):
        with pytest.raises(Forbidden):
            api.meeting_stats(pair.engine, pair.programme, outsider)


def test_workflow_checks_for_the_meeting_effects(mentorflow_engine: Engine) -> None:
    document = extend(default_workflow())
    document["forms"]["meeting"]["private"] = False
    del document["forms"]["meeting_rating"]["schema"]["properties"]["meeting_id"]
    document["forms"]["meeting_rating"]["schema"]["required"] = []
    index = {t["id"]: i for i, t in enumerate(document["transitions"])}
    document["transitions"][index["log_meeting"]]["roles"] = ["mentor", "mentee", "system"]
    with pytest.raises(WorkflowInvalid) as caught:
        mentorflow_engine.load_workflow(document)
    found = {p.pointer: p.message for p in caught.value.problems}
    assert set(found) == {"/forms/meeting/private", "/forms/meeting_rating/schema/properties",
                          f"/transitions/{index['log_meeting']}/roles"}
    assert "meeting_id" in found["/forms/meeting_rating/schema/properties"]
    assert '"private": true' in found["/forms/meeting/private"]


def test_the_meetings_hook_answers_a_stranger_with_no_meetings_not_an_error(pair: Pair) -> None:
    """Other plugins ask through mentorflow.meetings: a viewer outside the relationship gets none, not a crash."""
    from mentorflow.meetings import relationship_meetings

    pair.log(pair.mentor)
    stranger = pair.factory.person("Olga", role="mentee", programme=pair.programme)
    assert [(m.held_on, m.agenda) for m in relationship_meetings(pair.engine, pair.rel, pair.mentee)] == [
        (date(2026, 1, 5), "Thesis topics")]
    assert list(relationship_meetings(pair.engine, pair.rel, stranger)) == []
