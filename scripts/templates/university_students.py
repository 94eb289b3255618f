"""``university-students``: a student mentor helps with academic challenges, the move to university and career."""

from __future__ import annotations

from template_kit import (
    Doc,
    competence,
    extend_form,
    field,
    labels,
    reason,
    role_texts,
    score,
    set_cadence,
    set_enum,
    set_guard,
    set_programme,
    set_settings,
    text,
)

NAME = "university-students"


def prepare(doc: Doc) -> None:
    set_programme(
        doc, template_id="university-students", context="university", duration="P8M",
        name=labels("Mentoring for university students", "Mentorordning for universitetsstuderende"),
        description=labels(
            "Students are mentored by an experienced student through academic challenges, the move to university "
            "and the choice of a career.",
            "Studerende får en erfaren studerende som mentor gennem faglige udfordringer, overgangen til "
            "universitetet og valget af karrierevej."),
        role_labels={"mentor": labels("Student mentor", "Studiementor"),
                     "mentee": labels("Student", "Studerende"),
                     "coordinator": labels("Study counsellor", "Studievejleder")})
    set_enum(doc, "goal", "category", ["academic", "career", "personal_growth", "skills"])
    extend_form(doc, "goal", {
        "area": {"enum": ["study_habits", "exams", "thesis", "settling_in", "social_life", "career_choice"]},
        "course": text(200),
    }, {
        "area": field("What the goal is about", "Hvad målet handler om", "select", choices={
            "study_habits": labels("Study habits", "Studievaner"), "exams": labels("Exams", "Eksaminer"),
            "thesis": labels("Thesis", "Speciale"), "settling_in": labels("Settling in", "At falde til"),
            "social_life": labels("Social life", "Socialt liv"),
            "career_choice": labels("Choosing a career", "Karrierevalg")}),
        "course": field("Course or subject (if any)", "Kursus eller fag (hvis relevant)"),
    }, required=["area"])


def customise(doc: Doc) -> None:
    role_texts(
        doc,
        agreement=labels("Mentor agreement", "Mentoraftale"),
        agreement_description=labels("What you and your student mentor agree on. Both of you sign it.",
                                     "Det, du og din studiementor aftaler. I underskriver det begge."),
        mentor_expectations=labels("What the student can expect of the student mentor",
                                   "Hvad den studerende kan forvente af studiementoren"),
        mentee_expectations=labels("What the student mentor can expect of the student",
                                   "Hvad studiementoren kan forvente af den studerende"),
        satisfaction=labels("How satisfied are you with the mentoring (1-5)?",
                            "Hvor tilfreds er du med mentorforløbet (1-5)?"),
        check_in=labels("A short check-in on your studies and the mentoring.",
                        "En kort status på studiet og mentorforløbet."),
        reassign=labels("Give the student a new student mentor", "Giv den studerende en ny studiementor"),
        new_mentor=labels("New student mentor", "Ny studiementor"))
    set_enum(doc, "agreement", "meeting_frequency", ["weekly", "fortnightly", "monthly"])
    extend_form(doc, "reflection", {
        "study_load": score(),
        "belonging": score(),
        "next_step": text(1000),
    }, {
        "study_load": field("How manageable is the study load right now (1-5)?",
                            "Hvor overskuelig er studiebelastningen lige nu (1-5)?", "scale"),
        "belonging": field("How much at home does the student feel at the university (1-5)?",
                           "Hvor hjemme føler den studerende sig på universitetet (1-5)?", "scale"),
        "next_step": field("Next step before you meet again", "Næste skridt, inden I ses igen", "textarea"),
    })
    # Every second week, as the semester's rhythm allows; the study counsellor hears of a week's delay.
    set_cadence(doc, "P14D", remind=["-P2D", "P0D"], escalate_after="P7D")
    # One academic goal and one about settling in or the career choice, agreed by both, before the check-ins.
    set_guard(doc, "start_reflecting", "goals.min_agreed", {"count": 2})
    set_settings(
        doc,
        reasons=[
            reason("changed_programme", "Changed to another study programme", "Har skiftet til en anden uddannelse"),
            reason("left_university", "Left the university", "Har forladt universitetet"),
            reason("exchange", "Exchange or study abroad", "Udveksling eller studieophold i udlandet"),
            reason("schedule_conflict", "Our timetables no longer fit together",
                   "Vores skemaer passer ikke længere sammen"),
            reason("needs_met", "The student no longer needs a mentor",
                   "Den studerende har ikke længere brug for en mentor"),
            reason("not_a_good_fit", "The match did not fit", "Matchet passede ikke"),
            reason("other", "Another reason", "En anden årsag"),
        ],
        after_closure=labels(
            "You are welcome to stay in touch as fellow students; the programme no longer follows the relationship.",
            "I er velkomne til at holde kontakten som medstuderende; ordningen følger ikke længere forløbet."),
        reopen_window="P30D",
        competences=[
            competence("study_planning", "Planning my studies", "Planlægning af mit studie"),
            competence("academic_writing", "Academic writing", "Akademisk skrivning"),
            competence("exam_confidence", "Confidence at exams", "Tryghed ved eksamen"),
            competence("belonging", "Feeling at home at the university", "Tilhørsforhold på universitetet"),
            competence("career_clarity", "Clarity about my career choice", "Afklaring af mit karrierevalg"),
        ],
        pulse_first="P30D", pulse_every="P60D",
        meeting_format="in_person", cadence_range=("P7D", "P30D"))
