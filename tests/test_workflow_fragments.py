"""The shared helpers of a plugin's workflow fragment (:mod:`mentorflow.workflow.fragments`).

Every built-in fragment (``plugins/*/workflow.py``) extends the lifecycle with them; these tests pin the
rules they share: a customised call is kept, extending twice adds nothing, and a document that is not built
on the lifecycle gets an error naming the plugin and the missing transition.
"""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from mentorflow.workflow.fragments import add_call, add_transitions, has_call, labels, transition, uses_effect

LIFECYCLE = Path(__file__).resolve().parents[1] / "schemas" / "programmes" / "default.json"
FRAGMENTS = ["adjustments", "agreements", "closure", "goals", "meetings", "reflections"]


def _document() -> dict[str, Any]:
    return {"transitions": [
        {"id": "sign", "from": "a", "to": "b", "roles": ["mentor"],
         "guards": [{"name": "agreements.signed", "params": {"roles": ["mentee"]}}]},
        {"id": "add_goal", "from": "b", "roles": ["mentee"], "effects": [{"name": "goals.add"}]},
    ]}


def test_labels_carry_english_and_danish() -> None:
    assert labels("Goal", "Mål") == {"en": "Goal", "da": "Mål"}


def test_transition_finds_the_lifecycle_transition_and_names_what_is_missing() -> None:
    doc = _document()
    assert transition(doc, "sign", "agreements") is doc["transitions"][0]
    with pytest.raises(ValueError) as raised:
        transition(doc, "close", "closure")
    assert str(raised.value) == ("the closure plugin extends the lifecycle's transition 'close', which this workflow "
                                 "does not have")


def test_add_call_keeps_a_customised_call_and_adds_a_missing_one_once() -> None:
    sign = _document()["transitions"][0]
    add_call(sign, "guards", {"name": "agreements.signed", "params": {"roles": ["mentor", "mentee"]}})
    assert sign["guards"] == [{"name": "agreements.signed", "params": {"roles": ["mentee"]}}]  # the programme's own
    add_call(sign, "effects", {"name": "agreements.sign"})
    add_call(sign, "effects", {"name": "agreements.sign"})
    assert sign["effects"] == [{"name": "agreements.sign"}]
    assert has_call(sign, "effects", "agreements.sign") and not has_call(sign, "guards", "agreements.sign")


def test_add_transitions_adds_copies_of_the_new_ones_only() -> None:
    doc = _document()
    mine = [{"id": "sign", "from": "x", "roles": ["coordinator"]}, {"id": "log_meeting", "from": "b",
                                                                     "roles": ["mentor"], "effects": []}]
    add_transitions(doc, mine)
    assert [t["id"] for t in doc["transitions"]] == ["sign", "add_goal", "log_meeting"]
    assert doc["transitions"][0]["from"] == "a"  # the document's own transition stays
    doc["transitions"][2]["effects"].append({"name": "meetings.log"})
    assert mine[1]["effects"] == []  # a copy: the fragment's constant is not changed through the document
    add_transitions(doc, mine)
    assert len(doc["transitions"]) == 3


def test_uses_effect_sees_another_plugins_part() -> None:
    doc = _document()
    assert uses_effect(doc, "goals.add")
    assert not uses_effect(doc, "meetings.log")


@pytest.mark.parametrize("plugin", FRAGMENTS)
def test_every_builtin_fragment_is_idempotent_on_the_shipped_lifecycle(plugin: str) -> None:
    extend = importlib.import_module(f"mentorflow.plugins.{plugin}.workflow").extend
    base = json.loads(LIFECYCLE.read_text(encoding="utf-8"))
    before = copy.deepcopy(base)
    once = extend(base)
    assert base == before  # extend works on a copy
    assert extend(once) == once


@pytest.mark.parametrize("plugin", FRAGMENTS)
def test_every_builtin_fragment_refuses_a_document_without_the_lifecycle(plugin: str) -> None:
    extend = importlib.import_module(f"mentorflow.plugins.{plugin}.workflow").extend
    bare = {"programme": {"name": labels("Bare", "Bar")}, "forms": {"goal": {"schema": {"properties": {}}},
                                                                     "agreement_signature": {"schema": {
                                                                         "properties": {}}}},
            "transitions": []}
    if plugin == "meetings":
        assert [t["id"] for t in extend(bare)["transitions"]] == ["log_meeting", "rate_meeting"]
        return
    with pytest.raises(ValueError, match=f"^the {plugin} plugin extends the lifecycle's transition '"):
        extend(bare)
