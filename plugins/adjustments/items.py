"""What an adjustment item may be, and the checks every proposal passes (on proposal and on acceptance).

The plugin validates items itself rather than trusting the workflow's form:
a loosely written form must never let malformed changes be stored and applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from mentorflow.durations import duration_words, parse_duration
from mentorflow.errors import Problem
from mentorflow.i18n import _

GOAL_KINDS = frozenset({"revise_goal", "drop_goal", "add_goal"})
SETTING_KINDS: Mapping[str, tuple[str, str]] = {
    # item kind -> (override key, item field holding the value)
    "change_cadence": ("cadence", "period"),
    "change_meeting_format": ("meeting_format", "format"),
}
MEETING_FORMATS = ("in_person", "video", "phone", "chat")

Check = Callable[[Any], "str | None"]


def _text(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return _("must be a text")
        if len(value.strip()) < low:
            return _("must not be empty") if low == 1 else _("is shorter than {n} characters").format(n=low)
        if len(value) > high:
            return _("is longer than {n} characters").format(n=high)
        return None
    return check


def _goal_id(value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return _("must be the id of a goal (a whole number from 1)")
    return None


def _period(value: Any) -> str | None:
    try:
        period = parse_duration(value) if isinstance(value, str) else None
    except ValueError:
        period = None
    if period is None or period <= timedelta(0):
        return _("must be an ISO 8601 period such as P7D or P2W")
    return None


def _meeting_format(value: Any) -> str | None:
    if value not in MEETING_FORMATS:
        return _("must be one of {choices}").format(choices=", ".join(MEETING_FORMATS))
    return None


FIELDS: Mapping[str, Mapping[str, Check]] = {
    "revise_goal": {"goal_id": _goal_id, "text": _text(3, 200)},
    "drop_goal": {"goal_id": _goal_id, "reason": _text(1, 1000)},
    "add_goal": {"title": _text(3, 200), "category": _text(1, 64)},
    "change_cadence": {"period": _period},
    "change_meeting_format": {"format": _meeting_format},
    "amend_agreement": {"text": _text(1, 5000)},
}
KINDS = tuple(FIELDS)


def shape_problems(items: Any) -> list[Problem]:
    """Each item is an object of a known kind with exactly its fields, each valid."""
    if not isinstance(items, list) or not items:
        return [Problem("/items", _("needs at least one change"))]
    problems = []
    for i, item in enumerate(items):
        at = f"/items/{i}"
        if not isinstance(item, dict):
            problems.append(Problem(at, _("must be an object")))
            continue
        fields = FIELDS.get(item.get("kind"))  # type: ignore[arg-type]
        if fields is None:
            problems.append(Problem(f"{at}/kind", _("must be one of {choices}").format(choices=", ".join(KINDS))))
            continue
        for name, check in fields.items():
            if name not in item:
                problems.append(Problem(f"{at}/{name}", _("'{name}' is required here but missing").format(name=name)))
            elif (message := check(item[name])) is not None:
                problems.append(Problem(f"{at}/{name}", message))
        for name in sorted(set(item) - set(fields) - {"kind"}):
            problems.append(Problem(f"{at}/{name}", _("'{name}' is not allowed here (misspelt?)").format(name=name)))
    return problems


def consistency_problems(items: Sequence[dict[str, Any]], *, effective: Mapping[str, str | None],
                         dropped_goals: set[int], cadence_range: Mapping[str, str]) -> list[Problem]:
    """Rules across items and against the relationship: one change per goal and setting, no no-ops.

    ``items`` must already have passed :func:`shape_problems`.
    """
    problems = []
    goal_seen: dict[int, int] = {}
    kind_seen: dict[str, int] = {}
    titles: dict[str, int] = {}
    for i, item in enumerate(items):
        kind = item["kind"]
        if kind in ("revise_goal", "drop_goal"):
            goal = item["goal_id"]
            if goal in goal_seen:
                problems.append(Problem(f"/items/{i}/goal_id", _("goal {id} is already changed by item {n}").format(
                    id=goal, n=goal_seen[goal] + 1)))
            elif goal in dropped_goals:
                problems.append(Problem(f"/items/{i}/goal_id",
                                        _("goal {id} was dropped by an earlier adjustment").format(id=goal)))
            goal_seen.setdefault(goal, i)
        elif kind == "add_goal":
            title = item["title"].strip().casefold()
            if title in titles:
                problems.append(Problem(f"/items/{i}/title", _("the same goal is already added by item {n}").format(
                    n=titles[title] + 1)))
            titles.setdefault(title, i)
        elif kind in SETTING_KINDS:
            key, field = SETTING_KINDS[kind]
            if kind in kind_seen:
                problems.append(Problem(f"/items/{i}/kind", _("item {n} already changes this").format(
                    n=kind_seen[kind] + 1)))
            kind_seen.setdefault(kind, i)
            problems += _setting_problems(kind, item[field], f"/items/{i}/{field}", effective.get(key), cadence_range)
    return problems


def _setting_problems(kind: str, value: str, at: str, current: str | None,
                      cadence_range: Mapping[str, str]) -> list[Problem]:
    if kind == "change_meeting_format":
        return [Problem(at, _("the meetings are already in this format"))] if value == current else []
    period = parse_duration(value)
    if current is not None and period == parse_duration(current):
        return [Problem(at, _("the cadence is already {period}").format(period=_words(current)))]
    low, high = cadence_range.get("min"), cadence_range.get("max")
    if low is not None and period < parse_duration(low):
        return [Problem(at, _("the programme allows no cadence shorter than {period}").format(period=_words(low)))]
    if high is not None and period > parse_duration(high):
        return [Problem(at, _("the programme allows no cadence longer than {period}").format(period=_words(high)))]
    return []


def _words(period: str) -> str:
    """A period as a person reads it ("30 days", not ``P30D``)."""
    return duration_words(period) or period


def change_data(item: Mapping[str, Any]) -> tuple[int | None, dict[str, Any]]:
    """Split an item into the goal it concerns and the data stored with the applied change."""
    return item.get("goal_id"), {k: v for k, v in item.items() if k not in ("kind", "goal_id")}
