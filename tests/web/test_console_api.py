"""The console's bulk actions and table exports in the REST API (issue #17), against a real server.

Each checks that the principal coordinates the programme: another programme's coordinator, a mentor and a token
limited to another programme are refused, and a selection naming another programme's relationship (or no number
at all) is refused whole with a problem per entry, by JSON pointer, and nothing is done.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from mentorflow.testing import Factory
from mentorflow.tokens import create_token
from tests.lifecycle import base_workflow

from .conftest import Server
from .test_api import is_problem


def world(server: Server, name: str) -> dict[str, Any]:
    engine = server.engine()
    factory = Factory(engine)
    key = factory.programme(f"bulk-{name}", base_workflow())
    other = factory.programme(f"elsewhere-{name}", base_workflow())
    coordinator = factory.person("Carla", role="coordinator", programme=key)
    stranger = factory.person("Otto", role="coordinator", programme=other)
    mentor = factory.person("Morten", role="mentor", programme=key)
    rels = [factory.relationship(key, mentor=mentor, mentee=factory.person(f"Mentee {n}", role="mentee",
                                                                           programme=key)) for n in range(3)]
    foreign = factory.relationship(other)
    tokens = {"coordinator": create_token(engine, "c", person_id=coordinator)[0],
              "stranger": create_token(engine, "s", person_id=stranger)[0],
              "mentor": create_token(engine, "m", person_id=mentor)[0],
              "scoped": create_token(engine, "a", admin=True, programmes=[other])[0]}
    return {"engine": engine, "key": key, "rels": rels, "foreign": foreign, "tokens": tokens}


def outbox(engine: Any) -> list[tuple[str, int]]:
    from mentorflow.plugins.reminders.models import Notification

    N = Notification.__table__
    with engine.read() as conn:
        return [(r.kind, r.recipient_id) for r in conn.execute(select(N.c.kind, N.c.recipient_id).where(
            N.c.kind == "nudge"))]


def test_bulk_remind_close_and_export_check_the_coordinator(server: Server) -> None:
    w = world(server, "api")
    key, rels, engine = w["key"], w["rels"], w["engine"]
    ids = [r.id for r in rels]
    for who in ("stranger", "mentor", "scoped"):
        with server.client(w["tokens"][who]) as api:
            for action, body in (("remind", {"ids": ids}), ("close", {"ids": ids}), ("export", {"ids": ids})):
                answer = api.post(f"/api/v1/programmes/{key}/relationships/{action}", json=body)
                is_problem(answer, 403)
            is_problem(api.get(f"/api/v1/programmes/{key}/exports/relationships"), 403)
    assert outbox(engine) == [] and all(engine.get(i).state == rels[0].state for i in ids)

    with server.client(w["tokens"]["coordinator"]) as api:
        # Bad selections: refused whole, each entry named.
        bad = api.post(f"/api/v1/programmes/{key}/relationships/remind", json={"ids": [ids[0], w["foreign"].id, "x"]})
        problem = is_problem(bad, 422)
        assert [e["pointer"] for e in problem["errors"]] == ["/ids/1", "/ids/2"]
        is_problem(api.post(f"/api/v1/programmes/{key}/relationships/remind", json={"ids": []}), 422)
        is_problem(api.post(f"/api/v1/programmes/{key}/relationships/remind", json={"ids": ids, "all": True}), 422)
        assert outbox(engine) == []

        reminded = api.post(f"/api/v1/programmes/{key}/relationships/remind", json={"ids": ids[:2]})
        assert reminded.status_code == 200 and reminded.json() == {"queued": 4}  # mentor and mentee of each
        assert api.post(f"/api/v1/programmes/{key}/relationships/remind", json={"ids": ids[:2]}).json() == \
            {"queued": 0}  # once a day

        exported = api.post(f"/api/v1/programmes/{key}/relationships/export", json={"ids": ids[1:]})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.text)))
        assert sorted(int(r[0]) for r in rows[1:]) == sorted(ids[1:])
        table = api.get(f"/api/v1/programmes/{key}/exports/stages", params={"format": "xlsx"})
        assert table.status_code == 200 and table.content[:2] == b"PK"

        # Closing needs a reason for relationships that end early; without one nothing closes.
        missing = is_problem(api.post(f"/api/v1/programmes/{key}/relationships/close", json={"ids": ids}), 422)
        assert [e["pointer"] for e in missing["errors"]] == ["/reason"]
        assert all(engine.get(i).state == rels[0].state for i in ids)
        closed = api.post(f"/api/v1/programmes/{key}/relationships/close", json={"ids": ids[:2],
                                                                                  "reason": "changed_needs"})
        assert closed.status_code == 200, closed.text
        assert [c["id"] for c in closed.json()["closed"]] == ids[:2]
        assert {engine.get(i).state for i in ids[:2]} == {"closing"}
        spec = api.get("/api/v1/openapi.json").json()
        for action in ("remind", "close", "export"):
            assert "post" in spec["paths"][f"/api/v1/programmes/{{key}}/relationships/{action}"], action
        assert "get" in spec["paths"]["/api/v1/programmes/{key}/exports/{table}"]
    engine.db.dispose()


def test_a_coordinators_reminder_reads_in_the_recipients_language() -> None:
    from mentorflow.plugins.reminders.messages import render

    english = render("nudge", {"relationship_id": 7, "coordinator": 1}, "Mia", "en")
    danish = render("nudge", {"relationship_id": 7, "coordinator": 1}, "Mia", "da")
    assert english.subject == "A reminder from your programme coordinator" and "/relationships/7" in english.body
    assert danish.subject == "En påmindelse fra din programkoordinator" and "Hej Mia" in danish.body
