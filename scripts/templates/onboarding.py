"""``onboarding``: a buddy helps a new colleague through the first 90 days."""

from __future__ import annotations

from template_kit import (
    Doc,
    add_timer,
    competence,
    extend_form,
    field,
    labels,
    reason,
    role_texts,
    score,
    set_cadence,
    set_enum,
    set_form_title,
    set_guard,
    set_programme,
    set_settings,
    text,
)

NAME = "onboarding"


def prepare(doc: Doc) -> None:
    set_programme(
        doc, template_id="onboarding", context="onboarding", duration="P90D",
        name=labels("Buddy programme for new employees", "Buddyordning for nye medarbejdere"),
        description=labels(
            "A buddy helps a new colleague through the first 90 days: the role, the tools, the people and the way "
            "things are done.",
            "En buddy hjælper en ny kollega gennem de første 90 dage: rollen, værktøjerne, menneskene og måden, "
            "tingene gøres på."),
        role_labels={"mentor": labels("Buddy", "Buddy"),
                     "mentee": labels("New colleague", "Ny kollega"),
                     "coordinator": labels("HR partner", "HR-partner")})
    set_form_title(doc, "goal", labels("Goal for the first 90 days", "Mål for de første 90 dage"))
    set_enum(doc, "goal", "category", ["skills", "career", "personal_growth"])
    extend_form(doc, "goal", {
        "milestone": {"enum": ["day_30", "day_60", "day_90"]},
        "area": {"enum": ["role_and_tasks", "tools_and_systems", "people_and_network", "ways_of_working"]},
    }, {
        "milestone": field("By when in the first 90 days?", "Hvornår i de første 90 dage?", "select",
                           choices={"day_30": labels("By day 30", "Inden dag 30"),
                                    "day_60": labels("By day 60", "Inden dag 60"),
                                    "day_90": labels("By day 90", "Inden dag 90")},
                           help=labels("Day 30: find your feet. Day 60: contribute. Day 90: work on your own.",
                                       "Dag 30: find dig til rette. Dag 60: bidrag. Dag 90: arbejd selvstændigt.")),
        "area": field("Area", "Område", "select", choices={
            "role_and_tasks": labels("Role and tasks", "Rolle og opgaver"),
            "tools_and_systems": labels("Tools and systems", "Værktøjer og systemer"),
            "people_and_network": labels("People and network", "Kolleger og netværk"),
            "ways_of_working": labels("Ways of working", "Arbejdsgange")}),
    }, required=["milestone", "area"])


def customise(doc: Doc) -> None:
    role_texts(
        doc,
        agreement=labels("Buddy agreement", "Buddyaftale"),
        agreement_description=labels(
            "What you and your buddy agree on for the first 90 days. Both of you sign it.",
            "Det, du og din buddy aftaler for de første 90 dage. I underskriver det begge."),
        mentor_expectations=labels("What the new colleague can expect of the buddy",
                                   "Hvad den nye kollega kan forvente af sin buddy"),
        mentee_expectations=labels("What the buddy can expect of the new colleague",
                                   "Hvad buddyen kan forvente af den nye kollega"),
        satisfaction=labels("How satisfied are you with the buddy programme (1-5)?",
                            "Hvor tilfreds er du med buddyordningen (1-5)?"),
        check_in=labels("A short weekly check-in on how the onboarding is going.",
                        "En kort ugentlig status på, hvordan onboardingen går."),
        reassign=labels("Give the new colleague a new buddy", "Giv den nye kollega en ny buddy"),
        new_mentor=labels("New buddy", "Ny buddy"))
    set_enum(doc, "agreement", "meeting_frequency", ["weekly", "fortnightly"])
    extend_form(doc, "reflection", {
        "settling_in": score(),
        "open_questions": text(2000),
    }, {
        "settling_in": field("How well is the onboarding going (1-5)?", "Hvor godt går onboardingen (1-5)?",
                             "scale"),
        "open_questions": field("Questions still open", "Spørgsmål, der stadig er åbne", "textarea"),
    })
    # Weekly: the first weeks are when a buddy matters most; HR hears of a check-in three days late.
    set_cadence(doc, "P7D", remind=["P0D"], escalate_after="P3D",
                label=labels("Weekly check-in due", "Ugentlig status forfalden"))
    add_timer(doc, {
        "id": "agreement_due", "kind": "recurring", "states": ["contracting"], "every": "P7D",
        "satisfied_by": ["sign_agreement"], "who": ["mentor", "mentee"], "remind": ["P0D"], "escalate_after": "P3D",
        "label": labels("Buddy agreement not signed yet", "Buddyaftalen er endnu ikke underskrevet"),
    })
    # A goal for each milestone (day 30, 60 and 90) before the weekly check-ins start.
    set_guard(doc, "start_reflecting", "goals.min_agreed", {"count": 3})
    # HR may close without the closure forms, e.g. when the new colleague has already left.
    set_guard(doc, "close", "closure.forms_complete", {"bypass_roles": ["coordinator"]})
    set_settings(
        doc,
        reasons=[
            reason("left_organisation", "Left the organisation", "Har forladt organisationen"),
            reason("changed_team", "Moved to another team", "Er skiftet til et andet team"),
            reason("settled_in_early", "Settled in early", "Er faldet godt til før tid"),
            reason("buddy_unavailable", "The buddy is no longer available", "Buddyen er ikke længere til rådighed"),
            reason("schedule_conflict", "Our schedules no longer fit together",
                   "Vores kalendere passer ikke længere sammen"),
            reason("other", "Another reason", "En anden årsag"),
        ],
        after_closure=labels(
            "You are colleagues: keep in touch as you like. The buddy programme has ended.",
            "I er kolleger: hold kontakten, som I har lyst. Buddyforløbet er slut."),
        reopen_window="P14D",
        competences=[
            competence("role", "Understanding my role", "Forståelse af min rolle"),
            competence("tools", "Using our tools and systems", "Brug af vores værktøjer og systemer"),
            competence("network", "Knowing whom to ask", "At vide, hvem jeg kan spørge"),
            competence("culture", "How we work here", "Hvordan vi arbejder her"),
        ],
        scale=(1, 4),
        pulse_first="P14D", pulse_every="P30D",
        meeting_format="in_person", cadence_range=("P7D", "P14D"))
