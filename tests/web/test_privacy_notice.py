"""Participants are told, on their relationship page, when the programme lets coordinators read what they share.

A real ``mentorflow serve --demo`` on SQLite and a real HTTP client with the
page's session cookie (issue #21; the API and the XBlock have their own tests).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

import httpx
import pytest

from mentorflow.integrations.web.demo import PROGRAMME

from .conftest import Server, start_server, stop_server

NOTICE = {"en": "Your programme&#39;s coordinators can read what you share here.",
          "da": "Programmets koordinatorer kan læse det, du deler her."}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("demo")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo")
    yield running
    stop_server(running.process)


def page_as(server: Server, person: int, relationship: int, language: str) -> str:
    with httpx.Client(base_url=server.url, timeout=15, headers={"Accept-Language": language}) as client:
        start = client.get(f"/lang/{language}", follow_redirects=True)  # the start page's choice survives sign-in
        csrf = re.search(r'name="csrf" value="([^"]+)"', start.text)
        assert csrf, start.text
        entered = client.post(f"/demo/enter/{person}", data={"csrf": csrf.group(1)})
        assert entered.status_code in (302, 303), entered.text
        page = client.get(f"/relationships/{relationship}")
        assert page.status_code == 200, page.text
        return page.text


def test_the_relationship_page_shows_the_notice_only_where_coordinators_read_content(demo_server: Server) -> None:
    engine = demo_server.engine()
    (old,), _total = engine.list_relationships(programme=PROGRAMME, state="contracting", limit=1)
    _version, workflow = engine.current_workflow(PROGRAMME)
    document = copy.deepcopy(workflow.document)
    document["programme"]["settings"]["privacy"] = {"coordinator_sees_content": True}
    engine.publish_workflow(PROGRAMME, document)  # an administrator's publication
    mentee = engine.add_person("Ada Open")
    engine.grant_role(PROGRAMME, mentee, "mentee")
    new = engine.start_relationship(PROGRAMME, mentee=mentee, mentor=old.mentor_id)
    engine.db.dispose()
    for language in ("en", "da"):
        assert NOTICE[language] in page_as(demo_server, mentee, new.id, language)
        assert NOTICE[language] in page_as(demo_server, old.mentor_id, new.id, language)  # type: ignore[arg-type]
        assert NOTICE[language] not in page_as(demo_server, old.mentee_id, old.id, language)
