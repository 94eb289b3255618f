"""The messages plugin: a conversation per relationship, read by its members, counted for the coordinators.

Every test runs on SQLite and PostgreSQL with the real plugin and its query functions. Who may read is
asserted from the rule (docs/messages.md), written here once: every current member reads every message;
a coordinator sees how many and when, never the words (even where the programme lets coordinators read
what participants share); a member who has left and a stranger get "not found".
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from mentorflow import Engine, NotFound
from mentorflow.clock import ManualClock
from mentorflow.errors import Forbidden, FormInvalid
from mentorflow.gdpr import ERASED_TEXT, erase_person, export_person, pseudonym_for
from mentorflow.panels import PageContext, page_panels
from mentorflow.plugins.messages import api, notify
from mentorflow.plugins.messages.models import Message, Notice
from mentorflow.schemas import template_paths
from mentorflow.testing import Factory, RecordingChannel, default_workflow
from tests.test_group_privacy import required

CHANNEL = RecordingChannel("recorder")


@pytest.fixture
def mentorflow_plugins() -> list[Any]:
    return [CHANNEL]


@pytest.fixture(autouse=True)
def recorded(monkeypatch: pytest.MonkeyPatch) -> RecordingChannel:
    CHANNEL.messages.clear()
    monkeypatch.setenv("MENTORFLOW_NOTIFICATION_CHANNEL", "recorder")
    monkeypatch.setenv("MENTORFLOW_BASE_URL", "https://mentoring.example.edu")
    return CHANNEL


def group(engine: Engine, factory: Factory) -> tuple[Any, dict[str, int]]:
    doc = json.loads(template_paths()["first-year-cohort"].read_text("utf-8"))
    factory.programme("cohort", doc)
    people = {label: factory.person(label.title(), role=role, programme="cohort")
              for label, role in (("mentor", "mentor"), ("anna", "mentee"), ("bo", "mentee"), ("leaver", "mentee"))}
    people["coordinator"] = factory.person("Coordinator", role="coordinator", programme="cohort")
    people["stranger"] = factory.person("Stranger", role="mentee", programme="cohort")
    rel = engine.start_relationship("cohort", members={"mentor": [people["mentor"]],
                                                       "mentee": [people["anna"], people["bo"], people["leaver"]]},
                                    actor=people["coordinator"])
    return rel, people


def agreed(engine: Engine, rel: Any, people: dict[str, int]) -> Any:
    """The group past its agreement (members may leave from goal setting on)."""
    doc = json.loads(template_paths()["first-year-cohort"].read_text("utf-8"))
    rel = engine.fire(rel, "propose_agreement", people["mentor"], required(doc, "agreement")).relationship
    for label in ("mentor", "anna", "bo", "leaver"):
        rel = engine.fire(rel, "sign_agreement", people[label], {"accept": True, "version": 1}).relationship
    return engine.fire(rel, "agree", people["mentor"]).relationship


def test_a_pair_writes_and_reads_newest_first_with_unread_counts(mentorflow_engine: Engine,
                                                                  mentorflow_factory: Factory,
                                                                  mentorflow_clock: ManualClock) -> None:
    rel = mentorflow_factory.relationship()
    mentor, mentee = rel.mentor_id, rel.mentee_id
    assert mentor is not None and mentee is not None
    for i in range(5):
        api.post(mentorflow_engine, rel, mentee if i % 2 == 0 else mentor, f"  Message {i}\r\nline two ")
        mentorflow_clock.advance(minutes=1)
    page = api.thread(mentorflow_engine, rel, mentor, limit=2)
    assert [m.body for m in page.items] == ["Message 4\nline two", "Message 3\nline two"]
    # Writing marks the thread read up to one's own message: the mentor wrote 3, so only 4 is new to them.
    assert page.summary.count == 5 and page.summary.unread == 1
    older = api.thread(mentorflow_engine, rel, mentor, limit=2, before=page.next_before)
    assert [m.body.split("\n")[0] for m in older.items] == ["Message 2", "Message 1"]
    last = api.thread(mentorflow_engine, rel, mentor, limit=2, before=older.next_before)
    assert [m.body.split("\n")[0] for m in last.items] == ["Message 0"] and last.next_before is None
    assert api.unread_counts(mentorflow_engine, mentor, [rel.id]) == {rel.id: 1}
    assert api.unread_counts(mentorflow_engine, mentee, [rel.id]) == {}
    assert api.mark_read(mentorflow_engine, rel, mentor).unread == 0
    assert api.unread_counts(mentorflow_engine, mentor, [rel.id]) == {}
    with pytest.raises(FormInvalid) as limit:
        api.thread(mentorflow_engine, rel, mentor, limit=0)
    assert limit.value.problems[0].pointer == "/limit"


@pytest.mark.parametrize("body, problem", [
    ("", "empty"), (" \n\t ", "empty"), ("x" * (api.MAX_LENGTH + 1), "at most 4000"), (None, "must be text"),
    (["a list"], "must be text"), ("bell \x07", "control characters"), ("\ud800", "not valid Unicode"),
])
def test_bad_messages_are_refused_at_body_and_nothing_is_written(body: Any, problem: str, mentorflow_engine: Engine,
                                                                 mentorflow_factory: Factory) -> None:
    rel = mentorflow_factory.relationship()
    with pytest.raises(FormInvalid) as refused:
        api.post(mentorflow_engine, rel, rel.mentee_id, body)
    assert [p.pointer for p in refused.value.problems] == ["/body"] and problem in refused.value.problems[0].message
    with mentorflow_engine.read() as conn:
        assert conn.execute(select(Message.__table__)).first() is None
        assert conn.execute(select(Notice.__table__)).first() is None


def test_who_reads_a_group_conversation(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    rel, people = group(mentorflow_engine, mentorflow_factory)
    api.post(mentorflow_engine, rel, people["anna"], "Secret words from Anna")
    api.post(mentorflow_engine, rel, people["leaver"], "Leaving soon")
    rel = agreed(mentorflow_engine, rel, people)
    rel = mentorflow_engine.fire(rel, "leave_group", people["leaver"], {"reason": "time"}).relationship
    api.post(mentorflow_engine, rel, people["mentor"], "Welcome all")
    for member in ("mentor", "anna", "bo"):  # every current member reads every message, a fellow mentee's too
        bodies = {m.body for m in api.thread(mentorflow_engine, rel, people[member]).items}
        assert bodies == {"Secret words from Anna", "Leaving soon", "Welcome all"}, member
    for outsider in ("leaver", "stranger"):  # a member who left reads none of it any more
        for read in (api.thread, api.summary):
            with pytest.raises(NotFound):
                read(mentorflow_engine, rel, people[outsider])
        with pytest.raises(NotFound):
            api.post(mentorflow_engine, rel, people[outsider], "Still here?")
    coordinator = people["coordinator"]
    about = api.summary(mentorflow_engine, rel, coordinator)
    assert about.count == 3 and about.last_posted_at is not None and about.unread is None
    with pytest.raises(Forbidden):
        api.thread(mentorflow_engine, rel, coordinator)
    with pytest.raises(Forbidden):
        api.post(mentorflow_engine, rel, coordinator, "A coordinator writes")
    # The coordinator's relationship page: the count and the time, never the words.
    html = "".join(p.html for p in page_panels(mentorflow_engine, PageContext(
        page="relationship", viewer=coordinator, locale="en", relationship=rel)))
    assert "3 messages" in html and "Secret words" not in html and "Welcome all" not in html


def test_coordinator_sees_content_does_not_open_the_conversation(mentorflow_engine: Engine,
                                                                 mentorflow_factory: Factory) -> None:
    doc = default_workflow()
    doc["programme"].setdefault("settings", {})["privacy"] = {"coordinator_sees_content": True}
    mentorflow_factory.programme("open", doc)
    rel = mentorflow_factory.relationship("open")
    api.post(mentorflow_engine, rel, rel.mentee_id, "Only for my mentor")
    with pytest.raises(Forbidden):
        api.thread(mentorflow_engine, rel, mentorflow_factory.coordinator("open"))


def test_the_panels_show_unread_counts_and_showing_marks_read(mentorflow_engine: Engine,
                                                              mentorflow_factory: Factory) -> None:
    rel = mentorflow_factory.relationship()
    mentor, mentee = rel.mentor_id, rel.mentee_id
    assert mentor is not None and mentee is not None
    api.post(mentorflow_engine, rel, mentee, "Hello <b>mentor</b>")
    api.post(mentorflow_engine, rel, mentee, "Are you there?")
    me = page_panels(mentorflow_engine, PageContext(page="me", viewer=mentor, locale="en"))
    assert [p.title for p in me] == ["2 unread messages"] and f"/relationships/{rel.id}#messages" in me[0].html
    assert page_panels(mentorflow_engine, PageContext(page="me", viewer=mentee, locale="en")) == []
    context = PageContext(page="relationship", viewer=mentor, locale="en", relationship=rel)
    first = next(p for p in page_panels(mentorflow_engine, context) if p.id == "messages")
    assert first.title == "Messages (2 new)"
    assert "Hello &lt;b&gt;mentor&lt;/b&gt;" in first.html and "<b>mentor" not in first.html  # escaped
    again = next(p for p in page_panels(mentorflow_engine, context) if p.id == "messages")
    assert again.title == "Messages"
    assert page_panels(mentorflow_engine, PageContext(page="me", viewer=mentor, locale="en")) == []


def test_a_burst_sends_one_notification_in_the_recipients_language(mentorflow_engine: Engine,
                                                                   mentorflow_factory: Factory,
                                                                   mentorflow_clock: ManualClock,
                                                                   recorded: RecordingChannel) -> None:
    mentorflow_factory.programme()
    mentor = mentorflow_factory.person("Morten", role="mentor", programme="programme", locale="da",
                                       email="morten@example.edu")
    rel = mentorflow_factory.relationship(mentor=mentor)
    mentee = rel.mentee_id
    for i in range(20):
        api.post(mentorflow_engine, rel, mentee, f"Burst secret {i}")
        mentorflow_clock.advance(seconds=10)
    assert notify.deliver(mentorflow_engine).sent == 0  # not due yet: the burst is still being written
    mentorflow_clock.advance(minutes=10)
    assert notify.deliver(mentorflow_engine).sent == 1
    assert notify.deliver(mentorflow_engine).sent == 0
    (sent,) = recorded.messages
    assert sent.recipient_id == mentor and sent.locale == "da"
    assert sent.subject == "20 nye beskeder fra Mentee"
    assert f"https://mentoring.example.edu/relationships/{rel.id}#messages" in sent.body
    assert "Burst secret" not in sent.body + sent.subject  # the words stay in the conversation
    # The next message owes a new notification; one read before it is due owes nothing.
    api.post(mentorflow_engine, rel, mentee, "One more")
    api.mark_read(mentorflow_engine, rel, mentor)
    mentorflow_clock.advance(minutes=11)
    assert notify.deliver(mentorflow_engine).sent == 0 and len(recorded.messages) == 1
    with mentorflow_engine.read() as conn:
        statuses = sorted(conn.execute(select(Notice.__table__.c.status)).scalars())
    assert statuses == ["sent", "skipped"]


def test_each_other_group_member_is_notified_once(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                  mentorflow_clock: ManualClock, recorded: RecordingChannel) -> None:
    rel, people = group(mentorflow_engine, mentorflow_factory)
    api.post(mentorflow_engine, rel, people["anna"], "Hi all")
    api.post(mentorflow_engine, rel, people["mentor"], "Hi Anna")
    mentorflow_clock.advance(minutes=10)
    # Bo and the leaver about both; Anna about the mentor's; the mentor answered Anna, so has read hers.
    assert notify.deliver(mentorflow_engine).sent == 3
    by = {m.recipient_id: m.subject for m in recorded.messages}
    both = "2 new messages from Anna, Mentor"
    assert by == {people["bo"]: both, people["leaver"]: both, people["anna"]: "1 new message from Mentor"}


def test_export_and_erasure_follow_the_author(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    rel = mentorflow_factory.relationship()
    mentor, mentee = rel.mentor_id, rel.mentee_id
    assert mentor is not None and mentee is not None
    api.post(mentorflow_engine, rel, mentee, "My own words")
    api.post(mentorflow_engine, rel, mentor, "The mentor's words")
    exported = json.dumps(export_person(mentorflow_engine, mentee))
    assert "My own words" in exported and "The mentor's words" not in exported
    erase_person(mentorflow_engine, mentee)
    seen = {m.author_name: m.body for m in api.thread(mentorflow_engine, rel, mentor).items}
    assert seen == {pseudonym_for(mentee): ERASED_TEXT, "Mentor": "The mentor's words"}
    assert "My own words" not in json.dumps(export_person(mentorflow_engine, mentee))


def test_retention_purge_scrubs_every_message(mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    rel = mentorflow_factory.relationship()
    api.post(mentorflow_engine, rel, rel.mentee_id, "Words to purge")
    with mentorflow_engine.write() as conn:
        mentorflow_engine.pm.hook.mentorflow_purge_relationship_content(relationship_id=rel.id, connection=conn)
    assert [m.body for m in api.thread(mentorflow_engine, rel, rel.mentor_id).items] == [ERASED_TEXT]


def test_the_notification_is_a_real_email(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                          mentorflow_clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.smtp_server import smtp_server

    with smtp_server() as (inbox, port):
        monkeypatch.delenv("MENTORFLOW_NOTIFICATION_CHANNEL")
        monkeypatch.setenv("MENTORFLOW_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MENTORFLOW_SMTP_PORT", str(port))
        mentorflow_factory.programme()
        mentor = mentorflow_factory.person("Grace", role="mentor", programme="programme", email="grace@example.edu")
        rel = mentorflow_factory.relationship(mentor=mentor)
        api.post(mentorflow_engine, rel, rel.mentee_id, "Words that stay here")
        mentorflow_clock.advance(minutes=10)
        assert notify.deliver(mentorflow_engine).sent == 1
        (mail,) = inbox.messages
        body = mail.get_payload(decode=True).decode()
        assert mail["To"] == "grace@example.edu" and mail["Subject"] == "1 new message from Mentee"
        assert f"/relationships/{rel.id}#messages" in body and "Words that stay here" not in body
