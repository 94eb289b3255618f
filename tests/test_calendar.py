"""The calendar plugin, loaded from its entry point like any installed plugin: iCalendar files and feeds.

Every file is parsed back with the ``icalendar`` library and checked
against RFC 5545's rules independently of it (CRLF, 75-octet folding,
escaping, required properties, UTC times without VTIMEZONE).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mentorflow import Engine, ManualClock, NotFound
from mentorflow.plugins.calendar import feeds
from mentorflow.plugins.calendar.events import person_events
from mentorflow.plugins.calendar.ics import render
from mentorflow.testing import Factory, default_workflow
from tests.workflows_meetings import extend

icalendar = pytest.importorskip("icalendar", reason="the calendar extra (icalendar) is not installed")

EXECUTABLE = Path(sys.executable).with_name("mentorflow")
MENTEE_NAME = "Åse Møller-Østergaard, jr.; \\ the mentee"
AGENDA = "Goals, budget; next steps\nand a very long line " + " ".join(["æøå"] * 30)
TO_REFLECTING = [("sign_agreement", "mentor", {"accept": True}), ("sign_agreement", "mentee", {"accept": True}),
                 ("agree", "mentee"), ("add_goal", "mentee", {"title": "Speak up", "category": "skills"}),
                 ("start_reflecting", "mentee")]


class Pair:
    def __init__(self, factory: Factory) -> None:
        self.engine = factory.engine
        factory.programme("programme", extend(default_workflow()))
        self.mentor = factory.person("Morten", role="mentor", programme="programme")
        self.mentee = factory.person(MENTEE_NAME, role="mentee", programme="programme", locale="en")
        self.coordinator = factory.coordinator("programme")
        self.rel = factory.relationship("programme", mentor=self.mentor, mentee=self.mentee)
        self.rel = factory.drive(self.rel, TO_REFLECTING)
        self.factory = factory

    def log(self, who: str, day: date, **extra: Any) -> None:
        data = {"date": day.isoformat(), "duration_minutes": 45, "format": "video", **extra}
        self.rel = self.factory.drive(self.rel, [("log_meeting", who, data)])

    def ics(self, person: int) -> bytes:
        return render(person_events(self.engine, person, domain="example.org"), name="Mentoring")


@pytest.fixture
def pair(mentorflow_factory: Factory) -> Pair:
    return Pair(mentorflow_factory)


# -- RFC 5545, checked without the library ----------------------------------------------------------------

DATE_TIME_UTC = re.compile(r"^\d{8}T\d{6}Z$")


def unfold(body: bytes) -> list[str]:
    """Content lines: CRLF everywhere, at most 75 octets a line, continuation lines start with one space."""
    assert body.endswith(b"\r\n"), "the object must end with CRLF"
    physical = body.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(physical) and b"\r" not in b"".join(physical), "a bare LF or CR"
    lines: list[bytes] = []
    for raw in physical:
        assert len(raw) <= 75, f"a line of {len(raw)} octets (at most 75 excluding CRLF): {raw!r}"
        raw.decode("utf-8")  # folding never splits a multi-octet character
        if raw[:1] in (b" ", b"\t"):
            assert lines, "the first line cannot be a continuation"
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    return [line.decode("utf-8") for line in lines]


def split(line: str) -> tuple[str, dict[str, str], str]:
    """``NAME;PARAM=VALUE:value`` (parameter values here never hold ':' or ';')."""
    head, _, value = line.partition(":")
    name, *params = head.split(";")
    return name.upper(), dict(p.split("=", 1) for p in params), value


def text_value(value: str) -> str:
    """Unescape a TEXT value, failing on a bare ',' or ';' or an unknown escape (RFC 5545 3.3.11)."""
    out, i = [], 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            nxt = value[i + 1]
            assert nxt in "\\;,nN", f"bad escape \\{nxt} in {value!r}"
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        assert char not in ",;", f"unescaped {char!r} in TEXT value {value!r}"
        out.append(char)
        i += 1
    return "".join(out)


def components(lines: list[str]) -> list[tuple[str, list[tuple[str, dict[str, str], str]]]]:
    """Every component as (name, its own properties), checking BEGIN/END nesting."""
    stack: list[tuple[str, list[Any]]] = []
    done = []
    for line in lines:
        name, params, value = split(line)
        if name == "BEGIN":
            stack.append((value, []))
        elif name == "END":
            component, props = stack.pop()
            assert component == value, f"END:{value} closes BEGIN:{component}"
            done.append((component, props))
        else:
            assert stack, f"a property outside any component: {line}"
            stack[-1][1].append((name, params, value))
    assert not stack, "unclosed components"
    return done


def check_rfc5545(body: bytes) -> list[dict[str, Any]]:
    """The VEVENTs, after checking the rules; each as {NAME: (params, value)} with TEXT unescaped."""
    lines = unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    parts = components(lines)
    [(_, calendar)] = [p for p in parts if p[0] == "VCALENDAR"]
    names = [n for n, _, _ in calendar]
    assert names.count("VERSION") == 1 and names.count("PRODID") == 1
    assert ("VERSION", {}, "2.0") in calendar
    assert not any(p[0] == "VTIMEZONE" for p in parts), "UTC times need no VTIMEZONE"
    assert "TZID" not in body.decode(), "no time zone references"
    events = []
    for component, props in parts:
        if component == "VALARM":
            alarm = {n for n, _, _ in props}
            assert {"ACTION", "TRIGGER", "DESCRIPTION"} <= alarm, alarm
        if component != "VEVENT":
            continue
        found = [n for n, _, _ in props]
        for required in ("UID", "DTSTAMP", "DTSTART"):
            assert found.count(required) == 1, f"a VEVENT needs exactly one {required}: {found}"
        event = {n: (params, value) for n, params, value in props}
        assert DATE_TIME_UTC.match(event["DTSTAMP"][1]), event["DTSTAMP"]
        for key in ("DTSTART", "DTEND"):
            params, value = event[key]
            if params.get("VALUE") == "DATE":
                assert re.fullmatch(r"\d{8}", value), value
            else:
                assert DATE_TIME_UTC.match(value), f"{key} must be UTC: {value}"
        assert event["DTEND"][1] > event["DTSTART"][1]
        for key in ("SUMMARY", "DESCRIPTION"):
            if key in event:
                event[key] = (event[key][0], text_value(event[key][1]))
        events.append(event)
    return events


# -- the events ------------------------------------------------------------------------------------------

def test_meetings_and_due_dates_parse_back_and_follow_rfc5545(pair: Pair, mentorflow_clock: ManualClock) -> None:
    entered = mentorflow_clock.now()
    pair.log("mentor", date(2026, 1, 5), agenda=AGENDA, private_notes="secret: only Morten sees this", rating=2)
    mentorflow_clock.advance(days=3)
    pair.log("mentee", date(2026, 1, 8), format="in_person")
    body = pair.ics(pair.mentee)

    events = check_rfc5545(body)
    summaries = sorted(e["SUMMARY"][1] for e in events)
    assert summaries == ["Mentoring meeting with Morten", "Mentoring meeting with Morten",
                         "Reflection due: mentoring with Morten"]
    first = next(e for e in events if e["DTSTART"][1] == "20260105")
    assert first["DTSTART"][0] == {"VALUE": "DATE"} and first["DTEND"][1] == "20260106"
    assert first["DESCRIPTION"][1].startswith(f"45 minutes by video\nAgenda: {AGENDA}\n")
    assert "secret" not in body.decode() and "rating" not in body.decode().lower()

    # The library reads back exactly what was meant, escapes and all.
    parsed = icalendar.Calendar.from_ical(body)
    assert str(parsed["VERSION"]) == "2.0" and str(parsed["PRODID"]).startswith("-//mentorflow//")
    vevents = parsed.walk("VEVENT")
    assert len({str(e["UID"]) for e in vevents}) == 3
    meeting = next(e for e in vevents if e.decoded("DTSTART") == date(2026, 1, 5))
    assert AGENDA in str(meeting["DESCRIPTION"])
    [duty] = [e for e in vevents if str(e["UID"]).startswith("duty-")]
    assert duty.decoded("DTSTART") == entered + timedelta(days=14)
    assert duty.decoded("DTSTART").tzinfo is not None and duty.decoded("DTSTART").utcoffset() == timedelta(0)
    triggers = sorted(a.decoded("TRIGGER") for a in duty.walk("VALARM"))
    assert triggers == [timedelta(days=-2), timedelta(0)]
    assert str(duty["TRANSP"]) == "TRANSPARENT"

    # The mentor's calendar: the same meetings (same UIDs), their own duty, the mentee's name escaped.
    mentor_events = check_rfc5545(pair.ics(pair.mentor))
    assert {e["SUMMARY"][1] for e in mentor_events} == {f"Mentoring meeting with {MENTEE_NAME}",
                                                        f"Reflection due: mentoring with {MENTEE_NAME}"}
    assert {e["UID"][1] for e in mentor_events if e["UID"][1].startswith("meeting-")} == {
        e["UID"][1] for e in events if e["UID"][1].startswith("meeting-")}
    assert "Åse Møller-Østergaard\\, jr.\\; \\\\ the mentee" in pair.ics(pair.mentor).decode().replace("\r\n ", "")


def test_uids_are_stable_and_a_duty_moves_when_it_is_done(pair: Pair, mentorflow_clock: ManualClock) -> None:
    pair.log("mentor", date(2026, 1, 5))
    before = {e.uid: e for e in person_events(pair.engine, pair.mentee, domain="example.org")}
    mentorflow_clock.advance(days=5)
    again = {e.uid: e for e in person_events(pair.engine, pair.mentee, domain="example.org")}
    assert again == before, "nothing changed: the same events with the same UIDs and DTSTAMPs"
    pair.rel = pair.factory.drive(pair.rel, [("submit_reflection", "mentee", {"went_well": "Yes", "health": 4})])
    after = {e.uid: e for e in person_events(pair.engine, pair.mentee, domain="example.org")}
    meeting_uids = {u for u in before if u.startswith("meeting-")}
    assert meeting_uids <= set(after)
    [old_duty] = set(before) - meeting_uids
    [new_duty] = set(after) - meeting_uids
    assert old_duty != new_duty, "a new period is a new event"
    assert after[new_duty].start == mentorflow_clock.now() + timedelta(days=14)
    mentor_duties = [e for e in person_events(pair.engine, pair.mentor, domain="x") if e.uid.startswith("duty-")]
    assert [e.start for e in mentor_duties] == [before[old_duty].start], "the mentor still owes the first one"


def test_only_mentor_and_mentee_get_events_and_strangers_get_nothing(pair: Pair, mentorflow_factory: Factory) -> None:
    pair.log("mentor", date(2026, 1, 5))
    other = mentorflow_factory.relationship("programme")
    mentorflow_factory.drive(other, [*TO_REFLECTING, ("log_meeting", "mentee", {
        "date": "2026-01-05", "duration_minutes": 30, "format": "phone"})])
    assert person_events(pair.engine, pair.coordinator, domain="x") == []
    mine = person_events(pair.engine, pair.mentee, domain="x")
    assert len([e for e in mine if e.uid.startswith("meeting-")]) == 1
    with pytest.raises(NotFound):
        person_events(pair.engine, 999_999, domain="x")
    check_rfc5545(render([], name="Empty"))


def test_closed_relationships_keep_their_meetings_but_owe_nothing(pair: Pair) -> None:
    pair.log("mentee", date(2026, 1, 5))
    rel = pair.factory.drive(pair.rel, [("begin_closure", "system")])
    assert rel.state == "closing"
    assert [e.uid.split("-")[0] for e in person_events(pair.engine, pair.mentee, domain="x")] == ["meeting"]


def test_events_are_in_the_persons_language(pair: Pair, mentorflow_factory: Factory) -> None:
    dane = mentorflow_factory.person("Dorte", role="mentee", programme="programme", locale="da")
    rel = mentorflow_factory.relationship("programme", mentor=pair.mentor, mentee=dane)
    mentorflow_factory.drive(rel, TO_REFLECTING)
    [duty] = person_events(pair.engine, dane, domain="x")
    assert duty.summary.startswith("Refleksion forfalden")  # the timer's Danish label


# -- feed tokens ------------------------------------------------------------------------------------------

def test_feed_tokens_are_unguessable_stored_hashed_and_rotated(pair: Pair) -> None:
    token = feeds.create_feed(pair.engine, pair.mentee)
    assert feeds.TOKEN.match(token) and len(token) == len("mfcal_") + 43
    assert feeds.person_for_token(pair.engine, token) == pair.mentee
    with pair.engine.read() as conn:
        stored = conn.execute(select(feeds.F)).mappings().all()
    assert token not in repr(stored) and stored[0]["token_hash"] == feeds._hash(token)
    rotated = feeds.create_feed(pair.engine, pair.mentee)
    assert rotated != token
    assert feeds.person_for_token(pair.engine, token) is None
    assert feeds.person_for_token(pair.engine, rotated) == pair.mentee
    for wrong in (rotated[:-1] + ("A" if rotated[-1] != "A" else "B"), "mfcal_", "../etc/passwd", rotated + "x"):
        assert feeds.person_for_token(pair.engine, wrong) is None
    assert feeds.revoke_feeds(pair.engine, pair.mentee) == 1
    assert feeds.person_for_token(pair.engine, rotated) is None
    with pytest.raises(NotFound):
        feeds.create_feed(pair.engine, 999_999)


def test_erasure_removes_the_feed_and_export_lists_it(pair: Pair) -> None:
    from mentorflow import gdpr

    token = feeds.create_feed(pair.engine, pair.mentee)
    exported = gdpr.export_person(pair.engine, pair.mentee)
    assert len(exported["plugins"]["calendar"]["feeds"]) == 1
    gdpr.erase_person(pair.engine, pair.mentee)
    assert feeds.person_for_token(pair.engine, token) is None


# -- the command line -------------------------------------------------------------------------------------

def cli(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(EXECUTABLE), "calendar", *args, "--database-url", database_url], cwd=cwd,
                          capture_output=True, timeout=120,
                          env={"PATH": str(EXECUTABLE.parent), "MENTORFLOW_LOCALE": "en",
                               "MENTORFLOW_BASE_URL": "https://mentoring.example.edu"})


def test_cli_export_and_feed(pair: Pair, mentorflow_database_url: str, tmp_path: Path) -> None:
    if not mentorflow_database_url.startswith("sqlite"):
        pytest.skip("the command line is the same on every database; SQLite is enough")
    pair.log("mentor", date(2026, 1, 5))
    out = cli("export", str(pair.mentee), database_url=mentorflow_database_url, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    events = check_rfc5545(out.stdout)
    assert {e["UID"][1].split("@")[1] for e in events} == {"mentoring.example.edu"}
    written = cli("export", str(pair.mentor), "--output", "mentor.ics", database_url=mentorflow_database_url,
                  cwd=tmp_path)
    assert written.returncode == 0 and b"Wrote mentor.ics" in written.stderr
    check_rfc5545((tmp_path / "mentor.ics").read_bytes())

    feed = cli("feed", str(pair.mentee), database_url=mentorflow_database_url, cwd=tmp_path)
    assert feed.returncode == 0, feed.stderr
    url = feed.stdout.decode().strip()
    assert re.fullmatch(r"https://mentoring\.example\.edu/calendar/mfcal_[A-Za-z0-9_-]{43}\.ics", url)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert feeds.person_for_token(pair.engine, token) == pair.mentee
    again = cli("feed", str(pair.mentee), database_url=mentorflow_database_url, cwd=tmp_path)
    assert again.returncode == 2 and b"already has a calendar feed" in again.stderr
    rotated = cli("feed", str(pair.mentee), "--rotate", database_url=mentorflow_database_url, cwd=tmp_path)
    assert rotated.returncode == 0 and feeds.person_for_token(pair.engine, token) is None
    missing = cli("export", "424242", database_url=mentorflow_database_url, cwd=tmp_path)
    assert missing.returncode == 2 and b"Person 424242 does not exist" in missing.stderr
    assert b"Traceback" not in missing.stderr + again.stderr


# -- the feed over HTTP, from a real server ---------------------------------------------------------------

@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Any, Engine, Pair]]:
    from tests.web.conftest import start_server, stop_server

    database_url = f"sqlite:///{tmp_path / 'served.db'}"
    engine = Engine(database_url, clock=ManualClock(datetime(2026, 1, 5, 9, tzinfo=UTC)))
    engine.upgrade_database()
    pair = Pair(Factory(engine))
    pair.log("mentor", date(2026, 1, 5), agenda=AGENDA)
    server = start_server(database_url, tmp_path / "server.log")
    try:
        yield server, engine, pair
    finally:
        stop_server(server.process)
        engine.db.dispose()


def test_feed_over_http(served: tuple[Any, Engine, Pair]) -> None:
    server, engine, pair = served
    token = feeds.create_feed(engine, pair.mentee)
    with server.client() as client:
        response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert response.headers["cache-control"] == "private, max-age=300"
        assert response.headers["referrer-policy"] == "no-referrer"
        events = check_rfc5545(response.content)
        assert {e["SUMMARY"][1] for e in events} == {"Mentoring meeting with Morten",
                                                     "Reflection due: mentoring with Morten"}
        assert icalendar.Calendar.from_ical(response.content).walk("VEVENT")
        etag = response.headers["etag"]
        assert client.get(f"/calendar/{token}.ics", headers={"If-None-Match": etag}).status_code == 304

        assert client.get(f"/calendar/mfcal_{'A' * 43}.ics").status_code == 404
        assert client.get("/calendar/nonsense.ics").status_code == 404
        rotated = feeds.create_feed(engine, pair.mentee)
        assert client.get(f"/calendar/{token}.ics").status_code == 404, "a rotated address stops working"
        assert client.get(f"/calendar/{rotated}.ics").status_code == 200
