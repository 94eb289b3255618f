"""The shared forms edit arrays of objects as groups of fields, and assemble the groups back into typed items."""

from __future__ import annotations

import pytest

from mentorflow.errors import Problem
from mentorflow.integrations.shared.forms import FormDecodeError, decode, fields
from mentorflow.integrations.shared.rendering import environment
from mentorflow.integrations.shared.views import field_errors
from mentorflow.pluginmanager import build_plugin_manager
from mentorflow.registry import make_loader
from mentorflow.testing import default_workflow
from mentorflow.workflow.model import Workflow

GOALS = {"goals.open": [(3, "Finish the thesis"), (5, "Learn to negotiate")],
         "goals.not_dropped": [(3, "Finish the thesis"), (5, "Learn to negotiate")]}


@pytest.fixture(scope="module")
def workflow() -> Workflow:
    return make_loader(build_plugin_manager()).load(default_workflow())


def test_an_adjustment_is_assembled_from_its_groups_with_only_the_chosen_kinds_fields(workflow: Workflow) -> None:
    posted = {
        # A change of cadence: the text typed before another kind was chosen is not part of it.
        "items-0-kind": "change_cadence", "items-0-period": " P7D ", "items-0-text": "left over",
        "items-1-kind": "", "items-1-goal_id": "", "items-1-text": "  ",  # left empty: dropped
        "items-2-kind": "revise_goal", "items-2-goal_id": "3", "items-2-text": "Finish chapter one",
        "items-3-kind": "change_meeting_format", "items-3-format": "in_person",
        "rationale": "Weekly until approval", "unrelated-0-x": "ignored",
    }
    assert decode(workflow.forms["adjustment"], posted) == {
        "items": [{"kind": "change_cadence", "period": "P7D"},
                  {"kind": "revise_goal", "goal_id": 3, "text": "Finish chapter one"},
                  {"kind": "change_meeting_format", "format": "in_person"}],
        "rationale": "Weekly until approval"}
    # Nothing filled in: an empty list (the list is required), which the schema's minItems refuses.
    assert decode(workflow.forms["adjustment"], {"items-0-kind": "", "rationale": ""}) == {"items": []}
    # A group without a kind keeps what was typed, and the schema asks for the kind.
    assert decode(workflow.forms["adjustment"], {"items-0-text": "Something"}) == {"items": [{"text": "Something"}]}


def test_a_text_of_the_wrong_type_is_named_by_its_place_in_the_data(workflow: Workflow) -> None:
    with pytest.raises(FormDecodeError) as caught:
        decode(workflow.forms["adjustment"], {"items-0-kind": "", "items-1-kind": "drop_goal",
                                              "items-1-goal_id": "three", "items-1-reason": "Done"})
    assert (caught.value.field, caught.value.message) == ("items/0/goal_id", "must be a whole number")
    assert field_errors([Problem(f"/{caught.value.field}", caught.value.message)]) == {
        "items": "must be a whole number", "items/0/goal_id": "must be a whole number"}


def test_free_groups_are_labelled_and_say_which_kinds_their_fields_are_for(workflow: Workflow) -> None:
    [items, rationale] = fields(workflow.forms["adjustment"], None, GOALS)
    assert (items.widget, items.label, rationale.widget) == ("rows", "What do you propose to change?", "textarea")
    assert [row.legend for row in items.rows] == ["Change 1", "Change 2", "Change 3"]
    first = {f.name: f for f in items.rows[0].fields}
    assert list(first) == ["items-0-kind", "items-0-goal_id", "items-0-text", "items-0-reason", "items-0-title",
                           "items-0-category", "items-0-period", "items-0-format"]
    kind, goal = first["items-0-kind"], first["items-0-goal_id"]
    assert kind.kind_switch and kind.choices[0] == ("revise_goal", "Revise a goal")
    assert goal.widget == "select" and goal.choices == (("3", "Finish the thesis"), ("5", "Learn to negotiate"))
    assert goal.kinds == ("revise_goal", "drop_goal") and goal.help == "Only for: Revise a goal, Drop a goal"
    assert all(f.label and not f.required for row in items.rows for f in row.fields)
    # Shown again after a problem: groups keep what was posted, their problems point where the data's items are.
    again = fields(workflow.forms["adjustment"], {"items-0-kind": "", "items-1-kind": "drop_goal",
                                                  "items-1-goal_id": "5"}, GOALS)[0]
    assert [row.path for row in again.rows] == ["", "items/0", ""]
    assert {f.name: (f.path, f.value) for f in again.rows[1].fields}["items-1-goal_id"] == ("items/0/goal_id", "5")


def test_the_closure_form_has_one_group_per_goal(workflow: Workflow) -> None:
    form = workflow.forms["closure_form"]
    goals = fields(form, None, GOALS)[0]
    assert [(row.legend, row.fixed, [f.label for f in row.fields]) for row in goals.rows] == [
        ("Finish the thesis", (("goals-0-goal_id", "3"),), ["Reached"]),
        ("Learn to negotiate", (("goals-1-goal_id", "5"),), ["Reached"])]
    posted = {"goals-0-goal_id": "3", "goals-0-attained": "", "goals-1-goal_id": "5", "goals-1-attained": "partly",
              "learned": "Patience", "satisfaction": "4"}
    assert decode(form, posted) == {"goals": [{"goal_id": 5, "attained": "partly"}], "learned": "Patience",
                                    "satisfaction": 4}
    # A required list with every group left empty is an empty list (a pair may have no goals).
    assert decode(form, {"goals-0-goal_id": "3", "learned": "x"})["goals"] == []
    # Typed data (an API payload shown in a form) fills the group of its goal.
    typed = fields(form, {"goals": [{"goal_id": 5, "attained": "fully"}]}, GOALS)[0]
    assert [[f.value for f in row.fields] for row in typed.rows] == [[None], ["fully"]]


def test_groups_render_as_labelled_fieldsets_with_their_problems(workflow: Workflow) -> None:
    form = workflow.forms["closure_form"]
    posted = {"goals-0-goal_id": "3", "goals-0-attained": "", "goals-1-goal_id": "5", "goals-1-attained": "partly"}
    errors = field_errors([Problem("/goals/0/attained", "is not one of fully, partly, not")])
    template = environment().get_template("_field.html")
    html = template.render(field=fields(form, posted, GOALS)[0], fid="f-goals", action={"errors": errors})
    assert html.count("<fieldset") == 3 and "<legend>Learn to negotiate</legend>" in html
    assert '<label for="f-goals-goals-1-attained">Reached</label>' in html
    assert '<input type="hidden" name="goals-0-goal_id" value="3">' in html
    # The problem shows once, at the control it is about, not again for the whole list.
    assert html.count("is not one of fully, partly, not") == 1
    assert 'aria-describedby="f-goals-goals-1-attained-error"' in html
