"""Reminders, escalations and deadline timers: the scan, the outbox and delivery, on a real database and SMTP."""

from __future__ import annotations

from email.header import decode_header, make_header
from typing import Any

import pytest
from sqlalchemy import func, select

from mentorflow import Engine
from mentorflow.plugins.reminders.delivery import MAX_ATTEMPTS, deliver
from mentorflow.plugins.reminders.models import Notification
from mentorflow.plugins.reminders.outbox import owe_digests, scan
from mentorflow.testing import Factory
from tests.lifecycle import base_workflow
from tests.smtp_server import smtp_server

N = Notification.__table__
READY = [("sign_agreement", "mentor", {"accept": True}), ("sign_agreement", "mentee", {"accept": True}),
         ("agree", "mentee", None), ("add_goal", "mentee", {"title": "Learn SQL", "category": "skills"}),
         ("start_reflecting", "mentor", None)]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Any:
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("MENTORFLOW_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MENTORFLOW_SMTP_PORT", str(port))
        monkeypatch.setenv("MENTORFLOW_SMTP_FROM", "mentoring@example.edu")
        yield inbox


def reflecting(factory: Factory, mentee_locale: str = "en") -> tuple[Any, dict[str, int]]:
    factory.programme(document=base_workflow())  # the plain lifecycle: these tests are about the timers
    people = {"coordinator": factory.person("Carla", role="coordinator", programme="programme",
                                            email="carla@example.edu"),
              "mentor": factory.person("Morten", role="mentor", programme="programme", email="morten@example.edu",
                                       locale="da"),
              "mentee": factory.person("Mia", role="mentee", programme="programme", email="mia@example.edu",
                                       locale=mentee_locale)}
    rel = factory.relationship(mentor=people["mentor"], mentee=people["mentee"])
    rel = factory.drive(rel, [(t, people[who], data) for t, who, data in READY])
    return rel, people


def owed(engine: Engine) -> list[tuple[str, int]]:
    with engine.read() as conn:
        return [(r.key.split(":")[0], r.recipient_id) for r in conn.execute(select(N).order_by(N.c.id))]


def test_reminders_come_at_their_offsets_once_and_reset_when_done(mentorflow_engine: Engine, mentorflow_factory:
                                                                  Factory, mentorflow_clock: Any) -> None:
    rel, people = reflecting(mentorflow_factory)
    # The default workflow: a reflection every 14 days, reminders 2 days before and at due.
    mentorflow_clock.advance(days=11, hours=23)
    assert scan(mentorflow_engine).notifications_created == 0
    mentorflow_clock.advance(hours=1)  # day 12: two days before due
    report = scan(mentorflow_engine)
    assert report.notifications_created == 2 and report.duties_due == 2
    assert scan(mentorflow_engine).notifications_created == 0  # a repeated scan owes nothing new
    mentorflow_engine.fire(rel.id, "submit_reflection", people["mentee"], {"went_well": "good", "health": 4})
    mentorflow_clock.advance(days=2)  # day 14: due for the mentor; the mentee's period restarted on day 12
    scan(mentorflow_engine)
    assert owed(mentorflow_engine) == [("remind", people["mentor"]), ("remind", people["mentee"]),
                                       ("remind", people["mentor"])]


def test_escalation_to_the_coordinator_after_the_threshold(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                           mentorflow_clock: Any) -> None:
    _rel, people = reflecting(mentorflow_factory)
    mentorflow_clock.advance(days=14 + 7)  # due on day 14, escalate 7 days later
    scan(mentorflow_engine)
    kinds = owed(mentorflow_engine)
    assert kinds.count(("escalate", people["coordinator"])) == 2  # one per late person
    # After downtime only the latest reminder is owed, not a burst of old ones.
    assert kinds.count(("remind", people["mentee"])) == 1
    scan(mentorflow_engine)
    assert len(owed(mentorflow_engine)) == len(kinds)


def test_paused_relationships_owe_nothing(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                          mentorflow_clock: Any) -> None:
    rel, people = reflecting(mentorflow_factory)
    mentorflow_engine.fire(rel.id, "pause", people["mentee"], {})
    mentorflow_clock.advance(days=30)
    assert scan(mentorflow_engine).duties_due == 0
    mentorflow_engine.fire(rel.id, "resume", people["mentee"])
    mentorflow_clock.advance(days=13)  # the period restarts when reflecting is entered again
    assert scan(mentorflow_engine).duties_due == 2


def test_deadline_timer_fires_the_transition_as_the_system(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                           mentorflow_clock: Any) -> None:
    rel, _people = reflecting(mentorflow_factory)
    mentorflow_clock.advance(days=179)
    assert scan(mentorflow_engine).deadlines_fired == 0
    mentorflow_clock.advance(days=2)  # the programme lasts P6M = 180 days from the start
    assert scan(mentorflow_engine).deadlines_fired == 1
    assert mentorflow_engine.get(rel.id).state == "closing"
    last = mentorflow_engine.timeline(rel.id)[-1]
    assert (last.transition, last.actor_role, last.actor_id) == ("begin_closure", "system", None)
    assert scan(mentorflow_engine).deadlines_fired == 0


def test_smtp_delivery_in_each_recipients_language(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                                   mentorflow_clock: Any, smtp: Any) -> None:
    reflecting(mentorflow_factory)
    mentorflow_clock.advance(days=12)
    scan(mentorflow_engine)
    report = deliver(mentorflow_engine)
    assert report.sent == 2 and report.failed == 0
    by_recipient = {m["To"]: m for m in smtp.messages}
    english, danish = by_recipient["mia@example.edu"], by_recipient["morten@example.edu"]
    assert str(make_header(decode_header(english["Subject"]))).startswith("Reminder: Reflection due is due on")
    assert "Hello Mia," in english.get_payload(decode=True).decode()
    assert danish["Content-Language"] == "da"
    danish_body = danish.get_payload(decode=True).decode()
    assert "Hej Morten" in danish_body and "påmindelse" in danish_body, danish_body
    assert english["Message-ID"] != danish["Message-ID"]
    assert deliver(mentorflow_engine).sent == 0  # nothing is sent twice


def test_channel_failure_retries_with_backoff_then_is_recorded(mentorflow_engine: Engine, mentorflow_factory:
                                                               Factory, mentorflow_clock: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.web.conftest import free_port

    monkeypatch.setenv("MENTORFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MENTORFLOW_SMTP_PORT", str(free_port()))  # nothing listens there
    reflecting(mentorflow_factory)
    mentorflow_clock.advance(days=12)
    scan(mentorflow_engine)
    first = deliver(mentorflow_engine)
    assert first.retried == 2 and first.sent == 0
    assert deliver(mentorflow_engine).retried == 0  # not before the backoff has passed
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("MENTORFLOW_SMTP_PORT", str(port))
        mentorflow_clock.advance(minutes=1)
        assert deliver(mentorflow_engine).sent == 2
        assert len(inbox.messages) == 2
    # A channel that keeps failing ends as 'failed', with its error, and stays visible.
    mentorflow_clock.advance(days=2)
    scan(mentorflow_engine)
    monkeypatch.setenv("MENTORFLOW_SMTP_PORT", str(free_port()))
    for _ in range(MAX_ATTEMPTS):
        deliver(mentorflow_engine)
        mentorflow_clock.advance(hours=12)
    with mentorflow_engine.read() as conn:
        failed = conn.execute(select(N).where(N.c.status == "failed")).all()
    assert len(failed) == 2 and all("ConnectionRefused" in row.last_error for row in failed)
    assert all(row.attempts == MAX_ATTEMPTS for row in failed)


def test_digest_once_per_coordinator_per_day(mentorflow_engine: Engine, mentorflow_factory: Factory,
                                             mentorflow_clock: Any) -> None:
    reflecting(mentorflow_factory)
    assert owe_digests(mentorflow_engine) == 1
    assert owe_digests(mentorflow_engine) == 0
    mentorflow_clock.advance(days=1)
    assert owe_digests(mentorflow_engine) == 1
    with mentorflow_engine.read() as conn:
        assert conn.execute(select(func.count()).select_from(N).where(N.c.kind == "digest")).scalar_one() == 2
