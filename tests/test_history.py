"""The relationship's history as people read it: records named by what they are (a goal's title, not its id),
as the viewer may read them, and paged newest first with bounded reads."""

from __future__ import annotations

import pytest

from mentorflow import Engine, ManualClock
from mentorflow.i18n import set_locale
from mentorflow.integrations.shared.views import history_page, timeline_entries
from mentorflow.testing import Factory
from tests.test_templates import Journey


@pytest.fixture(autouse=True)
def english() -> object:
    set_locale("en")
    yield None
    set_locale(None)


def _agreed(j: Journey) -> None:
    j.fire("propose_agreement", "mentor")
    j.fire("sign_agreement", "mentor", {"accept": True, "version": 1})
    j.fire("sign_agreement", "mentee", {"accept": True, "version": 1})
    j.later(3)
    j.fire("agree", "mentee")


def test_a_confirmed_goal_reads_by_its_title_in_the_history(
        mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: ManualClock) -> None:
    j = Journey(mentorflow_engine, mentorflow_factory, mentorflow_clock, "default")
    _agreed(j)
    j.fire("add_goal", "mentee", {"title": "Choose a thesis topic"}, everything=False)
    [goal] = j.goal_ids()
    # Once confirmed the goal is no longer offered "to confirm": the provider's label cannot name it any more.
    j.fire("agree_goal", "mentor", {"goal_id": goal}, everything=False)

    def confirmation(role: str) -> dict[str, object]:
        return next(e for e in timeline_entries(mentorflow_engine, j.rel, j.people[role])
                    if e["entry"].transition == "agree_goal")

    for role in ("mentor", "mentee"):
        entry = confirmation(role)
        assert entry["subject"] == "Choose a thesis topic", role
        assert next((s.label, s.text) for s in entry["shown"]) == ("Goal", "Choose a thesis topic"), role
    # A coordinator of a programme that keeps the pair's content private sees neither the title nor the data.
    coordinator = confirmation("coordinator")
    assert coordinator["shown"] == [] and coordinator["subject"] is None
    set_locale("da")
    assert confirmation("mentee")["label"] == "Bekræft et mål"


def test_the_history_is_paged_newest_first(
        mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: ManualClock) -> None:
    j = Journey(mentorflow_engine, mentorflow_factory, mentorflow_clock, "default")
    _agreed(j)
    j.fire("add_goal", "mentee", {"title": "Finish the thesis"}, everything=False)
    [goal] = j.goal_ids()
    for progress in range(1, 46):
        j.fire("update_goal_progress", "mentee", {"goal_id": goal, "progress": progress}, everything=False)
    viewer = j.people["mentor"]
    everything = timeline_entries(mentorflow_engine, j.rel, viewer)
    total = len(everything)
    assert total == len(mentorflow_engine.timeline(j.rel)) > 50

    first = history_page(mentorflow_engine, j.rel, viewer, 1, 20)
    assert (first["page"], first["pages"], first["total"]) == (1, -(-total // 20), total)
    assert [e["entry"].id for e in first["entries"]] == [e["entry"].id for e in everything[:20]], "newest first"
    assert first["entries"][0]["subject"] == "Finish the thesis"
    last = history_page(mentorflow_engine, j.rel, viewer, first["pages"], 20)
    assert [e["entry"].id for e in last["entries"]] == [e["entry"].id for e in everything[(first["pages"] - 1) * 20:]]
    assert last["entries"][-1]["label"] == "Relationship started"
    beyond = history_page(mentorflow_engine, j.rel, viewer, 999, 20)
    assert beyond["page"] == first["pages"] and beyond["entries"] == last["entries"], "past the end: the last page"
    # The engine reads only the page asked for.
    entries, counted = mentorflow_engine.history(j.rel, viewer, 5, 10)
    assert counted == total and [e.seq for e in entries] == [e["entry"].seq for e in everything[10:15]]
