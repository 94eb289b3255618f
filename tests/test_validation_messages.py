"""Form validation messages: every JSON Schema keyword mentorflow words itself gives its sentence and pointer.

The messages are what a mentor or mentee sees when a form is refused, so
each is checked word for word, together with the RFC 6901 pointer into the
submitted data (for ``required``: the missing field itself).

Only English for now; add the Danish expectations to ``MESSAGES`` when the
catalogue has them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mentorflow.errors import Problem
from mentorflow.i18n import set_locale
from mentorflow.validation import (
    closest,
    depth,
    did_you_mean,
    pointer,
    schema_problems,
    size_problems,
    split_pointer,
)
from mentorflow.workflow.loader import form_validator

LOCALES = ["en"]


@pytest.fixture(params=LOCALES)
def locale(request: pytest.FixtureRequest) -> Iterator[str]:
    set_locale(request.param)
    yield request.param
    set_locale(None)


def check(schema: dict[str, Any], data: Any) -> list[tuple[str, str]]:
    return [(p.pointer, p.message) for p in schema_problems(form_validator(schema), data, "form")]


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


# (case, schema, data, {locale: [(pointer, message), ...]}): the complete list of problems, in order.
MESSAGES: list[tuple[str, dict[str, Any], Any, dict[str, list[tuple[str, str]]]]] = [
    ("required", {"type": "object", "required": ["title", "category"]}, {"title": "x"},
     {"en": [("/category", "'category' is required here but missing")]}),
    ("required, several missing", {"type": "object", "required": ["a", "b", "c"]}, {"b": 1},
     {"en": [("/a", "'a' is required here but missing"), ("/c", "'c' is required here but missing")]}),
    ("required, nested", obj(goal=obj(when={"type": "string"}) | {"required": ["when"]}), {"goal": {}},
     {"en": [("/goal/when", "'when' is required here but missing")]}),
    ("required, name with / and ~", {"type": "object", "required": ["a/b~c"]}, {},
     {"en": [("/a~1b~0c", "'a/b~c' is required here but missing")]}),
    ("dependentRequired", {"type": "object", "dependentRequired": {"until": ["reason"]}}, {"until": "2026-01-01"},
     {"en": [("/reason", "'reason' is required when 'until' is given")]}),
    ("additionalProperties", obj(a={}) | {"additionalProperties": False}, {"a": 1, "b": 2, "zz": 3},
     {"en": [("/b", "'b' is not allowed here (misspelt?)"), ("/zz", "'zz' is not allowed here (misspelt?)")]}),
    ("additionalProperties with patternProperties",
     {"type": "object", "patternProperties": {"^x_": {}}, "additionalProperties": False}, {"x_ok": 1, "no": 2},
     {"en": [("/no", "'no' is not allowed here (misspelt?)")]}),
    ("unevaluatedProperties", {"type": "object", "allOf": [obj(a={})], "unevaluatedProperties": False},
     {"a": 1, "b": 2}, {"en": [("", "has fields that are not allowed here")]}),
    ("false schema", obj(secret=False), {"secret": 1}, {"en": [("/secret", "is not allowed here")]}),
    ("type", obj(n={"type": "integer"}), {"n": "3"}, {"en": [("/n", 'must be a whole number, not "3"')]}),
    ("type, several", obj(n={"type": ["number", "null"]}), {"n": True},
     {"en": [("/n", "must be a number or null, not true")]}),
    ("type, object and list", obj(o={"type": "object"}, l={"type": "array"}, b={"type": "boolean"}),
     {"o": [], "l": {}, "b": 0},
     {"en": [("/b", "must be true or false, not 0"), ("/l", "must be a list, not {}"),
             ("/o", "must be an object, not []")]}),
    ("type, text", obj(s={"type": "string"}), {"s": 1}, {"en": [("/s", "must be a text, not 1")]}),
    ("enum", obj(c={"enum": ["career", "skills"]}), {"c": "fun"},
     {"en": [("/c", '"fun" is not one of "career", "skills"')]}),
    ("const", obj(accept={"const": True}), {"accept": False}, {"en": [("/accept", "must be true")]}),
    ("pattern with a description", obj(code={"type": "string", "pattern": "^[A-Z]{3}$",
                                             "description": "three capital letters"}), {"code": "ab"},
     {"en": [("/code", '"ab" does not have the expected form (three capital letters)')]}),
    ("pattern without a description", obj(code={"type": "string", "pattern": "^[A-Z]{3}$"}), {"code": "ab"},
     {"en": [("/code", '"ab" does not have the expected form (^[A-Z]{3}$)')]}),
    ("minLength 1", obj(t={"type": "string", "minLength": 1}), {"t": ""}, {"en": [("/t", "must not be empty")]}),
    ("minLength", obj(t={"type": "string", "minLength": 3}), {"t": "ab"},
     {"en": [("/t", "is shorter than 3 characters")]}),
    ("maxLength", obj(t={"type": "string", "maxLength": 2}), {"t": "abc"},
     {"en": [("/t", "is longer than 2 characters")]}),
    ("minimum", obj(n={"minimum": 1}), {"n": 0}, {"en": [("/n", "must be at least 1")]}),
    ("exclusiveMinimum", obj(n={"exclusiveMinimum": 0}), {"n": 0}, {"en": [("/n", "must be more than 0")]}),
    ("maximum", obj(n={"maximum": 5}), {"n": 6}, {"en": [("/n", "must be at most 5")]}),
    ("exclusiveMaximum", obj(n={"exclusiveMaximum": 5}), {"n": 5}, {"en": [("/n", "must be less than 5")]}),
    ("multipleOf", obj(n={"multipleOf": 15}), {"n": 20}, {"en": [("/n", "must be a multiple of 15")]}),
    ("minItems", obj(l={"type": "array", "minItems": 2}), {"l": [1]}, {"en": [("/l", "needs at least 2 item(s)")]}),
    ("maxItems", obj(l={"type": "array", "maxItems": 1}), {"l": [1, 2]}, {"en": [("/l", "has more than 1 items")]}),
    ("items false after prefixItems", obj(l={"prefixItems": [{}], "items": False}), {"l": [1, 2, 3]},
     {"en": [("/l", "has more than 1 items")]}),
    ("items", obj(l={"items": {"type": "integer"}}), {"l": [1, "two"]},
     {"en": [("/l/1", 'must be a whole number, not "two"')]}),
    ("uniqueItems", obj(l={"uniqueItems": True}), {"l": [1, 1]}, {"en": [("/l", "has duplicate items")]}),
    ("contains", obj(l={"contains": {"const": "me"}}), {"l": ["you"]},
     {"en": [("/l", "has no item of the expected kind")]}),
    ("minProperties", obj(o={"minProperties": 1}), {"o": {}}, {"en": [("/o", "needs at least 1 entries")]}),
    ("maxProperties", obj(o={"maxProperties": 1}), {"o": {"a": 1, "b": 2}},
     {"en": [("/o", "has more than 1 entries")]}),
    ("format date", obj(d={"type": "string", "format": "date"}), {"d": "2026-02-30"},
     {"en": [("/d", '"2026-02-30" is not a valid date')]}),
    ("format email", obj(e={"type": "string", "format": "email"}), {"e": "nobody"},
     {"en": [("/e", '"nobody" is not a valid email')]}),
    ("propertyNames", {"type": "object", "propertyNames": {"pattern": "^[a-z]+$", "description": "lowercase"}},
     {"ok": 1, "Bad": 2}, {"en": [("/Bad", '"Bad" does not have the expected form (lowercase)')]}),
    ("not", obj(n={"not": {"const": 0}}), {"n": 0},
     {"en": [("/n", "has a combination of fields that is not allowed here")]}),
    ("not with fields that may not appear together",
     {"type": "object", "not": {"anyOf": [{"required": ["after"]}, {"required": ["fire"]}]}}, {"fire": 1},
     {"en": [("/fire", "'fire' is not allowed here")]}),
    ("oneOf picks the alternative of the right type",
     obj(when={"oneOf": [{"type": "string", "format": "date"}, {"type": "integer", "minimum": 1}]}), {"when": 0},
     {"en": [("/when", "must be at least 1")]}),
    ("oneOf with no alternative of the right type",
     obj(when={"oneOf": [{"type": "string"}, {"type": "array"}, {"const": "*"}]}), {"when": 3},
     {"en": [("/when", "must be a list or a text, not 3")]}),
    ("oneOf matching twice", obj(n={"oneOf": [{"type": "integer"}, {"minimum": 0}]}), {"n": 3},
     {"en": [("/n", "fits more than one of the allowed forms; it must fit exactly one")]}),
    ("anyOf reports inside the list alternative", obj(to={"anyOf": [{"type": "string"}, {
        "type": "array", "items": {"type": "string", "minLength": 1}}]}), {"to": ["a", ""]},
     {"en": [("/to/1", "must not be empty")]}),
    ("$ref", {"type": "object", "$defs": {"score": {"type": "integer", "maximum": 5}},
              "properties": {"health": {"$ref": "#/$defs/score"}}}, {"health": 9},
     {"en": [("/health", "must be at most 5")]}),
    ("if/then", {"type": "object", "if": {"properties": {"kind": {"const": "other"}}},
                 "then": {"required": ["note"]}}, {"kind": "other"},
     {"en": [("/note", "'note' is required here but missing")]}),
    ("not an object at all", {"type": "object"}, ["x"], {"en": [("", 'must be an object, not ["x"]')]}),
    ("long values are shortened", obj(c={"enum": ["a"]}), {"c": "x" * 100},
     {"en": [("/c", '"' + "x" * 58 + '… is not one of "a"')]}),
]


@pytest.mark.parametrize(("schema", "data", "expected"),
                         [pytest.param(s, d, e, id=name) for name, s, d, e in MESSAGES])
def test_keyword_gives_its_sentence_and_pointer(locale: str, schema: dict[str, Any], data: Any,
                                                expected: dict[str, list[tuple[str, str]]]) -> None:
    assert check(schema, data) == expected[locale]


def test_valid_data_has_no_problems(locale: str) -> None:
    schema = {"type": "object", "required": ["a"], "additionalProperties": False,
              "properties": {"a": {"type": "integer", "minimum": 1}, "d": {"type": "string", "format": "date"},
                             "l": {"type": "array", "items": {"enum": ["x", "y"]}, "uniqueItems": True}}}
    assert check(schema, {"a": 1, "d": "2026-02-28", "l": ["x", "y"]}) == []


def test_problems_name_the_form_they_belong_to(locale: str) -> None:
    [problem] = schema_problems(form_validator({"type": "object", "required": ["x"]}), {}, "goal")
    assert problem == Problem("/x", "'x' is required here but missing", "goal")
    assert problem.source == "goal"
    assert str(problem) == "goal#/x: 'x' is required here but missing"


def test_every_problem_of_the_data_is_reported(locale: str) -> None:
    schema = {"type": "object", "required": ["title", "category"], "additionalProperties": False,
              "properties": {"title": {"type": "string", "minLength": 3}, "category": {"enum": ["a", "b"]},
                             "score": {"type": "integer", "maximum": 5}}}
    assert [p for p, _m in check(schema, {"title": "x", "score": 7, "extra": True})] == [
        "/category", "/extra", "/score", "/title"]


@pytest.mark.parametrize(("path", "expected"), [
    ([], ""),
    (["a", 0, "b"], "/a/0/b"),
    (["a/b", "m~n"], "/a~1b/m~0n"),
    (["", " "], "// "),
    (["~1"], "/~01"),
])
def test_pointers_follow_rfc_6901(path: list[Any], expected: str) -> None:
    assert pointer(path) == expected
    assert split_pointer(expected) == [str(p) for p in path]


def test_size_limits() -> None:
    assert depth(1) == 1
    assert depth({"a": [{"b": 1}]}) == 4
    assert size_problems({"a": [1]}) == []
    assert [p.message for p in size_problems({"a": {"b": {"c": 1}}}, max_depth=2)] == [
        "is nested more than 2 levels deep"]
    assert [p.message for p in size_problems({"a": "x" * 50}, max_bytes=40)] == ["is larger than 40 bytes"]
    # Bytes of UTF-8, not characters: 20 "ø" are 40 bytes.
    assert size_problems({"a": "x" * 20}, max_bytes=40) == []
    assert [p.message for p in size_problems({"a": "ø" * 20}, max_bytes=40)] == ["is larger than 40 bytes"]


# -- did you mean: the closest known name, in English and Danish ------------------------------------------------

@pytest.mark.parametrize(("name", "candidates", "expected"), [
    ("frist_phase", ["first_phase", "second_phase", "done"], "first_phase"),
    ("mentro", ["mentor", "mentee", "coordinator"], "mentor"),
    ("xyzzy", ["first_phase", "done"], None),          # nothing close: no guess
    ("done", ["done", "dome"], "dome"),                 # the name itself is never suggested
    (3, ["3"], None),                                   # only names are compared
    ("a", [], None),
])
def test_closest_is_difflibs_best_match(name: Any, candidates: list[Any], expected: str | None) -> None:
    assert closest(name, candidates) == expected


@pytest.mark.parametrize(("locale", "enum", "extra"), [
    ("en", '"skils" is not one of "career", "skills" — did you mean \'skills\'?',
     "'categroy' is not allowed here (misspelt?) — did you mean 'category'?"),
    ("da", '"skils" er ikke blandt de tilladte værdier: "career", "skills" — mente du \'skills\'?',
     "'categroy' er ikke tilladt her (stavefejl?) — mente du 'category'?"),
])
def test_a_misspelt_value_or_key_gets_the_closest_allowed_one_suggested(locale: str, enum: str, extra: str) -> None:
    set_locale(locale)
    try:
        schema = obj(category={"enum": ["career", "skills"]}, title={}) | {"additionalProperties": False}
        assert check(schema, {"category": "skils"}) == [("/category", enum)]
        assert check(schema, {"categroy": "skills", "title": "x"}) == [("/categroy", extra)]
        assert did_you_mean("m", "frist", ["first"]).endswith("'first'?")
        assert did_you_mean("m", "frist", ["done"]) == "m"
    finally:
        set_locale(None)
