"""Choices the closure plugin's forms offer.

``closure.reasons``
    the programme's neutral early-closure reasons (``settings.closure.reasons``), by id, in its order.
``closure.mentors``
    the programme's mentors a coordinator may give the mentee instead of the current one, by name.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from mentorflow import ChoiceContext, choices_provider
from mentorflow.db.models import Person, ProgrammeRole
from mentorflow.i18n import localized

from .settings import reasons as programme_reasons

P = Person.__table__
PR = ProgrammeRole.__table__


@choices_provider("closure.reasons", description="The programme's reasons for ending a relationship early.")
def reasons(ctx: ChoiceContext) -> Iterable[tuple[str, str]]:
    """``settings.closure.reasons``, labelled in the current language."""
    return [(rid, localized(label)) for rid, label in programme_reasons(ctx.workflow.programme).items()]


@choices_provider("closure.mentors", description="The programme's other mentors, for a coordinator reassigning.")
def mentors(ctx: ChoiceContext) -> Iterable[tuple[int, str]]:
    """Every mentor of the programme but the current mentor and the mentee; coordinators only."""
    if ctx.role not in ("coordinator", "system"):
        return []
    rel = ctx.relationship
    rows = ctx.connection.execute(
        select(P.c.id, P.c.display_name).join(PR, PR.c.person_id == P.c.id)
        .where(PR.c.programme_id == rel.programme_id, PR.c.role == "mentor",
               P.c.id.not_in([p for p in (rel.mentor_id, rel.mentee_id) if p is not None]))
        .order_by(P.c.display_name, P.c.id))
    return [(row.id, row.display_name) for row in rows]


CHOICES = [reasons, mentors]
