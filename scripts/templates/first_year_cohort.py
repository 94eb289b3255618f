"""``first-year-cohort``: group mentoring, one senior student mentors a cohort of first-year students together.

Built on ``university-students``: the same goals, reflections and closure, but a relationship is a group of
one student mentor and 3 to 8 first-year students. Each student signs the agreement, keeps their own goals
and reflects on their own; meetings are the group's; a student may leave the group without ending it, and
the coordinator may add a student who arrives late (the ``members`` fragment).
"""

from __future__ import annotations

import university_students
from template_kit import Doc, labels, set_format, set_programme

NAME = "first-year-cohort"
EXTRA_FRAGMENTS = ("members",)


def prepare(doc: Doc) -> None:
    university_students.prepare(doc)
    set_programme(
        doc, template_id="first-year-cohort", context="university", duration="P5M",
        name=labels("First-year cohort mentoring", "Mentorgrupper for førsteårsstuderende"),
        description=labels(
            "A senior student mentors a small group of first-year students through their first semester: "
            "settling in, study habits and the first exams, together and each on their own goals.",
            "En ældre studerende er mentor for en lille gruppe førsteårsstuderende gennem det første semester: "
            "at falde til, studievaner og de første eksaminer, sammen og hver med sine egne mål."),
        role_labels={"mentor": labels("Student mentor", "Studiementor"),
                     "mentee": labels("First-year student", "Førsteårsstuderende"),
                     "coordinator": labels("Study counsellor", "Studievejleder")})
    set_format(doc, "group", {"mentor": {"min": 1, "max": 1}, "mentee": {"min": 3, "max": 8}})


def customise(doc: Doc) -> None:
    university_students.customise(doc)
