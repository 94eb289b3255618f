"""``professional-circle``: a peer mentoring circle of association members with one facilitator.

Built on ``association``: 3 to 10 members of the same profession meet as peers, guided by a facilitator
(no mentor). Every peer signs the circle's agreement, sets their own goals, which the facilitator confirms,
and reflects on their own; meetings are the circle's; a peer may leave without ending the circle, and the
circle ends when the last peer leaves or at its planned end (the ``members`` fragment).
"""

from __future__ import annotations

import association
from template_kit import Doc, labels, rename_roles, set_format, set_programme

NAME = "professional-circle"
EXTRA_FRAGMENTS = ("members",)
CIRCLE = {"mentor": "facilitator", "mentee": "peer"}


def prepare(doc: Doc) -> None:
    association.prepare(doc)
    set_programme(
        doc, template_id="professional-circle", context="association", duration="P6M",
        name=labels("Peer mentoring circle", "Sparringsgruppe for medlemmer"),
        description=labels(
            "Members of the same profession meet as a circle of peers, guided by a facilitator, to learn from "
            "each other's practice, each with their own goals.",
            "Medlemmer af samme fag mødes i en gruppe af ligestillede med en facilitator for at lære af "
            "hinandens praksis, hver med sine egne mål."),
        role_labels={"mentor": labels("Facilitator", "Facilitator"),
                     "mentee": labels("Peer", "Deltager"),
                     "coordinator": labels("Mentor coordinator", "Mentorkoordinator")})
    set_format(doc, "circle")
    rename_roles(doc, CIRCLE)


def customise(doc: Doc) -> None:
    association.customise(doc)
    conform(doc)


def conform(doc: Doc) -> None:
    """The lifecycle fragments speak of mentors and mentees: a circle's facilitator and peers, no reassignment."""
    rename_roles(doc, CIRCLE, drop=("reassign_mentor", "request_rematch"))
