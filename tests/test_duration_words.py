"""Periods in words, not ISO codes: the duration helper, the fragments' labelled choices, the history and the
adjustments' range messages (issue #6)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mentorflow.durations import duration_words
from mentorflow.i18n import ngettext, set_locale
from mentorflow.integrations.shared.forms import fields
from mentorflow.integrations.shared.readable import readable
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.plugins.adjustments.items import consistency_problems
from mentorflow.registry import make_loader
from mentorflow.testing import default_workflow
from mentorflow.workflow.model import Workflow


@pytest.fixture(scope="module")
def workflow() -> Workflow:
    return make_loader(build_plugin_manager()).load(default_workflow())


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_locale("en")
    yield None
    set_locale(None)


@pytest.mark.parametrize(("text", "words"), [
    ("P6M", "6 months"), ("P1M", "1 month"), ("P1W", "1 week"), ("P2W", "2 weeks"), ("P14D", "14 days"),
    ("P1D", "1 day"), ("P1Y", "1 year"), ("P2Y", "2 years"), ("P1Y6M", "1 year, 6 months"), ("PT12H", "12 hours"),
    ("PT1H30M", "1 hour, 30 minutes"), ("P0D", "0 days"),
])
def test_a_period_in_english_words_keeps_the_units_it_names(text: str, words: str) -> None:
    assert duration_words(text) == words


@pytest.mark.parametrize("text", ["", "P", "6 months", "P6X", "-P2D", "PT"])
def test_what_is_not_a_period_has_no_words(text: str) -> None:
    assert duration_words(text) is None


def test_a_period_in_danish_words() -> None:
    set_locale("da")
    assert [duration_words(t) for t in ("P1W", "P2W", "P1D", "P14D", "PT1H", "PT12H")] == [
        "1 uge", "2 uger", "1 dag", "14 dage", "1 time", "12 timer"]


def test_months_in_danish_once_catalogued() -> None:
    set_locale("da")
    if ngettext("{n} month", "{n} months", 6) == "{n} months":
        pytest.skip("the Danish catalogue does not have '{n} month' yet (the translators add it)")
    assert duration_words("P6M") == "6 måneder" and duration_words("P1M") == "1 måned"


def test_the_agreement_offers_labelled_choices_and_durations(workflow: Workflow) -> None:
    by_name = {f.name: f for f in fields(workflow.forms["agreement"])}
    assert by_name["meeting_frequency"].choices == (
        ("weekly", "Every week"), ("fortnightly", "Every two weeks"), ("monthly", "Every month"),
        ("as_needed", "When needed"))
    assert dict(by_name["meeting_format"].choices)["in_person"] == "In person"
    assert (by_name["duration"].widget, by_name["duration"].choices) == ("select", (
        ("P3M", "3 months"), ("P6M", "6 months"), ("P9M", "9 months"), ("P12M", "12 months")))
    set_locale("da")
    danish = {f.name: f for f in fields(workflow.forms["agreement"])}
    assert dict(danish["meeting_frequency"].choices)["fortnightly"] == "Hver anden uge"
    assert dict(danish["duration"].choices)["P6M"] == "6 måneder"


def test_goal_categories_and_the_extension_period_are_labelled(workflow: Workflow) -> None:
    for form in ("goal", "goal_status"):
        category = next(f for f in fields(workflow.forms[form]) if f.name == "category")
        assert dict(category.choices)["academic"] == "Studies" and dict(category.choices)["skills"] == "Skills"
    period = next(f for f in fields(workflow.forms["extension_request"]) if f.name == "period")
    assert (period.widget, period.required, period.choices) == ("select", False, (
        ("P1M", "1 month"), ("P2M", "2 months"), ("P3M", "3 months")))


def test_the_history_shows_labels_and_periods_in_words(workflow: Workflow) -> None:
    shown = {s.label: s.text for s in readable(workflow.forms["agreement"], {
        "meeting_frequency": "fortnightly", "meeting_format": "in_person", "duration": "P6M"})}
    assert shown == {"How often you meet": "Every two weeks", "How you meet": "In person", "Duration": "6 months"}
    # A period the select does not offer (typed through the API) is still shown in words.
    assert readable(workflow.forms["agreement"], {"duration": "P18M"})[0].text == "18 months"
    assert readable(workflow.forms["extension_request"], {"period": "P14D"})[0].text == "14 days"
    set_locale("da")
    assert readable(workflow.forms["agreement"], {"meeting_frequency": "weekly"})[0].text == "Hver uge"
    assert readable(workflow.forms["extension_request"], {"period": "P1W"})[0].text == "1 uge"


def test_the_cadence_range_messages_say_the_period_in_words() -> None:
    def message(period: str, current: str = "P14D") -> str:
        [problem] = consistency_problems([{"kind": "change_cadence", "period": period}],
                                         effective={"cadence": current, "meeting_format": "video"},
                                         dropped_goals=set(), cadence_range={"min": "P7D", "max": "P30D"})
        assert problem.pointer == "/items/0/period"
        return problem.message
    assert message("P60D") == "the programme allows no cadence longer than 30 days"
    assert message("P1D") == "the programme allows no cadence shorter than 7 days"
    assert message("P2W") == "the cadence is already 14 days"
