"""``entrepreneur-co-mentoring``: a new business owner with two mentors, one for the business, one for the trade.

Built on ``entrepreneurs``: the same milestones and closure, with two mentors (co-mentoring). The agreement
is signed by all three; each mentor confirms goals and reflects on their own; either mentor may step back
while the other goes on, and the coordinator names a new second mentor (the ``members`` fragment).
"""

from __future__ import annotations

import entrepreneurs
from template_kit import Doc, labels, set_format, set_programme

NAME = "entrepreneur-co-mentoring"
EXTRA_FRAGMENTS = ("members",)


def prepare(doc: Doc) -> None:
    entrepreneurs.prepare(doc)
    set_programme(
        doc, template_id="entrepreneur-co-mentoring", context="entrepreneurship", duration="P12M",
        name=labels("Co-mentoring for new business owners", "Dobbelt mentorordning for iværksættere"),
        description=labels(
            "A new business owner meets two mentors: an experienced business owner for running the company and "
            "a specialist of their trade, agreeing goals with both.",
            "En ny virksomhedsejer mødes med to mentorer: en erfaren virksomhedsejer til driften af virksomheden "
            "og en specialist i branchen, og aftaler mål med dem begge."),
        role_labels={"mentor": labels("Mentor", "Mentor"),
                     "mentee": labels("Entrepreneur", "Iværksætter"),
                     "coordinator": labels("Business adviser", "Erhvervsrådgiver")})
    set_format(doc, "co-mentoring")


def customise(doc: Doc) -> None:
    entrepreneurs.customise(doc)
