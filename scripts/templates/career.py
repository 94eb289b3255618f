"""``career``: professionals plan their next career step with a career mentor."""

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

NAME = "career"


def prepare(doc: Doc) -> None:
    set_programme(
        doc, template_id="career", context="career", duration="P6M",
        name=labels("Career mentoring", "Karrierementoring"),
        description=labels(
            "Professionals plan their next career step with a mentor who has walked a similar path.",
            "Fagfolk planlægger deres næste karriereskridt med en mentor, der har gået en lignende vej."),
        role_labels={"mentor": labels("Career mentor", "Karrierementor"),
                     "mentee": labels("Mentee", "Mentee"),
                     "coordinator": labels("Career adviser", "Karrierevejleder")})
    set_enum(doc, "goal", "category", ["career", "skills"])
    extend_form(doc, "goal", {
        "career_step": {"enum": ["promotion", "new_role", "new_field", "skills_for_role", "job_search",
                                 "leadership_path"]},
        "first_action": text(1000),
    }, {
        "career_step": field("Which career step?", "Hvilket karriereskridt?", "select", choices={
            "promotion": labels("A promotion", "En forfremmelse"), "new_role": labels("A new role", "En ny rolle"),
            "new_field": labels("A new field", "Et nyt fagområde"),
            "skills_for_role": labels("Skills for my current role", "Kompetencer til min nuværende rolle"),
            "job_search": labels("Finding a job", "Jobsøgning"),
            "leadership_path": labels("Towards leadership", "Vejen mod ledelse")}),
        "first_action": field("The first concrete action", "Den første konkrete handling"),
    }, required=["career_step"])


def customise(doc: Doc) -> None:
    role_texts(
        doc,
        agreement=labels("Career mentoring agreement", "Aftale om karrierementoring"),
        agreement_description=labels("What you and your career mentor agree on. Both of you sign it.",
                                     "Det, du og din karrierementor aftaler. I underskriver det begge."),
        mentor_expectations=labels("What the mentee can expect of the career mentor",
                                   "Hvad mentee kan forvente af karrierementoren"),
        mentee_expectations=labels("What the career mentor can expect of the mentee",
                                   "Hvad karrierementoren kan forvente af mentee"),
        satisfaction=labels("How satisfied are you with the career mentoring (1-5)?",
                            "Hvor tilfreds er du med karrierementoringen (1-5)?"),
        check_in=labels("A short check-in on the career plan.", "En kort status på karriereplanen."),
        reassign=labels("Give the mentee a new career mentor", "Giv mentee en ny karrierementor"),
        new_mentor=labels("New career mentor", "Ny karrierementor"))
    set_enum(doc, "agreement", "meeting_frequency", ["fortnightly", "monthly", "as_needed"])
    extend_form(doc, "reflection", {
        "actions_taken": text(5000),
        "clarity": score(),
    }, {
        "actions_taken": field("What was done for the career since last time",
                               "Hvad der er gjort for karrieren siden sidst", "textarea"),
        "clarity": field("How clear is the next step (1-5)?", "Hvor klart står det næste skridt (1-5)?", "scale"),
    })
    set_cadence(doc, "P21D", remind=["-P2D", "P0D"], escalate_after="P7D")
    # Give the plan three weeks of check-ins before proposing to change it.
    set_guard(doc, "propose_adjustment", "min_time_in_state", {"duration": "P21D"})
    set_settings(
        doc,
        reasons=[
            reason("new_job", "Started a new job or role", "Er startet i nyt job eller ny rolle"),
            reason("changed_needs", "Needs have changed", "Behovene har ændret sig"),
            reason("schedule_conflict", "Our schedules no longer fit together",
                   "Vores kalendere passer ikke længere sammen"),
            reason("not_a_good_fit", "The match did not fit", "Matchet passede ikke"),
            reason("other", "Another reason", "En anden årsag"),
        ],
        after_closure=labels(
            "Stay connected professionally if you both wish; the programme no longer follows the relationship.",
            "Hold gerne faglig kontakt, hvis I begge ønsker det; programmet følger ikke længere forløbet."),
        reopen_window="P30D",
        competences=[
            competence("career_clarity", "Clarity about my next step", "Klarhed over mit næste skridt"),
            competence("networking", "Networking", "Netværk"),
            competence("self_presentation", "Presenting myself (CV, interviews)",
                       "At præsentere mig selv (cv, jobsamtaler)"),
            competence("negotiation", "Negotiating", "Forhandling"),
        ],
        pulse_first="P30D", pulse_every="P60D",
        meeting_format="video", cadence_range=("P14D", "P30D"))
