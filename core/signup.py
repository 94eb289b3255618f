"""The profile a person fills in when they sign up to a programme, offered by a plugin through a hook.

An integration that signs people up (the Open edX XBlock) asks
:func:`signup_profile`; the plugin that keeps the profiles (matching) answers
through ``mentorflow_signup_profile`` with the form's JSON Schema, a check
that writes nothing, and how to store a checked profile. The integration thus
never imports the plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mentorflow.errors import Problem

if TYPE_CHECKING:
    from mentorflow.engine import Engine
    from mentorflow.workflow.model import Workflow


@dataclass(frozen=True)
class SignupProfile:
    """A programme's sign-up profile form and what to do with what a person fills in."""

    form: str
    """The form's name in errors (:class:`mentorflow.FormInvalid`), e.g. ``"matching_profile"``."""
    schema: Mapping[str, Any]
    """The JSON Schema of the profile (an object with ``properties``), rendered as a form."""
    title: Mapping[str, str]
    """The form's title by locale."""
    check: Callable[[Any], list[Problem]]
    """The problems of a profile, each with a JSON pointer into it; writes nothing."""
    store: Callable[[int, str, Any, int], Any]
    """``store(person_id, role, profile, actor_id)``: keep a checked profile (raises a UserError on refusal)."""


def signup_profile(engine: Engine, programme_id: int, workflow: Workflow) -> SignupProfile | None:
    """The sign-up profile of the programme (its current ``workflow``), or ``None`` when no plugin offers one."""
    profile: SignupProfile | None = engine.pm.hook.mentorflow_signup_profile(
        engine=engine, programme_id=programme_id, workflow=workflow)
    return profile
