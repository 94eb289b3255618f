"""Hooks the matching plugin offers other plugins (added through ``mentorflow_addhooks``).

A plugin extends or replaces the scoring by returning named scorers and
constraints (built with :func:`mentorflow.plugins.matching.scorer` and
:func:`mentorflow.plugins.matching.constraint`). A programme then names them
in ``programme.settings.matching.criteria`` / ``.constraints`` exactly like
the built-in ones; their ``params`` are validated against the JSON Schema
the plugin gives, when the workflow is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from mentorflow.hookspecs import hookspec

if TYPE_CHECKING:
    from mentorflow.plugins.matching.specs import ConstraintSpec, ScorerSpec

ONE_BY_ONE = frozenset({"mentorflow_match_scorers", "mentorflow_match_constraints"})
"""Called one implementation at a time (to name the plugin of each scorer), so wrappers on them are refused."""


@hookspec
def mentorflow_match_scorers() -> Iterable[ScorerSpec]:
    """Return scorers (criteria) a programme may weight in ``settings.matching.criteria``.

    Each scorer is called with a :class:`~mentorflow.plugins.matching.ScoringContext`
    (a block of mentees, all candidate mentors, their profiles, the
    mentees' stated preferences) and its ``params``, and returns an array of
    shape ``(len(ctx.mentees), len(ctx.mentors))`` of values, usually in
    0..1; the pair's contribution is ``weight * value``. Compute it with
    numpy over whole arrays, never pair by pair: runs score millions of
    pairs. Names are global; a plugin may replace a built-in scorer by
    returning one with the same name (two plugins claiming one name is a
    configuration error). Results of all plugins are collected.
    """


@hookspec
def mentorflow_match_constraints() -> Iterable[ConstraintSpec]:
    """Return hard constraints a programme may list in ``settings.matching.constraints``.

    Each constraint is called like a scorer and returns a boolean array of
    shape ``(len(ctx.mentees), len(ctx.mentors))``: True where the pair is
    allowed. A pair any constraint forbids is never proposed, suggested,
    requested or approved. Names are global; a plugin may replace a built-in
    constraint by returning one with the same name. Results of all plugins
    are collected.
    """
