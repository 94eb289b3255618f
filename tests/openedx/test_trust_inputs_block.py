"""Input boundaries in the Open edX XBlock's handlers (issue #21; the rest is in tests/test_trust_inputs.py)."""

from __future__ import annotations

from typing import Any

from .test_block import MIA, fire, paired


def test_the_xblock_refuses_a_lone_surrogate_at_the_field_and_shows_the_form_again(course: Any) -> None:
    block = course.block()
    rid = paired(course, block)
    course.as_user(MIA)
    status, answer = fire(course, block, rid, "sign_agreement", {"accept": "true", "comment": "a\ud800b"})
    assert status == 422 and [p["pointer"] for p in answer["problems"]] == ["/comment"], answer
    assert "U+D800" in answer["problems"][0]["message"] and "details class=\"action card\" open" in answer["html"]
    assert fire(course, block, rid, "sign_agreement", {"accept": "true", "comment": "a\u00f8b"})[0] == 200
