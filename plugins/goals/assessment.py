"""The effect ``goals.self_assess``: the mentee rates the programme's competences at the start and at closure.

Comparing the two ratings shows growth and how the mentee's view of
themselves changed. Each phase is recorded once per relationship.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select

from mentorflow import EffectContext, FormInvalid, Problem, TransitionError, effect
from mentorflow.i18n import _
from mentorflow.policy import form_visibility
from mentorflow.validation import pointer

from .settings import GoalSettings, goal_settings
from .store import SA, SELF_ASSESS

PHASES = ("start", "closure")


def rating_problems(ratings: Any, settings: GoalSettings) -> list[Problem]:
    """Every problem of submitted ``ratings`` against the programme's competences and scale."""
    if not isinstance(ratings, dict):
        return [Problem("/ratings", _("must be an object with a rating for each competence"))]
    problems = []
    for key, value in ratings.items():
        at = pointer(["ratings", key])
        if settings.competence(key) is None:
            problems.append(Problem(at, _("'{id}' is not one of the programme's competences ({known})").format(
                id=key, known=", ".join(c.id for c in settings.competences))))
        elif not isinstance(value, int) or isinstance(value, bool):
            problems.append(Problem(at, _("must be a whole number from {min} to {max}").format(
                min=settings.scale_min, max=settings.scale_max)))
        elif not settings.scale_min <= value <= settings.scale_max:
            problems.append(Problem(at, _("{value} is outside the scale {min} to {max}").format(
                value=value, min=settings.scale_min, max=settings.scale_max)))
    for competence in settings.competences:
        if competence.id not in ratings:
            problems.append(Problem(pointer(["ratings", competence.id]), _(
                "a rating for '{label}' is missing").format(label=competence.title())))
    return problems


@effect(SELF_ASSESS, params={
    "type": "object", "required": ["phase"], "additionalProperties": False,
    "properties": {"phase": {"enum": list(PHASES), "description": "start or closure"}},
}, description="Store the mentee's ratings of the programme's competences for one phase (start or closure).")
def self_assess(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Store the ratings of this phase; a second assessment of the same phase is refused."""
    event, conn = ctx.event, ctx.connection
    if event.role not in ("mentee", "peer") or event.actor.person_id is None:
        raise TransitionError(_("Only the mentee assesses themselves."))
    phase = params["phase"]
    settings = goal_settings(event.workflow.programme)
    form_name = event.transition.form or event.transition.id
    problems = rating_problems(event.data.get("ratings"), settings)
    if problems:
        raise FormInvalid(form_name, problems)
    done = conn.execute(select(SA.c.assessed_at).where(SA.c.relationship_id == event.before.id, SA.c.phase == phase,
                                                       SA.c.author_id == event.actor.person_id)).first()
    if done is not None:
        raise TransitionError(_("The {phase} self-assessment has already been made.").format(
            phase=_("start") if phase == "start" else _("closure")))
    form = event.workflow.forms.get(event.transition.form or "")
    note = event.data.get("note")
    conn.execute(insert(SA).values(
        relationship_id=event.before.id, phase=phase, author_id=event.actor.person_id,
        visibility=form_visibility(form).value,
        ratings=dict(event.data["ratings"]), note=note.strip() if isinstance(note, str) and note.strip() else None,
        assessed_at=event.at, audit_id=event.audit_id))
