"""``association``: members develop in their profession with an experienced member as sparring partner."""

from __future__ import annotations

from template_kit import (
    Doc,
    competence,
    extend_form,
    field,
    labels,
    reason,
    role_texts,
    set_cadence,
    set_enum,
    set_guard,
    set_programme,
    set_settings,
    text,
)

NAME = "association"


def prepare(doc: Doc) -> None:
    set_programme(
        doc, template_id="association", context="association", duration="P6M",
        name=labels("Member mentoring", "Mentorordning for medlemmer"),
        description=labels(
            "Members of the association develop in their profession with an experienced member as sparring partner.",
            "Foreningens medlemmer udvikler sig i deres fag med et erfarent medlem som sparringspartner."),
        role_labels={"mentor": labels("Sparring partner", "Sparringspartner"),
                     "mentee": labels("Member", "Medlem"),
                     "coordinator": labels("Mentor coordinator", "Mentorkoordinator")})
    set_enum(doc, "goal", "category", ["career", "skills", "personal_growth"])
    extend_form(doc, "goal", {"professional_area": text(200, required=True)}, {
        "professional_area": field("Which part of the profession?", "Hvilken del af faget?"),
    }, required=["professional_area"])


def customise(doc: Doc) -> None:
    role_texts(
        doc,
        agreement=labels("Sparring agreement", "Sparringsaftale"),
        agreement_description=labels("What you and your sparring partner agree on. Both of you sign it.",
                                     "Det, du og din sparringspartner aftaler. I underskriver det begge."),
        mentor_expectations=labels("What the member can expect of the sparring partner",
                                   "Hvad medlemmet kan forvente af sparringspartneren"),
        mentee_expectations=labels("What the sparring partner can expect of the member",
                                   "Hvad sparringspartneren kan forvente af medlemmet"),
        satisfaction=labels("How satisfied are you with the sparring (1-5)?",
                            "Hvor tilfreds er du med sparringen (1-5)?"),
        check_in=labels("A short check-in on the member's professional development.",
                        "En kort status på medlemmets faglige udvikling."),
        reassign=labels("Give the member a new sparring partner", "Giv medlemmet en ny sparringspartner"),
        new_mentor=labels("New sparring partner", "Ny sparringspartner"))
    set_enum(doc, "agreement", "meeting_frequency", ["monthly", "as_needed"])
    extend_form(doc, "reflection", {"professional_dilemma": text(5000)}, {
        "professional_dilemma": field("A professional dilemma we talked about", "Et fagligt dilemma, vi talte om",
                                      "textarea"),
    })
    set_cadence(doc, "P30D", remind=["-P2D", "P0D"], escalate_after="P14D")
    # The association reports the members' growth: the member's starting self-assessment comes first.
    set_guard(doc, "start_reflecting", "fired_by_roles", {"transition": "self_assess_start", "roles": ["mentee"],
                                                          "since": "relationship_started"})
    set_settings(
        doc,
        reasons=[
            reason("membership_ended", "The membership has ended", "Medlemskabet er ophørt"),
            reason("new_field", "A new job or professional field", "Nyt job eller nyt fagområde"),
            reason("no_time", "The sparring partner no longer has the time",
                   "Sparringspartneren har ikke længere tid"),
            reason("changed_needs", "Needs have changed", "Behovene har ændret sig"),
            reason("schedule_conflict", "Our schedules no longer fit together",
                   "Vores kalendere passer ikke længere sammen"),
            reason("other", "Another reason", "En anden årsag"),
        ],
        after_closure=labels(
            "Stay in touch as colleagues in the association; the mentoring programme no longer follows the "
            "relationship.",
            "Hold gerne kontakten som kolleger i foreningen; mentorordningen følger ikke længere forløbet."),
        reopen_window="P30D",
        competences=[
            competence("professional_identity", "Professional identity", "Faglig identitet"),
            competence("ethics", "Professional ethics", "Faglig etik"),
            competence("network", "Network in the profession", "Netværk i faget"),
            competence("judgement", "Confidence in my professional judgement", "Tillid til min faglige dømmekraft"),
        ],
        # The volunteers are not surveyed: the pulse is for the members.
        pulse_first="P30D", pulse_every="P60D", pulse_who=["mentee"],
        meeting_format="video", cadence_range=("P14D", "P60D"))
