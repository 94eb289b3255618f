"""Objects with declared properties as one control per property, suggested values as selects, and the history's
recorded form data shown readably (labels for codes, ids and lists), never more than the viewer may see."""

from __future__ import annotations

import copy

import pytest

from mentorflow import Engine, ManualClock, WorkflowInvalid
from mentorflow.errors import Problem
from mentorflow.i18n import set_locale
from mentorflow.integrations.shared.forms import FormDecodeError, decode, fields
from mentorflow.integrations.shared.readable import Shown, readable
from mentorflow.integrations.shared.rendering import environment
from mentorflow.integrations.shared.views import field_errors, timeline_entries
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.plugins.goals import workflow as goals_fragment
from mentorflow.registry import make_loader
from mentorflow.testing import Factory, default_workflow
from mentorflow.workflow.loader import WorkflowLoader
from mentorflow.workflow.model import Workflow
from tests.test_templates import Journey


@pytest.fixture(scope="module")
def loader() -> WorkflowLoader:
    return make_loader(build_plugin_manager())


@pytest.fixture(scope="module")
def workflow(loader: WorkflowLoader) -> Workflow:
    return loader.load(default_workflow())


@pytest.fixture(autouse=True)
def english() -> object:
    set_locale("en")
    yield None
    set_locale(None)


def test_the_ratings_are_one_select_per_competence_within_the_scale(workflow: Workflow) -> None:
    [ratings, note] = fields(workflow.forms["self_assessment"])
    assert (ratings.widget, ratings.label, ratings.required, note.widget) == ("group", "Ratings", True, "textarea")
    assert ratings.help == "Rate each competence from 1 (lowest) to 5 (highest)."
    assert [(f.name, f.path, f.label, f.widget) for f in ratings.parts] == [
        ("ratings-communication", "ratings/communication", "Communication", "select"),
        ("ratings-confidence", "ratings/confidence", "Self-confidence", "select"),
        ("ratings-network", "ratings/network", "Professional network", "select")]
    assert ratings.parts[0].choices == (("1", "1 (lowest)"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 (highest)"))
    set_locale("da")
    danish = fields(workflow.forms["self_assessment"])[0]
    assert [f.label for f in danish.parts] == ["Kommunikation", "Selvtillid", "Fagligt netværk"]
    assert danish.parts[0].choices[0] == ("1", "1 (lavest)")
    # Shown again: from posted controls, or from typed data.
    again = fields(workflow.forms["self_assessment"], {"ratings-confidence": "4"})[0]
    assert [f.value for f in again.parts] == [None, "4", None]
    typed = fields(workflow.forms["self_assessment"], {"ratings": {"network": 2}})[0]
    assert [f.value for f in typed.parts] == [None, None, "2"]


def test_decode_assembles_the_object_with_each_propertys_type(workflow: Workflow) -> None:
    form = workflow.forms["self_assessment"]
    posted = {"ratings-communication": "2", "ratings-confidence": " 4 ", "ratings-network": "", "note": "",
              "ratings-unknown": "5"}
    assert decode(form, posted) == {"ratings": {"communication": 2, "confidence": 4}}
    # Nothing rated: an empty object (the field is required), so the effect names each missing competence.
    assert decode(form, {"note": "Later"}) == {"ratings": {}, "note": "Later"}
    with pytest.raises(FormDecodeError) as caught:
        decode(form, {"ratings-communication": "2", "ratings-network": "high"})
    assert (caught.value.field, caught.value.message) == ("ratings/network", "must be a whole number")
    assert field_errors([Problem("/ratings/network", "must be a whole number")]) == {
        "ratings": "must be a whole number", "ratings/network": "must be a whole number"}


def test_the_group_renders_as_a_fieldset_with_its_problems_at_their_controls(workflow: Workflow) -> None:
    form = workflow.forms["self_assessment"]
    errors = field_errors([Problem("/ratings/network", "a rating is missing")])
    html = environment().get_template("_field.html").render(
        field=fields(form, {"ratings-communication": "3"})[0], fid="f-ratings", action={"errors": errors})
    assert html.count("<fieldset") == 1 and "<legend>Ratings" in html
    assert '<label for="f-ratings-ratings-network">Professional network</label>' in html
    assert '<option value="3" selected>3</option>' in html
    assert html.count("a rating is missing") == 1
    assert 'aria-describedby="f-ratings-ratings-network-error"' in html


def test_an_object_without_declared_properties_is_still_json_text(workflow: Workflow) -> None:
    document = default_workflow()
    document["forms"]["self_assessment"]["schema"]["properties"]["ratings"].pop("properties")
    document["forms"]["self_assessment"]["fields"]["ratings"] = {"label": {"en": "Ratings", "da": "Vurderinger"}}
    form = make_loader(build_plugin_manager()).load(document).forms["self_assessment"]
    assert fields(form, {"ratings": {"network": 2}})[0].widget == "json"
    assert decode(form, {"ratings": '{"network": 2}'}) == {"ratings": {"network": 2}}


def test_the_cadence_is_chosen_from_labelled_periods_and_stays_an_iso_period(workflow: Workflow) -> None:
    form = workflow.forms["adjustment"]
    period = {f.name: f for f in fields(form)[0].rows[0].fields}["items-0-period"]
    assert period.widget == "select" and period.kinds == ("change_cadence",)
    assert period.choices == (("P7D", "Every week"), ("P14D", "Every two weeks"), ("P21D", "Every three weeks"),
                              ("P1M", "Every month"), ("P2M", "Every two months"))
    set_locale("da")
    assert [label for _v, label in fields(form)[0].rows[0].fields[6].choices][:2] == ["Hver uge", "Hver anden uge"]
    assert decode(form, {"items-0-kind": "change_cadence", "items-0-period": "P21D"}) == {
        "items": [{"kind": "change_cadence", "period": "P21D"}]}
    # The schema still takes any ISO period (the API, older proposals); the select only suggests.
    assert "pattern" in form.schema["properties"]["items"]["items"]["allOf"][3]["then"]["properties"]["period"]


def test_a_programme_with_other_competences_rates_those(loader: WorkflowLoader) -> None:
    document = default_workflow()
    document["programme"]["settings"]["goals"] = {
        "competences": [{"id": "planning", "label": {"en": "Planning", "da": "Planlægning"}}],
        "scale": {"min": 0, "max": 3}}
    # Changed settings without the form following them: the check says so at the form.
    with pytest.raises(WorkflowInvalid) as caught:
        loader.load(copy.deepcopy(document))
    found = {p.pointer: p.message for p in caught.value.problems}
    at = "/forms/self_assessment/schema/properties/ratings/properties"
    assert set(found) == {f"{at}/communication", f"{at}/confidence", f"{at}/network", at}
    assert found[at].startswith("form 'self_assessment' does not ask for the competences planning")
    form = loader.load(goals_fragment.rate_competences(document)).forms["self_assessment"]
    [planning] = fields(form)[0].parts
    assert (planning.label, [v for v, _label in planning.choices]) == ("Planning", ["0", "1", "2", "3"])
    # Extending again changes nothing.
    assert goals_fragment.extend(document) == goals_fragment.extend(goals_fragment.extend(document))


def test_recorded_data_reads_as_labels_lists_and_yes_or_no(workflow: Workflow) -> None:
    options = {"goals.open": [(3, "Finish the thesis")]}
    shown = readable(workflow.forms["adjustment"], {
        "items": [{"kind": "change_cadence", "period": "P7D"}, {"kind": "revise_goal", "goal_id": 3, "text": "Ch. 1"},
                  {"kind": "drop_goal", "goal_id": 9, "reason": "Done"}, {"kind": "change_cadence", "period": "P10D"}],
        "rationale": "Weekly until approval"}, options)
    assert [s.label for s in shown] == ["What do you propose to change?", "Why?"]
    assert [[(p.label, p.text) for p in item] for item in shown[0].items] == [
        [("What do you want to change?", "Change how often you meet"), ("How often to meet", "Every week")],
        [("What do you want to change?", "Revise a goal"), ("Which goal", "Finish the thesis"),
         ("New wording", "Ch. 1")],
        # A goal no longer offered to the viewer (dropped, or not theirs to see) stays its id.
        [("What do you want to change?", "Drop a goal"), ("Which goal", "9"), ("Why drop it?", "Done")],
        [("What do you want to change?", "Change how often you meet"), ("How often to meet", "10 days")]]
    assert shown[1] == Shown("Why?", text="Weekly until approval")
    assert [(s.label, s.text) for s in readable(workflow.forms["agreement_signature"], {"accept": True})] == [
        ("I accept the agreement", "yes")]
    logged = readable(workflow.forms["meeting"], {"format": "in_person", "date": "2026-03-01", "duration_minutes": 45,
                                                  "extra": [1, 2]})
    assert [(s.text, s.iso) for s in logged] == [("Mar 1, 2026", "2026-03-01"), ("45", ""), ("In person", ""),
                                                 ("1, 2", "")]
    assert logged[-1].label == "Extra"
    assert [(p.label, p.text) for p in readable(workflow.forms["self_assessment"], {
        "ratings": {"communication": 2, "network": 5}})[0].parts] == [
            ("Communication", "2"), ("Professional network", "5 (highest)")]
    assert readable(workflow.forms["pulse"], None) == [] and readable(None, {"mentor_id": 2}) == []


def test_the_history_labels_what_the_viewer_may_see_and_nothing_more(
        mentorflow_engine: Engine, mentorflow_factory: Factory, mentorflow_clock: ManualClock) -> None:
    j = Journey(mentorflow_engine, mentorflow_factory, mentorflow_clock, "default")
    j.fire("self_assess_start", "mentee", {"ratings": {"communication": 2, "confidence": 4, "network": 1},
                                           "note": "Nervous about networking"})
    j.fire("propose_agreement", "mentor")
    j.fire("sign_agreement", "mentor", {"accept": True, "version": 1})
    j.fire("sign_agreement", "mentee", {"accept": True, "version": 1})
    j.later(3)
    j.fire("agree", "mentee")
    j.fire("add_goal", "mentee", {"title": "Finish the thesis"}, everything=False)
    [goal] = j.goal_ids()
    j.fire("update_goal_progress", "mentee", {"goal_id": goal, "progress": 40}, everything=False)

    def history(role: str) -> dict[str, list[Shown]]:
        entries = timeline_entries(mentorflow_engine, j.rel, j.people[role])
        return {e["entry"].transition: e["shown"] for e in entries}

    mentor = history("mentor")
    assert [(s.label, s.text) for s in mentor["update_goal_progress"]][:2] == [
        ("Goal", "Finish the thesis"), ("How far along (%)", "40")]
    assert [(p.label, p.text) for p in mentor["self_assess_start"][0].parts] == [
        ("Communication", "2"), ("Self-confidence", "4"), ("Professional network", "1 (lowest)")]
    # The coordinator of a programme that keeps the pair's content private sees that it happened, no more.
    coordinator = history("coordinator")
    assert coordinator["self_assess_start"] == [] and coordinator["update_goal_progress"] == []
    html = "".join(str(s) for s in coordinator.values())
    assert "Finish the thesis" not in html and "Nervous" not in html
