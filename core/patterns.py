"""Regular expressions that come from documents, matched by a linear-time engine (RE2).

A workflow's author writes the ``pattern`` and ``patternProperties`` of its forms. Python's ``re``
backtracks, so ``^(a|a)*$`` on 30 characters takes minutes; RE2 matches in time linear in the text
for every pattern it accepts, and refuses what needs backtracking (backreferences, lookaround).

Two ISO 8601 duration patterns with a lookahead were shipped in the templates before RE2 was used;
documents stored with them must keep loading, so they are matched by an equivalent RE2 expression
(:data:`EQUIVALENTS`; tests/test_trust_hostile_documents.py checks the equivalence).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.protocols import Validator

MAX_PATTERN_LENGTH = 1000
"""Characters in one pattern; every pattern a template uses is far shorter."""

_DATE = r"(?:\d+Y(?:\d+M)?(?:\d+W)?(?:\d+D)?|\d+M(?:\d+W)?(?:\d+D)?|\d+W(?:\d+D)?|\d+D)"
_TIME = r"T(?:\d+H(?:\d+M)?(?:\d+S)?|\d+M(?:\d+S)?|\d+S)"
EQUIVALENTS = {
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$": rf"^P(?:{_DATE}(?:{_TIME})?|{_TIME})$",
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$": rf"^P{_DATE}$",
}
"""Lookahead patterns the shipped templates used, and the RE2 expression that matches the same texts."""


class PatternRefused(ValueError):
    """A pattern the linear-time engine does not accept; the message says why (in English, from RE2)."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern to stderr
    options.never_capture = True  # only "does it match" is asked
    return options


_OPTIONS = _options()


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> Any:
    """The RE2 program for ``pattern``; raises :class:`PatternRefused` when RE2 cannot run it."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternRefused(f"longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(EQUIVALENTS.get(pattern, pattern), options=_OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        raise PatternRefused(reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)) from None


def refusal(pattern: str) -> str | None:
    """Why ``pattern`` cannot be matched in linear time, or None when it can."""
    try:
        compile_pattern(pattern)
    except PatternRefused as refused:
        return str(refused)
    return None


def unsupported(pattern: str) -> str | None:
    """Why a pattern that is a valid regular expression cannot be matched in linear time, or None.

    Patterns that are not regular expressions at all are left to the metaschema, which reports them as
    invalid together with every other problem of the schema.
    """
    reason = refusal(pattern)
    if reason is None:
        return None
    try:
        re.compile(pattern)  # compiling is not matching: this never backtracks over data
    except (re.error, RecursionError, OverflowError):
        return None
    return reason


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text`` (JSON Schema's ``pattern`` semantics)."""
    return compile_pattern(pattern).search(text) is not None


# -- JSON Schema keywords that match patterns, on RE2 -------------------------------------------------------
# jsonschema's own implementations call Python's ``re.search``; these are the same keywords with
# :func:`search`. ``unevaluatedProperties`` also matches ``patternProperties`` with ``re``, so the cost
# bounds (mentorflow.workflow.cost) refuse a form that uses both.

def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, pattern_properties: dict[str, Any], instance: Any, schema: Any) -> Any:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for key, value in instance.items():
            if search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _extra_keys(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [key for key in instance
            if key not in properties and not any(search(pattern, key) for pattern in patterns)]


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: Any) -> Any:
    if not validator.is_type(instance, "object"):
        return
    extras = _extra_keys(instance, schema)
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        names = ", ".join(repr(each) for each in sorted(extras, key=str))
        yield ValidationError(f"Additional properties are not allowed ({names} unexpected)")


def _regex_format(instance: object) -> bool:
    return not isinstance(instance, str) or refusal(instance) is None


def format_checker() -> FormatChecker:
    """jsonschema's format checks, with ``regex`` meaning "RE2 accepts it"."""
    checker = FormatChecker()
    checker.checks("regex")(_regex_format)
    return checker


# types-jsonschema leaves validators.extend unannotated; the class it makes is a Validator, not a subclass.
SafeValidator: type[Validator] = validators.extend(Draft202012Validator, {  # type: ignore[no-untyped-call]
    "pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties,
})
"""Draft 2020-12 with every pattern of the schema matched by RE2: the validator for schemas from documents."""
